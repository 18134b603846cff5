/**
 * The client credentials grant (RFC 6749 §4.4): the form it sends and the process step shared by
 * every grant (RFC 6749 §5.1, §5.2).
 */
import { describe, expect, it } from 'vitest'
import {
  ClientCredentialsTokenRequest,
  type ClientCredentialsTokenRequestInit,
  processTokenResponse,
  requestClientCredentialsToken,
} from '../../src/index.js'
import { fakeFetch, type Handler, json } from '../support/fake-fetch.js'

const TOKEN = 'https://id.example.com/token'
const issued = { access_token: 'at-1', token_type: 'Bearer', expires_in: 300 }

function endpoint(handler: Handler = () => json(issued)) {
  const fake = fakeFetch({ [TOKEN]: handler })
  const request = (extra: Partial<ClientCredentialsTokenRequestInit> = {}) =>
    requestClientCredentialsToken({
      address: TOKEN,
      clientId: 'svc',
      clientSecret: 'secret',
      fetch: fake.fetch,
      ...extra,
    })
  const form = async (index = 0) => new URLSearchParams(await fake.calls[index]!.clone().text())
  return { fake, request, form }
}

describe('the client credentials form', () => {
  it('sends grant_type and nothing else by default', async () => {
    const { request, form } = endpoint()
    await request()
    expect([...(await form()).entries()]).toEqual([['grant_type', 'client_credentials']])
  })

  it.each([
    ['api:read api:write', 'api:read api:write'],
    [['api:read', 'api:write'], 'api:read api:write'],
    [['only'], 'only'],
  ])('sends scope %j as %j', async (scope, expected) => {
    const { request, form } = endpoint()
    await request({ scope })
    expect((await form()).getAll('scope')).toEqual([expected])
  })

  it.each([[''], [[]]])('leaves out an empty scope (%j)', async (scope) => {
    const { request, form } = endpoint()
    await request({ scope })
    expect((await form()).has('scope')).toBe(false)
  })

  it('sends one resource, or several repeated (RFC 8707), and audience', async () => {
    const { request, form } = endpoint()
    await request({ resource: 'https://api.example.com' })
    expect((await form(0)).getAll('resource')).toEqual(['https://api.example.com'])
    await request({
      resource: ['https://a.example.com', 'https://b.example.com/x?y=1'],
      audience: 'my-api',
    })
    const second = await form(1)
    expect(second.getAll('resource')).toEqual([
      'https://a.example.com',
      'https://b.example.com/x?y=1',
    ])
    expect(second.get('audience')).toBe('my-api')
  })

  it('adds extra parameters: strings, numbers, booleans, repeated lists; skips undefined', async () => {
    const { request, form } = endpoint()
    await request({
      scope: 'a',
      parameters: {
        tenant: 't&1=2',
        max_age: 30,
        debug: false,
        claims: ['x', 'y'],
        skip: undefined,
      },
    })
    const sent = await form()
    expect(sent.get('tenant')).toBe('t&1=2')
    expect(sent.get('max_age')).toBe('30')
    expect(sent.get('debug')).toBe('false')
    expect(sent.getAll('claims')).toEqual(['x', 'y'])
    expect(sent.has('skip')).toBe(false)
    expect(sent.get('grant_type')).toBe('client_credentials')
  })

  it('accepts the request class and a plain object alike', async () => {
    const { fake, form } = endpoint()
    const init = {
      address: TOKEN,
      clientId: 'svc',
      clientSecret: 's',
      scope: 'a',
      fetch: fake.fetch,
    }
    await requestClientCredentialsToken(new ClientCredentialsTokenRequest(init))
    await requestClientCredentialsToken(init)
    expect((await form(0)).toString()).toBe((await form(1)).toString())
    expect(fake.calls[0]?.headers.get('authorization')).toBe(
      fake.calls[1]?.headers.get('authorization'),
    )
  })

  it('POSTs once, never retried, even on 503 with Retry-After', async () => {
    const { fake, request } = endpoint(
      () => new Response('busy', { status: 503, headers: { 'retry-after': '1' } }),
    )
    const result = await request()
    expect(result).toMatchObject({
      isSuccessful: false,
      errorType: 'http',
      httpStatus: 503,
      retryAfter: 1,
    })
    expect(fake.calls).toHaveLength(1)
    expect(fake.calls[0]?.method).toBe('POST')
  })

  it('refuses extra parameters that would repeat what the request or client auth sets', async () => {
    const { fake, request } = endpoint()
    for (const name of ['grant_type', 'scope', 'client_id', 'client_secret', 'client_assertion']) {
      await expect(request({ scope: 'a', parameters: { [name]: 'x' } })).rejects.toThrow(TypeError)
    }
    expect(fake.calls).toHaveLength(0)
  })

  it('throws TypeError for a missing or invalid address, before any request', async () => {
    const { fake, request } = endpoint()
    await expect(request({ address: undefined })).rejects.toThrow(
      new TypeError('address must be a non-empty URL string'),
    )
    await expect(request({ address: 'token' })).rejects.toThrow(TypeError)
    expect(fake.calls).toHaveLength(0)
  })
})

describe('the token response', () => {
  it('returns the token with its wire names and extra members', async () => {
    const { request } = endpoint(() =>
      json({ ...issued, scope: 'a b', issued_token_type: 'urn:x', vendor_field: 7 }),
    )
    const result = await request()
    if (!result.isSuccessful) throw new Error(result.error)
    expect(result.httpStatus).toBe(200)
    expect(result.token).toEqual({
      ...issued,
      scope: 'a b',
      issued_token_type: 'urn:x',
      vendor_field: 7,
    })
    expect(result.error).toBeUndefined()
  })

  it('reads expires_in sent as a numeric string as a number', async () => {
    const { request } = endpoint(() => json({ ...issued, expires_in: '3600' }))
    const result = await request()
    expect(result.isSuccessful && result.token.expires_in).toBe(3600)
  })

  it.each([['soon'], [-1], ['12.5'], [null], [{}]])(
    'refuses expires_in %j as invalid_response',
    async (expires_in) => {
      const { request } = endpoint(() => json({ ...issued, expires_in }))
      expect(await request()).toMatchObject({
        isSuccessful: false,
        errorType: 'invalid_response',
        error: 'the token response has an invalid expires_in',
        httpStatus: 200,
      })
    },
  )

  it.each([
    [{ token_type: 'Bearer' }, 'the token response has no access_token'],
    [{ access_token: '', token_type: 'Bearer' }, 'the token response has no access_token'],
    [{ access_token: 42, token_type: 'Bearer' }, 'the token response has no access_token'],
    [{ access_token: 'at' }, 'the token response has no token_type'],
  ])('refuses a 200 of %j as invalid_response', async (body, message) => {
    const { request } = endpoint(() => json(body))
    expect(await request()).toMatchObject({
      isSuccessful: false,
      errorType: 'invalid_response',
      error: message,
      httpStatus: 200,
    })
  })

  it.each([
    [400, { error: 'invalid_scope' }],
    [401, { error: 'invalid_client', error_description: 'bad secret' }],
    [400, { error: 'invalid_request', error_uri: 'https://docs.example.com/e' }],
  ])('parses an OAuth error body with status %i', async (status, body) => {
    const { request } = endpoint(() => json(body, { status }))
    const result = await request()
    expect(result).toEqual({
      isSuccessful: false,
      errorType: 'protocol',
      error: body.error,
      httpStatus: status,
      ...('error_description' in body ? { errorDescription: body.error_description } : {}),
      ...('error_uri' in body ? { errorUri: body.error_uri } : {}),
    })
    expect(result.token).toBeUndefined()
  })

  it('treats a 200 carrying an OAuth error as that error', async () => {
    const { request } = endpoint(() =>
      json({ error: 'access_denied', error_description: 'nope', access_token: 'ignored' }),
    )
    expect(await request()).toEqual({
      isSuccessful: false,
      errorType: 'protocol',
      error: 'access_denied',
      errorDescription: 'nope',
      httpStatus: 200,
    })
  })

  it('reports a non-JSON error as http and a non-JSON 200 as invalid_json', async () => {
    const html = endpoint(
      () => new Response('<h1>Bad gateway</h1>', { status: 502, statusText: 'Bad Gateway' }),
    )
    expect(await html.request()).toMatchObject({
      errorType: 'http',
      httpStatus: 502,
      error: 'the token endpoint answered HTTP 502 Bad Gateway',
    })
    const text = endpoint(() => new Response('access_token=at&token_type=bearer'))
    expect(await text.request()).toMatchObject({
      errorType: 'invalid_json',
      httpStatus: 200,
      error: 'the token response is not valid JSON (HTTP 200)',
    })
  })

  it('reports a refused connection as network and a redirect as invalid_response', async () => {
    const down = fakeFetch()
    const network = await requestClientCredentialsToken({
      address: TOKEN,
      clientId: 'svc',
      clientSecret: 's',
      fetch: down.fetch,
    })
    expect(network.errorType).toBe('network')
    expect(down.calls).toHaveLength(1)
    const { request } = endpoint(
      () => new Response(null, { status: 307, headers: { location: 'https://x.example.com/t' } }),
    )
    expect(await request()).toMatchObject({ errorType: 'invalid_response', httpStatus: 307 })
  })
})

describe('processTokenResponse', () => {
  it('processes Response fixtures without a request', async () => {
    const ok = await processTokenResponse(Response.json(issued))
    expect(ok.isSuccessful && ok.token.access_token).toBe('at-1')
    const bad = await processTokenResponse(
      Response.json({ error: 'invalid_grant' }, { status: 400 }),
    )
    expect(bad).toMatchObject({
      isSuccessful: false,
      errorType: 'protocol',
      error: 'invalid_grant',
    })
    const array = await processTokenResponse(Response.json([issued]))
    expect(array).toMatchObject({ isSuccessful: false, errorType: 'invalid_json' })
  })
})
