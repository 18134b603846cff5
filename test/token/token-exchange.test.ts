/** requestTokenExchange and its process step (RFC 8693), against an injected fetch. */
import { describe, expect, it } from 'vitest'
import {
  processTokenExchangeResponse,
  requestTokenExchange,
  TOKEN_EXCHANGE_GRANT_TYPE,
  TokenExchangeRequest,
  type TokenExchangeRequestInit,
  TokenTypeIdentifiers,
} from '../../src/index.js'
import { fakeFetch, json } from '../support/fake-fetch.js'

const TOKEN = 'https://id.example.com/token'
const SUBJECT = 'subject-token-value'
const ACTOR = 'actor-token-value'
const SECRET = 'gateway-secret'
const issued = {
  access_token: 'new-at',
  issued_token_type: TokenTypeIdentifiers.AccessToken,
  token_type: 'Bearer',
  expires_in: 300,
}

function setup(response: () => Response = () => json(issued)) {
  const fake = fakeFetch({ [TOKEN]: response })
  const exchange = (extra: Partial<TokenExchangeRequestInit> = {}) =>
    requestTokenExchange({
      address: TOKEN,
      clientId: 'gateway',
      clientSecret: SECRET,
      subjectToken: SUBJECT,
      subjectTokenType: TokenTypeIdentifiers.AccessToken,
      fetch: fake.fetch,
      ...extra,
    })
  const form = async (index = 0) => new URLSearchParams(await fake.calls[index]!.clone().text())
  return { fake, exchange, form }
}

describe('requestTokenExchange', () => {
  it('sends the impersonation form with Basic authentication and returns the issued token', async () => {
    const { fake, exchange, form } = setup()
    const result = await exchange()
    expect(fake.calls[0]?.headers.get('authorization')).toMatch(/^Basic /)
    expect(Object.fromEntries(await form())).toEqual({
      grant_type: TOKEN_EXCHANGE_GRANT_TYPE,
      subject_token: SUBJECT,
      subject_token_type: TokenTypeIdentifiers.AccessToken,
    })
    expect(result).toEqual({ isSuccessful: true, token: issued, httpStatus: 200 })
  })

  it('sends delegation, requested type, repeated audience and resource, and a scope list', async () => {
    const { fake, form } = setup()
    await requestTokenExchange(
      new TokenExchangeRequest({
        address: TOKEN,
        clientId: 'gateway',
        clientSecret: SECRET,
        clientAuthentication: 'client_secret_post',
        subjectToken: SUBJECT,
        subjectTokenType: TokenTypeIdentifiers.Jwt,
        actorToken: ACTOR,
        actorTokenType: TokenTypeIdentifiers.AccessToken,
        requestedTokenType: TokenTypeIdentifiers.RefreshToken,
        audience: ['orders', 'billing'],
        resource: 'https://orders.example.com/',
        scope: ['orders:read', 'orders:write'],
        parameters: { tenant: 't1' },
        fetch: fake.fetch,
      }),
    )
    const sent = await form()
    expect(sent.get('actor_token')).toBe(ACTOR)
    expect(sent.get('actor_token_type')).toBe(TokenTypeIdentifiers.AccessToken)
    expect(sent.get('requested_token_type')).toBe(TokenTypeIdentifiers.RefreshToken)
    expect(sent.getAll('audience')).toEqual(['orders', 'billing'])
    expect(sent.getAll('resource')).toEqual(['https://orders.example.com/'])
    expect(sent.get('scope')).toBe('orders:read orders:write')
    expect(sent.get('tenant')).toBe('t1')
    expect(sent.get('client_secret')).toBe(SECRET)
  })

  it.each([
    ['no subject token', { subjectToken: undefined }, 'subjectToken is required'],
    ['an empty subject token', { subjectToken: '' }, 'subjectToken is required'],
    ['no subject token type', { subjectTokenType: undefined }, 'subjectTokenType must be'],
    ['a short-hand type', { subjectTokenType: 'access_token' }, 'subjectTokenType must be'],
    ['an actor token without its type', { actorToken: ACTOR }, 'actorTokenType must be'],
    [
      'an actor type without a token',
      { actorTokenType: TokenTypeIdentifiers.Jwt },
      'actorTokenType needs an actorToken',
    ],
    ['a bad requested type', { requestedTokenType: 'jwt' }, 'requestedTokenType must be'],
    ['no client id', { clientId: undefined }, 'clientId is required'],
  ] as const)('throws TypeError at once for %s', async (_name, extra, message) => {
    const { fake, exchange } = setup()
    const error = await exchange(extra as Partial<TokenExchangeRequestInit>).catch(
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(TypeError)
    expect((error as Error).message).toContain(message)
    expect((error as Error).message).not.toContain(SUBJECT)
    expect(fake.calls).toHaveLength(0)
  })

  it('surfaces invalid_grant without the tokens or the secret', async () => {
    const { exchange } = setup(() =>
      json(
        { error: 'invalid_grant', error_description: 'subject_token is invalid' },
        { status: 400 },
      ),
    )
    const result = await exchange({ actorToken: ACTOR, actorTokenType: TokenTypeIdentifiers.Jwt })
    expect(result).toMatchObject({
      isSuccessful: false,
      errorType: 'protocol',
      error: 'invalid_grant',
      httpStatus: 400,
    })
    for (const secret of [SUBJECT, ACTOR, SECRET])
      expect(JSON.stringify(result)).not.toContain(secret)
  })
})

describe('processTokenExchangeResponse', () => {
  it('accepts token_type N_A with a non-access-token issued type', async () => {
    const body = {
      access_token: 'PHNhbWw...',
      issued_token_type: TokenTypeIdentifiers.Saml2,
      token_type: 'N_A',
      expires_in: 60,
    }
    expect(await processTokenExchangeResponse(json(body))).toEqual({
      isSuccessful: true,
      token: body,
      httpStatus: 200,
    })
  })

  it('refuses a success without issued_token_type as invalid_response', async () => {
    for (const issuedType of [undefined, '', 42]) {
      const result = await processTokenExchangeResponse(
        json({ access_token: 'a', token_type: 'Bearer', issued_token_type: issuedType }),
      )
      expect(result).toMatchObject({
        isSuccessful: false,
        errorType: 'invalid_response',
        error: 'the token exchange response has no issued_token_type',
        httpStatus: 200,
      })
    }
  })

  it('keeps the token response rules: access_token and token_type required', async () => {
    const result = await processTokenExchangeResponse(
      json({ issued_token_type: TokenTypeIdentifiers.AccessToken, token_type: 'Bearer' }),
    )
    expect(result).toMatchObject({ isSuccessful: false, errorType: 'invalid_response' })
  })

  it('surfaces an OAuth error sent with status 200 as protocol', async () => {
    const result = await processTokenExchangeResponse(json({ error: 'invalid_target' }))
    expect(result).toMatchObject({
      isSuccessful: false,
      errorType: 'protocol',
      error: 'invalid_target',
    })
  })
})
