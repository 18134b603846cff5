/** revokeToken and its process step (RFC 7009), against an injected fetch. */
import { describe, expect, it } from 'vitest'
import { processRevocationResponse, revokeToken, TokenRevocationRequest } from '../../src/index.js'
import { fakeFetch, json } from '../support/fake-fetch.js'

const ENDPOINT = 'https://id.example.com/revoke'
const SECRET = 'client-secret-value'
const TOKEN = 'refresh-token-value'

function setup(response: () => Response) {
  const fake = fakeFetch({ [ENDPOINT]: response })
  const call = (extra: Record<string, unknown> = {}) =>
    revokeToken({
      address: ENDPOINT,
      clientId: 'app',
      clientSecret: SECRET,
      token: TOKEN,
      fetch: fake.fetch,
      ...extra,
    })
  return { fake, call }
}

describe('revokeToken', () => {
  it('POSTs token and hint, authenticated, and succeeds on 200 with an empty body', async () => {
    const { fake, call } = setup(() => new Response(null, { status: 200 }))
    const result = await call({ tokenTypeHint: 'refresh_token' })
    expect(result).toEqual({ isSuccessful: true, httpStatus: 200 })
    const request = fake.calls[0]!
    expect(request.method).toBe('POST')
    expect(request.headers.get('authorization')).toMatch(/^Basic /)
    expect(Object.fromEntries(new URLSearchParams(await request.text()))).toEqual({
      token: TOKEN,
      token_type_hint: 'refresh_token',
    })
  })

  it('accepts the request class and client_secret_post', async () => {
    const { fake } = setup(() => json({}))
    const result = await revokeToken(
      new TokenRevocationRequest({
        address: ENDPOINT,
        clientId: 'app',
        clientSecret: SECRET,
        clientAuthentication: 'client_secret_post',
        token: TOKEN,
        fetch: fake.fetch,
      }),
    )
    expect(result.isSuccessful).toBe(true)
    expect(fake.calls[0]?.headers.get('authorization')).toBeNull()
    const form = new URLSearchParams(await fake.calls[0]!.text())
    expect(form.get('client_secret')).toBe(SECRET)
  })

  it('never retries a POST, even after a 503', async () => {
    const { fake, call } = setup(() =>
      json({ error: 'temporarily_unavailable' }, { status: 503, headers: { 'retry-after': '7' } }),
    )
    const result = await call()
    expect(fake.calls).toHaveLength(1)
    expect(result).toMatchObject({
      isSuccessful: false,
      errorType: 'protocol',
      error: 'temporarily_unavailable',
      httpStatus: 503,
      retryAfter: 7,
    })
  })

  it('throws TypeError at once for a missing token', async () => {
    const { fake, call } = setup(() => json({}))
    await expect(call({ token: undefined })).rejects.toThrow(new TypeError('token is required'))
    expect(fake.calls).toHaveLength(0)
  })

  it('keeps the token and secret out of failures', async () => {
    const { call } = setup(() => json({ error: 'invalid_client' }, { status: 401 }))
    const result = await call()
    expect(result).toMatchObject({
      errorType: 'protocol',
      error: 'invalid_client',
      httpStatus: 401,
    })
    expect(JSON.stringify(result)).not.toContain(TOKEN)
    expect(JSON.stringify(result)).not.toContain(SECRET)
  })
})

describe('processRevocationResponse', () => {
  it('treats any 200 as success: empty, {}, or anything else', async () => {
    for (const body of [null, '', '{}', 'ok']) {
      expect(await processRevocationResponse(new Response(body, { status: 200 }))).toEqual({
        isSuccessful: true,
        httpStatus: 200,
      })
    }
  })

  it('surfaces unsupported_token_type as a protocol failure', async () => {
    const result = await processRevocationResponse(
      json({ error: 'unsupported_token_type', error_uri: 'https://e' }, { status: 400 }),
    )
    expect(result).toEqual({
      isSuccessful: false,
      errorType: 'protocol',
      error: 'unsupported_token_type',
      errorUri: 'https://e',
      httpStatus: 400,
    })
  })

  it('reads Retry-After as seconds or as an HTTP date, and omits it when absent', async () => {
    const plain = await processRevocationResponse(new Response('busy', { status: 503 }))
    expect(plain).toMatchObject({ errorType: 'http', httpStatus: 503 })
    expect(plain).not.toHaveProperty('retryAfter')
    const date = new Date(Date.now() + 120_000).toUTCString()
    const dated = await processRevocationResponse(
      new Response('busy', { status: 503, headers: { 'retry-after': date } }),
    )
    expect(dated.isSuccessful === false && dated.retryAfter).toBeGreaterThanOrEqual(118)
    expect(dated.isSuccessful === false && dated.retryAfter).toBeLessThanOrEqual(120)
  })

  it('maps other statuses without an OAuth body to http failures', async () => {
    expect(await processRevocationResponse(new Response('', { status: 404 }))).toMatchObject({
      isSuccessful: false,
      errorType: 'http',
      httpStatus: 404,
    })
  })
})
