/** introspectToken and its process step (RFC 7662), against an injected fetch. */
import { describe, expect, it } from 'vitest'
import {
  introspectToken,
  processIntrospectionResponse,
  TokenIntrospectionRequest,
} from '../../src/index.js'
import { fakeFetch, json } from '../support/fake-fetch.js'

const ENDPOINT = 'https://id.example.com/introspect'
const SECRET = 'client-secret-value'
const TOKEN = 'opaque-token-value'

function setup(response: () => Response | Promise<Response>) {
  const fake = fakeFetch({ [ENDPOINT]: response })
  const call = (extra: Record<string, unknown> = {}) =>
    introspectToken({
      address: ENDPOINT,
      clientId: 'api',
      clientSecret: SECRET,
      token: TOKEN,
      fetch: fake.fetch,
      ...extra,
    })
  const form = async () => new URLSearchParams(await fake.calls[0]!.clone().text())
  return { fake, call, form }
}

describe('introspectToken', () => {
  it('POSTs the token as a form with Basic client authentication and reads an active token', async () => {
    const { fake, call, form } = setup(() =>
      json({ active: true, scope: 'a b', client_id: 'svc', exp: 2_000_000_000, ext: { x: 1 } }),
    )
    const result = await call({ tokenTypeHint: 'access_token' })
    expect(fake.calls[0]?.method).toBe('POST')
    expect(fake.calls[0]?.headers.get('content-type')).toBe('application/x-www-form-urlencoded')
    expect(fake.calls[0]?.headers.get('authorization')).toMatch(/^Basic /)
    expect(Object.fromEntries(await form())).toEqual({
      token: TOKEN,
      token_type_hint: 'access_token',
    })
    expect(result).toMatchObject({
      isSuccessful: true,
      active: true,
      claims: { scope: 'a b', client_id: 'svc', exp: 2_000_000_000, ext: { x: 1 } },
    })
  })

  it('accepts the request class', async () => {
    const { fake } = setup(() => json({ active: false }))
    const result = await introspectToken(
      new TokenIntrospectionRequest({
        address: ENDPOINT,
        clientId: 'api',
        clientSecret: SECRET,
        token: TOKEN,
        fetch: fake.fetch,
      }),
    )
    expect(result).toMatchObject({ isSuccessful: true, active: false })
  })

  it('throws TypeError at once for a missing token, address or clientId', async () => {
    const { call, fake } = setup(() => json({ active: false }))
    await expect(call({ token: '' })).rejects.toThrow(new TypeError('token is required'))
    await expect(call({ token: undefined })).rejects.toThrow(TypeError)
    await expect(call({ address: undefined })).rejects.toThrow(TypeError)
    await expect(call({ clientId: undefined })).rejects.toThrow(TypeError)
    await expect(call({ tokenTypeHint: '' })).rejects.toThrow(TypeError)
    expect(fake.calls).toHaveLength(0)
  })

  it('resolves to a network failure without the token or secret in it', async () => {
    const fake = fakeFetch({})
    const result = await introspectToken({
      address: ENDPOINT,
      clientId: 'api',
      clientSecret: SECRET,
      token: TOKEN,
      fetch: fake.fetch,
    })
    expect(result).toMatchObject({ isSuccessful: false, errorType: 'network' })
    expect(JSON.stringify(result)).not.toContain(SECRET)
    expect(JSON.stringify(result)).not.toContain(TOKEN)
  })

  it('surfaces invalid_client without echoing the credentials', async () => {
    const { call } = setup(() =>
      json({ error: 'invalid_client', error_description: 'nope' }, { status: 401 }),
    )
    const result = await call()
    expect(result).toMatchObject({
      isSuccessful: false,
      errorType: 'protocol',
      error: 'invalid_client',
      errorDescription: 'nope',
      httpStatus: 401,
    })
    expect(JSON.stringify(result)).not.toContain(SECRET)
  })
})

describe('processIntrospectionResponse', () => {
  const process = (body: unknown, init: ResponseInit = {}) =>
    processIntrospectionResponse(
      typeof body === 'string' ? new Response(body, init) : json(body, init),
    )

  it('types the standard members and keeps the others', async () => {
    const body = {
      active: true,
      scope: 'read',
      client_id: 'c',
      username: 'u',
      token_type: 'Bearer',
      exp: 3,
      iat: 1,
      nbf: 1,
      sub: 's',
      aud: ['a', 'b'],
      iss: 'https://id',
      jti: 'j',
      cnf: { jkt: 'x' },
      tenant: 't',
    }
    const result = await process(body)
    if (!result.isSuccessful) throw new Error(result.error)
    expect(result.claims).toEqual(body)
    expect(result.raw).toEqual(body)
    expect(result.claims.tenant).toBe('t')
  })

  it('exposes nothing but active:false for an inactive token, and keeps raw as received', async () => {
    const result = await process({ active: false, sub: 'leaked', scope: 'x' })
    expect(result).toEqual({
      isSuccessful: true,
      active: false,
      claims: { active: false },
      raw: { active: false, sub: 'leaked', scope: 'x' },
      httpStatus: 200,
    })
  })

  it('reads numeric-string times as numbers', async () => {
    const result = await process({ active: true, exp: '1700000000', iat: '1' })
    expect(result.claims).toMatchObject({ exp: 1_700_000_000, iat: 1 })
    expect(result.isSuccessful && result.raw.exp).toBe('1700000000')
  })

  it.each([
    ['no active', { scope: 'a' }, 'has no boolean "active"'],
    ['active as a string', { active: 'true' }, 'has no boolean "active"'],
    ['scope not a string', { active: true, scope: ['a'] }, '"scope"'],
    ['exp not a number', { active: true, exp: 'soon' }, '"exp"'],
    ['aud of numbers', { active: true, aud: [1] }, '"aud"'],
    ['cnf not an object', { active: true, cnf: 'x' }, '"cnf"'],
    ['client_id a number', { active: true, client_id: 7 }, '"client_id"'],
  ])('refuses %s as invalid_response', async (_name, body, message) => {
    const result = await process(body)
    expect(result).toMatchObject({
      isSuccessful: false,
      errorType: 'invalid_response',
      httpStatus: 200,
    })
    expect(result.error).toContain(message)
  })

  it('refuses a body that is not a JSON object as invalid_json', async () => {
    expect(await process('not json')).toMatchObject({ errorType: 'invalid_json' })
    expect(await process([true])).toMatchObject({ errorType: 'invalid_json' })
  })

  it('maps a non-200 answer without an OAuth body to an http failure', async () => {
    const result = await process('<html>oops</html>', { status: 500 })
    expect(result).toMatchObject({ isSuccessful: false, errorType: 'http', httpStatus: 500 })
  })
})
