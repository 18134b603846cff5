/** Conformance: token-exchange.json (RFC 8693), as named tests against an injected fetch. */
import { expect } from 'vitest'
import {
  requestTokenExchange,
  TOKEN_EXCHANGE_GRANT_TYPE,
  TokenExchangeRequest,
  type TokenExchangeRequestInit,
  TokenTypeIdentifiers,
} from '../../src/index.js'
import { fakeFetch, json } from '../support/fake-fetch.js'
import { conformanceSuite, fixtureJson, loadCapability, specAvailable } from './spec.js'

const TOKEN = 'https://server.example.com/token'
const required = specAvailable ? (loadCapability('token-exchange').required_fields as string[]) : []

type Fixture = Record<string, string>

function endpoint(response: () => Response) {
  const fake = fakeFetch({ [TOKEN]: response })
  const form = async (index = 0) => new URLSearchParams(await fake.calls[index]!.clone().text())
  const exchange = (init: Partial<TokenExchangeRequestInit>) =>
    requestTokenExchange({
      address: TOKEN,
      clientId: 'gateway',
      clientSecret: 'gateway-secret',
      fetch: fake.fetch,
      ...init,
    })
  return { fake, form, exchange }
}

/** The request fixture's fields, without the grant type and the comment. */
function requestFields(name: string): Fixture {
  const { _comment, ...fields } = fixtureJson<Fixture>(`token-exchange/${name}`)
  return fields
}

conformanceSuite('token-exchange', {
  'EXCH-001': async () => {
    const fixture = fixtureJson('token-exchange/exchange-impersonation-success.json')
    const { fake, form } = endpoint(() => json(fixture))
    const result = await requestTokenExchange(
      new TokenExchangeRequest({
        address: TOKEN,
        clientId: 'gateway',
        clientSecret: 'gateway-secret',
        subjectToken: 'eyJhbGciOiJFUzI1NiJ9.subject.tok',
        subjectTokenType: TokenTypeIdentifiers.AccessToken,
        fetch: fake.fetch,
      }),
    )
    expect(fake.calls[0]?.method).toBe('POST')
    expect(fake.calls[0]?.headers.get('content-type')).toBe('application/x-www-form-urlencoded')
    const sent = await form()
    expect(sent.get('grant_type')).toBe(TOKEN_EXCHANGE_GRANT_TYPE)
    expect(sent.get('subject_token')).toBe('eyJhbGciOiJFUzI1NiJ9.subject.tok')
    expect(sent.get('subject_token_type')).toBe(TokenTypeIdentifiers.AccessToken)
    expect(sent.has('actor_token')).toBe(false)
    if (!result.isSuccessful) throw new Error(result.error)
    expect(required).toEqual(['access_token', 'issued_token_type', 'token_type'])
    for (const name of [...required, 'expires_in'])
      expect(result.token[name]).toEqual(fixture[name])
  },
  'EXCH-002': async () => {
    const fields = requestFields('exchange-request-delegation.json')
    const fixture = fixtureJson('token-exchange/exchange-delegation-success.json')
    const { form, exchange } = endpoint(() => json(fixture))
    const result = await exchange({
      subjectToken: fields.subject_token,
      subjectTokenType: fields.subject_token_type,
      actorToken: fields.actor_token,
      actorTokenType: fields.actor_token_type,
      resource: fields.resource,
    })
    // Exactly the annotated body of the fixture.
    expect(Object.fromEntries(await form())).toEqual(fields)
    expect(result).toEqual({ isSuccessful: true, token: fixture, httpStatus: 200 })
  },
  'EXCH-003': async () => {
    const { token_type_uris: uris } = fixtureJson<{ token_type_uris: string[] }>(
      'token-exchange/token-type-uris.json',
    )
    expect(uris).toEqual(Object.values(TokenTypeIdentifiers))
    const { fake, exchange } = endpoint(() =>
      json({ access_token: 'a', token_type: 'Bearer', issued_token_type: uris[0] }),
    )
    for (const uri of uris) {
      await exchange({ subjectToken: 's', subjectTokenType: uri })
    }
    expect(fake.calls).toHaveLength(uris.length)
    for (const [index, uri] of uris.entries()) {
      const raw = await fake.calls[index]!.clone().text()
      // Serialized whole: the URI, form-encoded, appears verbatim in the body.
      expect(raw).toContain(`subject_token_type=${encodeURIComponent(uri)}`)
      expect(new URLSearchParams(raw).get('subject_token_type')).toBe(uri)
    }
  },
  'EXCH-004': async () => {
    const fields = requestFields('exchange-request-impersonation.json')
    const saml = TokenTypeIdentifiers.Saml2
    const { form, exchange } = endpoint(() =>
      json({ access_token: 'a', token_type: 'N_A', issued_token_type: saml }),
    )
    const result = await exchange({
      subjectToken: fields.subject_token,
      subjectTokenType: fields.subject_token_type,
      requestedTokenType: fields.requested_token_type,
      audience: fields.audience,
      scope: fields.scope,
    })
    expect(Object.fromEntries(await form())).toEqual(fields)
    // The issued type may differ from the requested one.
    expect(result.isSuccessful && result.token.issued_token_type).toBe(saml)
  },
  'EXCH-005': async () => {
    const fixture = fixtureJson('token-exchange/exchange-n_a-token-type.json')
    const { exchange } = endpoint(() =>
      json({ ...fixture, scope: 'a b', refresh_token: 'rt-1', expires_in: 60 }),
    )
    const result = await exchange({ subjectToken: 's', subjectTokenType: TokenTypeIdentifiers.Jwt })
    if (!result.isSuccessful) throw new Error(result.error)
    expect(result.token).toEqual({
      access_token: fixture.access_token,
      issued_token_type: TokenTypeIdentifiers.Saml2,
      token_type: 'N_A',
      expires_in: 60,
      scope: 'a b',
      refresh_token: 'rt-1',
    })
  },
  'EXCH-006': async () => {
    for (const name of [
      'exchange-error-invalid-grant.json',
      'exchange-error-invalid-request.json',
    ]) {
      const fixture = fixtureJson<Fixture>(`token-exchange/${name}`)
      const { exchange } = endpoint(() =>
        json({ ...fixture, error_uri: 'https://server.example.com/errors' }, { status: 400 }),
      )
      const result = await exchange({
        subjectToken: 's',
        subjectTokenType: TokenTypeIdentifiers.Jwt,
      })
      expect(result).toEqual({
        isSuccessful: false,
        errorType: 'protocol',
        error: fixture.error,
        errorDescription: fixture.error_description,
        errorUri: 'https://server.example.com/errors',
        httpStatus: 400,
      })
    }
  },
})
