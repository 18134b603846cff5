import { describe, expect, it } from 'vitest'
import { AuthorizationCodeTokenRequest, requestAuthorizationCodeToken } from '../../src/index.js'
import { fakeFetch, json } from '../support/fake-fetch.js'

const TOKEN = 'https://id.example.com/token'
const issued = {
  access_token: 'at-1',
  token_type: 'Bearer',
  expires_in: 3600,
  id_token: 'eyJ.id.token',
  refresh_token: 'rt-1',
}

async function form(request: Request): Promise<URLSearchParams> {
  return new URLSearchParams(await request.clone().text())
}

describe('requestAuthorizationCodeToken', () => {
  it('posts grant_type, code, redirect_uri and code_verifier with Basic auth, and returns the tokens', async () => {
    const fake = fakeFetch({ [TOKEN]: () => json(issued) })
    const result = await requestAuthorizationCodeToken(
      new AuthorizationCodeTokenRequest({
        address: TOKEN,
        clientId: 'web-app',
        clientSecret: 'web-secret',
        code: 'code-1',
        redirectUri: 'https://app.example.com/callback',
        codeVerifier: 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk',
        resource: 'https://api.example.com',
        fetch: fake.fetch,
      }),
    )
    expect(result).toMatchObject({ isSuccessful: true, token: issued, httpStatus: 200 })
    const call = fake.calls[0]!
    expect(call.method).toBe('POST')
    expect(call.headers.get('authorization')).toBe(
      `Basic ${Buffer.from('web-app:web-secret').toString('base64')}`,
    )
    expect(Object.fromEntries(await form(call))).toEqual({
      grant_type: 'authorization_code',
      code: 'code-1',
      redirect_uri: 'https://app.example.com/callback',
      code_verifier: 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk',
      resource: 'https://api.example.com',
    })
  })

  it('authenticates a public client with client_id only (none)', async () => {
    const fake = fakeFetch({ [TOKEN]: () => json(issued) })
    await requestAuthorizationCodeToken({
      address: TOKEN,
      clientId: 'public-app',
      code: 'c',
      redirectUri: 'http://127.0.0.1/callback',
      codeVerifier: 'v'.repeat(43),
      fetch: fake.fetch,
    })
    const body = await form(fake.calls[0]!)
    expect(body.get('client_id')).toBe('public-app')
    expect(fake.calls[0]!.headers.get('authorization')).toBeNull()
  })

  it('returns an OAuth error (invalid_grant for a replayed code) as a protocol failure', async () => {
    const fake = fakeFetch({
      [TOKEN]: () =>
        json(
          { error: 'invalid_grant', error_description: 'grant request is invalid' },
          { status: 400 },
        ),
    })
    const result = await requestAuthorizationCodeToken({
      address: TOKEN,
      clientId: 'web-app',
      clientSecret: 's',
      code: 'used',
      redirectUri: 'https://app.example.com/callback',
      fetch: fake.fetch,
    })
    expect(result).toMatchObject({
      isSuccessful: false,
      errorType: 'protocol',
      error: 'invalid_grant',
      errorDescription: 'grant request is invalid',
      httpStatus: 400,
    })
  })

  it('never retries the code exchange (a code is single-use)', async () => {
    const fake = fakeFetch({ [TOKEN]: () => new Response('busy', { status: 503 }) })
    const result = await requestAuthorizationCodeToken({
      address: TOKEN,
      clientId: 'web-app',
      clientSecret: 's',
      code: 'c',
      redirectUri: 'https://app.example.com/callback',
      fetch: fake.fetch,
    })
    expect(result).toMatchObject({ isSuccessful: false, errorType: 'http', httpStatus: 503 })
    expect(fake.calls).toHaveLength(1)
  })

  it.each([
    ['no code', { redirectUri: 'https://app.example.com/cb' }],
    ['no redirectUri', { code: 'c' }],
  ])('throws a TypeError for %s', async (_, extra) => {
    expect(() =>
      requestAuthorizationCodeToken({ address: TOKEN, clientId: 'web-app', ...extra }),
    ).toThrow(TypeError)
  })

  it('rejects with a TypeError for a missing address or client id', async () => {
    const grant = { code: 'c', redirectUri: 'https://app.example.com/cb' }
    await expect(requestAuthorizationCodeToken({ clientId: 'x', ...grant })).rejects.toThrow(
      TypeError,
    )
    await expect(requestAuthorizationCodeToken({ address: TOKEN, ...grant })).rejects.toThrow(
      TypeError,
    )
  })
})
