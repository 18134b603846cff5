/** Conformance: introspection.json (RFC 7662), as named tests against an injected fetch. */
import { expect } from 'vitest'
import {
  getDiscoveryDocument,
  introspectToken,
  TokenIntrospectionRequest,
} from '../../src/index.js'
import { fakeFetch, json } from '../support/fake-fetch.js'
import { conformanceSuite, fixtureJson, loadCapability, specAvailable } from './spec.js'

const ENDPOINT = 'https://server.example.com/introspect'
const STANDARD = [
  'scope',
  'client_id',
  'username',
  'token_type',
  'exp',
  'iat',
  'nbf',
  'sub',
  'aud',
  'iss',
  'jti',
] as const
const required = specAvailable ? (loadCapability('introspection').required_fields as string[]) : []

function endpoint(response: () => Response) {
  const fake = fakeFetch({ [ENDPOINT]: response })
  const form = async (index = 0) => new URLSearchParams(await fake.calls[index]!.clone().text())
  const introspect = (extra: Record<string, unknown> = {}) =>
    introspectToken({
      address: ENDPOINT,
      clientId: 'rs',
      clientSecret: 'rs-secret',
      token: 'the-token',
      fetch: fake.fetch,
      ...extra,
    })
  return { fake, form, introspect }
}

conformanceSuite('introspection', {
  'INTR-001': async () => {
    const fixture = fixtureJson('introspection/active-response.json')
    const { fake, form, introspect } = endpoint(() => json(fixture))
    const result = await introspect()
    expect(fake.calls[0]?.method).toBe('POST')
    expect(fake.calls[0]?.headers.get('content-type')).toBe('application/x-www-form-urlencoded')
    expect((await form()).get('token')).toBe('the-token')
    if (!result.isSuccessful) throw new Error(result.error)
    expect(required).toEqual(['active'])
    expect(result.active).toBe(true)
    for (const name of STANDARD) expect(result.claims[name], name).toEqual(fixture[name])
    expect(result.claims.exp).toBeTypeOf('number')
    expect(result.claims.extension_field).toBe('twenty-seven')
    expect(result.raw).toEqual(fixture)
  },
  'INTR-002': async () => {
    const { introspect } = endpoint(() => json(fixtureJson('introspection/inactive-response.json')))
    const result = await introspect()
    expect(result).toEqual({
      isSuccessful: true,
      active: false,
      claims: { active: false },
      raw: { active: false },
      httpStatus: 200,
    })
  },
  'INTR-003': async () => {
    const { fake, form, introspect } = endpoint(() => json({ active: true }))
    const secret = 'p:a%s+s w/rd'
    await introspect({ clientId: 'rs 1', clientSecret: secret })
    const header = fake.calls[0]?.headers.get('authorization') ?? ''
    expect(header.startsWith('Basic ')).toBe(true)
    const decoded = Buffer.from(header.slice(6), 'base64').toString()
    expect(decoded).toBe('rs+1:p%3Aa%25s%2Bs+w%2Frd')
    const basicForm = await form(0)
    expect(basicForm.has('client_id')).toBe(false)
    expect(basicForm.has('client_secret')).toBe(false)

    await introspect({
      clientId: 'rs 1',
      clientSecret: secret,
      clientAuthentication: 'client_secret_post',
    })
    expect(fake.calls[1]?.headers.get('authorization')).toBeNull()
    const postForm = await form(1)
    expect(postForm.get('client_id')).toBe('rs 1')
    expect(postForm.get('client_secret')).toBe(secret)
  },
  'INTR-004': async () => {
    const { form, introspect } = endpoint(() => json({ active: true }))
    for (const [index, hint] of ['access_token', 'refresh_token'].entries()) {
      const result = await introspect({ tokenTypeHint: hint })
      expect(result.isSuccessful).toBe(true)
      const sent = await form(index)
      expect(sent.get('token')).toBe('the-token')
      expect(sent.get('token_type_hint')).toBe(hint)
    }
  },
  'INTR-005': async () => {
    const { introspect } = endpoint(() =>
      json(fixtureJson('introspection/error-invalid-client.json'), { status: 401 }),
    )
    expect(await introspect()).toEqual({
      isSuccessful: false,
      errorType: 'protocol',
      error: 'invalid_client',
      errorDescription: 'Client authentication failed',
      httpStatus: 401,
    })
  },
  'INTR-006': async () => {
    const disco = fixtureJson<{ issuer: string }>('introspection/discovery-with-introspection.json')
    const fake = fakeFetch({
      [`${disco.issuer}/.well-known/openid-configuration`]: () => json(disco),
      [ENDPOINT]: () => json({ active: true, scope: 'read' }),
    })
    const document = await getDiscoveryDocument({
      address: disco.issuer,
      fetch: fake.fetch,
      cache: false,
    })
    if (!document.isSuccessful) throw new Error(document.error)
    expect(document.introspectionEndpoint).toBe(ENDPOINT)
    const result = await introspectToken(
      new TokenIntrospectionRequest({
        address: document.introspectionEndpoint,
        clientId: 'rs',
        clientSecret: 's',
        token: 't',
        fetch: fake.fetch,
      }),
    )
    expect(fake.calls.map((call) => call.url)).toEqual([
      `${disco.issuer}/.well-known/openid-configuration`,
      ENDPOINT,
    ])
    expect(result).toMatchObject({ isSuccessful: true, active: true, claims: { scope: 'read' } })
  },
})
