import { beforeAll, describe, expect, it } from 'vitest'
import { parseBearerChallenge } from '../../src/http/www-authenticate.js'
import { getUserInfo, processUserInfoResponse, UserInfoRequest } from '../../src/index.js'
import { fakeFetch, json } from '../support/fake-fetch.js'
import { fakeProvider, ISSUER } from '../support/oidc-provider-fake.js'
import { makeKey, NOW, sign, type TestKey } from '../support/tokens.js'

const USERINFO = `${ISSUER}/userinfo`
const claims = { sub: 'alice', name: 'Alice', email: 'alice@example.com', department: 'R&D' }

let rsa: TestKey
beforeAll(() => {
  rsa = makeKey('RS256', 'rsa-1')
})

function jwtResponse(token: string): Response {
  return new Response(token, { headers: { 'content-type': 'application/jwt' } })
}

describe('getUserInfo', () => {
  it('sends a GET with the Bearer token and returns the claims, custom ones kept', async () => {
    const fake = fakeFetch({ [USERINFO]: () => json(claims) })
    const result = await getUserInfo(
      new UserInfoRequest({
        address: USERINFO,
        token: 'at-1',
        expectedSubject: 'alice',
        fetch: fake.fetch,
      }),
    )
    expect(result).toEqual({ isSuccessful: true, claims, raw: claims, httpStatus: 200 })
    const call = fake.calls[0]!
    expect(call.method).toBe('GET')
    expect(call.headers.get('authorization')).toBe('Bearer at-1')
    expect(call.headers.get('accept')).toContain('application/json')
  })

  it('refuses a sub mismatch (policy)', async () => {
    const fake = fakeFetch({ [USERINFO]: () => json({ ...claims, sub: 'mallory' }) })
    const result = await getUserInfo({
      address: USERINFO,
      token: 't',
      expectedSubject: 'alice',
      fetch: fake.fetch,
    })
    expect(result).toMatchObject({ isSuccessful: false, errorType: 'policy', httpStatus: 200 })
    expect(result.error).toContain('mallory')
  })

  it('refuses a response without sub (invalid_response)', async () => {
    const fake = fakeFetch({ [USERINFO]: () => json({ name: 'nobody' }) })
    const result = await getUserInfo({ address: USERINFO, token: 't', fetch: fake.fetch })
    expect(result).toMatchObject({ isSuccessful: false, errorType: 'invalid_response' })
  })

  it('keeps the WWW-Authenticate challenge of a 401, its error as a protocol failure', async () => {
    const challenge =
      'Bearer realm="id", error="invalid_token", error_description="the token expired"'
    const fake = fakeFetch({
      [USERINFO]: () =>
        new Response(null, { status: 401, headers: { 'www-authenticate': challenge } }),
    })
    const result = await getUserInfo({ address: USERINFO, token: 'old', fetch: fake.fetch })
    expect(result).toEqual({
      isSuccessful: false,
      errorType: 'protocol',
      error: 'invalid_token',
      errorDescription: 'the token expired',
      httpStatus: 401,
      wwwAuthenticate: challenge,
    })
  })

  it('returns a 403 with its challenge, and a bare 401 as an http failure with the challenge', async () => {
    const fake = fakeFetch({
      [USERINFO]: () =>
        new Response(null, {
          status: 403,
          headers: { 'www-authenticate': 'Bearer error="insufficient_scope", scope="openid"' },
        }),
    })
    expect(await getUserInfo({ address: USERINFO, token: 't', fetch: fake.fetch })).toMatchObject({
      isSuccessful: false,
      errorType: 'protocol',
      error: 'insufficient_scope',
      httpStatus: 403,
    })
    const bare = await processUserInfoResponse(
      new Response('no', { status: 401, headers: { 'www-authenticate': 'Bearer realm="id"' } }),
    )
    expect(bare).toMatchObject({
      errorType: 'http',
      httpStatus: 401,
      wwwAuthenticate: 'Bearer realm="id"',
    })
  })

  it('returns a 5xx with a non-JSON body as an http failure', async () => {
    const fake = fakeFetch({ [USERINFO]: () => new Response('<h1>oops</h1>', { status: 500 }) })
    const result = await getUserInfo({ address: USERINFO, token: 't', fetch: fake.fetch })
    expect(result).toMatchObject({ isSuccessful: false, errorType: 'http', httpStatus: 500 })
  })

  it('returns a 200 that is not JSON as invalid_json', async () => {
    const result = await processUserInfoResponse(new Response('<html>', { status: 200 }))
    expect(result).toMatchObject({ isSuccessful: false, errorType: 'invalid_json' })
  })

  it('never puts the access token in a failure', async () => {
    const fake = fakeFetch({})
    const token = 'very-secret-access-token'
    const result = await getUserInfo({ address: USERINFO, token, fetch: fake.fetch })
    expect(result).toMatchObject({ isSuccessful: false, errorType: 'network' })
    expect(JSON.stringify({ ...result, cause: undefined })).not.toContain(token)
  })

  it('throws a TypeError without an address or a token', async () => {
    await expect(getUserInfo({ token: 't' })).rejects.toThrow(TypeError)
    await expect(getUserInfo({ address: USERINFO })).rejects.toThrow(TypeError)
  })
})

describe('getUserInfo: signed responses (OIDC Core §5.3.2)', () => {
  function setup(body: () => Response) {
    const op = fakeProvider(() => [rsa])
    op.fake.route(USERINFO, body)
    const signedResponse = { ...op.network, clientId: 'web-app', discoDocAddress: ISSUER }
    return { op, signedResponse }
  }
  const signed = (overrides: Record<string, unknown> = {}) =>
    sign(rsa, { iss: ISSUER, aud: 'web-app', ...claims, ...overrides })

  it('verifies a signed response with the provider keys: no exp or iat needed', async () => {
    const token = await signed()
    const { op, signedResponse } = setup(() => jwtResponse(token))
    const result = await getUserInfo({
      address: USERINFO,
      token: 'at',
      expectedSubject: 'alice',
      signedResponse,
      fetch: op.fake.fetch,
    })
    expect(result).toMatchObject({
      isSuccessful: true,
      jwt: token,
      claims: { sub: 'alice', email: claims.email },
    })
    expect(op.fake.calls[0]!.headers.get('accept')).toContain('application/jwt')
  })

  it('refuses a signed response without validation settings (policy)', async () => {
    const token = await signed()
    const result = await processUserInfoResponse(jwtResponse(token))
    expect(result).toMatchObject({ isSuccessful: false, errorType: 'policy' })
  })

  it.each([
    ['for another client', { aud: 'other-app' }, 'aud'],
    ['from another issuer', { iss: 'https://evil.example.com' }, 'iss'],
    ['expired', { exp: NOW - 60 }, 'exp'],
  ])(
    'refuses a signed response %s (invalid_response, the validation error as cause)',
    async (_, overrides, claim) => {
      const token = await signed(overrides)
      const { signedResponse } = setup(() => jwtResponse(token))
      const result = await processUserInfoResponse(jwtResponse(token), { signedResponse })
      expect(result).toMatchObject({ isSuccessful: false, errorType: 'invalid_response' })
      expect(result.cause).toMatchObject({ code: 'claim_validation', claim })
    },
  )

  it('refuses a forged signed response (invalid_response, signature)', async () => {
    const token = await sign(makeKey('RS256', 'rsa-1'), {
      iss: ISSUER,
      aud: 'web-app',
      sub: 'alice',
    })
    const { signedResponse } = setup(() => jwtResponse(token))
    const result = await processUserInfoResponse(jwtResponse(token), { signedResponse })
    expect(result).toMatchObject({ isSuccessful: false, errorType: 'invalid_response' })
    expect(result.cause).toMatchObject({ code: 'signature' })
  })

  it('checks the sub of a verified signed response too (policy)', async () => {
    const token = await signed({ sub: 'mallory' })
    const { signedResponse } = setup(() => jwtResponse(token))
    const result = await processUserInfoResponse(jwtResponse(token), {
      signedResponse,
      expectedSubject: 'alice',
    })
    expect(result).toMatchObject({ isSuccessful: false, errorType: 'policy' })
  })

  it('reports an unreachable key set as the provider failure it is, not as a bad response', async () => {
    const token = await signed()
    const { op, signedResponse } = setup(() => jwtResponse(token))
    op.fake.route('https://id.example.com/jwks', () => new Response('down', { status: 503 }))
    const result = await processUserInfoResponse(jwtResponse(token), { signedResponse })
    expect(result).toMatchObject({ isSuccessful: false, errorType: 'http', httpStatus: 503 })
  })
})

describe('parseBearerChallenge', () => {
  it('reads quoted and token parameters, unescaping quotes, from the Bearer challenge', () => {
    expect(
      parseBearerChallenge(
        'Basic realm="x", Bearer realm="id", error=invalid_token, error_description="say \\"hi\\""',
      ),
    ).toEqual({ realm: 'id', error: 'invalid_token', error_description: 'say "hi"' })
  })

  it('returns undefined without a header or a Bearer challenge', () => {
    expect(parseBearerChallenge(null)).toBeUndefined()
    expect(parseBearerChallenge('Basic realm="x"')).toBeUndefined()
  })

  it('never takes a scheme name inside a quoted value for a challenge', () => {
    const header = 'Basic realm="try, DPoP error=use_dpop_nonce", Bearer error="invalid_token"'
    expect(parseBearerChallenge(header, 'DPoP')).toBeUndefined()
    expect(parseBearerChallenge(header)).toEqual({ error: 'invalid_token' })
  })
})
