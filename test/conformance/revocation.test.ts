/** Conformance: revocation.json (RFC 7009), as named tests against an injected fetch. */
import { expect } from 'vitest'
import { getDiscoveryDocument, revokeToken, TokenRevocationRequest } from '../../src/index.js'
import { fakeFetch, json } from '../support/fake-fetch.js'
import { conformanceSuite, fixtureJson, fixtureText } from './spec.js'

const ENDPOINT = 'https://server.example.com/revoke'

function endpoint(response: (request: Request) => Response | Promise<Response>) {
  const fake = fakeFetch({ [ENDPOINT]: response })
  const form = async (index = 0) => new URLSearchParams(await fake.calls[index]!.clone().text())
  const revoke = (extra: Record<string, unknown> = {}) =>
    revokeToken({
      address: ENDPOINT,
      clientId: 'app',
      clientSecret: 'app-secret',
      token: 'the-token',
      fetch: fake.fetch,
      ...extra,
    })
  return { fake, form, revoke }
}

conformanceSuite('revocation', {
  'REV-001': async () => {
    // The fixtures: an empty body and an empty JSON object, both HTTP 200.
    const bodies = [
      fixtureText('revocation/revoke-success-empty.json'),
      JSON.stringify(fixtureJson('revocation/revoke-success-empty-object.json')),
    ]
    expect(bodies[0]?.trim()).toBe('')
    const outcomes: unknown[] = []
    for (const body of bodies) {
      for (const token of ['a-valid-token', 'an-unknown-or-expired-token']) {
        const { fake, form, revoke } = endpoint(() => new Response(body, { status: 200 }))
        const result = await revoke({ token })
        expect(fake.calls[0]?.method).toBe('POST')
        expect(fake.calls[0]?.headers.get('content-type')).toBe('application/x-www-form-urlencoded')
        expect((await form()).get('token')).toBe(token)
        outcomes.push(result)
      }
    }
    // Valid and unknown tokens give the same result: nothing to scan with.
    for (const outcome of outcomes) expect(outcome).toEqual({ isSuccessful: true, httpStatus: 200 })
  },
  'REV-002': async () => {
    const { form, revoke } = endpoint(() => new Response(null, { status: 200 }))
    for (const [index, hint] of ['access_token', 'refresh_token'].entries()) {
      expect((await revoke({ tokenTypeHint: hint })).isSuccessful).toBe(true)
      const sent = await form(index)
      expect(sent.get('token')).toBe('the-token')
      expect(sent.get('token_type_hint')).toBe(hint)
    }
  },
  'REV-003': async () => {
    const { revoke } = endpoint(() =>
      json(fixtureJson('revocation/error-unsupported-token-type.json'), { status: 400 }),
    )
    expect(await revoke()).toEqual({
      isSuccessful: false,
      errorType: 'protocol',
      error: 'unsupported_token_type',
      errorDescription:
        'The authorization server does not support revocation of the presented token type',
      httpStatus: 400,
    })
  },
  'REV-004': async () => {
    const { revoke } = endpoint(() =>
      json(fixtureJson('revocation/error-invalid-client.json'), { status: 401 }),
    )
    expect(await revoke()).toEqual({
      isSuccessful: false,
      errorType: 'protocol',
      error: 'invalid_client',
      errorDescription: 'Client authentication failed',
      httpStatus: 401,
    })
  },
  'REV-005': async () => {
    const disco = fixtureJson<{ issuer: string }>('revocation/discovery-with-revocation.json')
    const fake = fakeFetch({
      [`${disco.issuer}/.well-known/openid-configuration`]: () => json(disco),
      [ENDPOINT]: () => new Response(null, { status: 200 }),
    })
    const document = await getDiscoveryDocument({
      address: disco.issuer,
      fetch: fake.fetch,
      cache: false,
    })
    if (!document.isSuccessful) throw new Error(document.error)
    expect(document.revocationEndpoint).toBe(ENDPOINT)
    const result = await revokeToken(
      new TokenRevocationRequest({
        address: document.revocationEndpoint,
        clientId: 'app',
        clientSecret: 's',
        token: 't',
        fetch: fake.fetch,
      }),
    )
    expect(fake.calls.map((call) => call.url)).toEqual([
      `${disco.issuer}/.well-known/openid-configuration`,
      ENDPOINT,
    ])
    expect(result).toEqual({ isSuccessful: true, httpStatus: 200 })
  },
})
