/** Conformance: userinfo.json, as named tests against an injected fetch. */
import { expect } from 'vitest'
import { getUserInfo, UserInfoRequest } from '../../src/index.js'
import { fakeFetch, json } from '../support/fake-fetch.js'
import { conformanceSuite, fixtureJson } from './spec.js'

const USERINFO = 'https://provider.example.com/userinfo'

function endpoint(response: (request: Request) => Response | Promise<Response>) {
  return fakeFetch({ [USERINFO]: response })
}

conformanceSuite('userinfo', {
  'UI-001': async (testCase) => {
    const claims = fixtureJson(testCase.fixture!)
    const fake = endpoint(() => json(claims))
    const result = await getUserInfo(
      new UserInfoRequest({ address: USERINFO, token: 'access-token-1', fetch: fake.fetch }),
    )
    expect(fake.calls[0]?.headers.get('authorization')).toBe('Bearer access-token-1')
    if (!result.isSuccessful) throw new Error(result.error)
    // The standard §5.1 claims, typed: strings, booleans, the address object, a number.
    const typed: {
      sub: string
      email?: string
      email_verified?: boolean
      updated_at?: number
      locality?: string | undefined
    } = { ...result.claims, locality: result.claims.address?.locality }
    expect(typed).toMatchObject({
      sub: '248289761001',
      email: 'janedoe@example.com',
      email_verified: true,
      updated_at: 1700000000,
      locality: 'Los Angeles',
    })
    expect(result.claims).toEqual(claims)
  },
  'UI-002': async (testCase) => {
    const claims = fixtureJson<{ sub: string }>(testCase.fixture!)
    const fake = endpoint(() => json(claims))
    const result = await getUserInfo({
      address: USERINFO,
      token: 't',
      expectedSubject: claims.sub,
      fetch: fake.fetch,
    })
    expect(result).toMatchObject({ isSuccessful: true, claims: { sub: claims.sub } })
  },
  'UI-003': async (testCase) => {
    const claims = fixtureJson<{ sub: string }>(testCase.fixture!)
    const fake = endpoint(() => json(claims))
    const result = await getUserInfo({
      address: USERINFO,
      token: 't',
      expectedSubject: 'someone-else',
      fetch: fake.fetch,
    })
    expect(result).toMatchObject({ isSuccessful: false, errorType: 'policy' })
    expect(result.error).toMatch(/subject/)
  },
  'UI-004': async () => {
    const challenge =
      'Bearer realm="provider", error="invalid_token", error_description="The access token expired"'
    const fake = endpoint(
      () => new Response(null, { status: 401, headers: { 'www-authenticate': challenge } }),
    )
    const result = await getUserInfo({ address: USERINFO, token: 'expired', fetch: fake.fetch })
    expect(result).toMatchObject({
      isSuccessful: false,
      errorType: 'protocol',
      error: 'invalid_token',
      errorDescription: 'The access token expired',
      httpStatus: 401,
      wwwAuthenticate: challenge,
    })
  },
  'UI-005': async () => {
    const fake = endpoint(() =>
      json(
        { error: 'insufficient_scope' },
        { status: 403, headers: { 'www-authenticate': 'Bearer' } },
      ),
    )
    const result = await getUserInfo({ address: USERINFO, token: 't', fetch: fake.fetch })
    expect(result).toMatchObject({
      isSuccessful: false,
      errorType: 'protocol',
      error: 'insufficient_scope',
      httpStatus: 403,
      wwwAuthenticate: 'Bearer',
    })
  },
  'UI-006': async () => {
    const fake = endpoint(() => new Response('<h1>Internal Server Error</h1>', { status: 500 }))
    const result = await getUserInfo({ address: USERINFO, token: 't', fetch: fake.fetch })
    expect(result).toMatchObject({ isSuccessful: false, errorType: 'http', httpStatus: 500 })
    expect(result.error).toMatch(/UserInfo endpoint answered HTTP 500/)
  },
  'UI-007': async (testCase) => {
    const claims = fixtureJson<Record<string, unknown>>(testCase.fixture!)
    const fake = endpoint(() => json(claims))
    const result = await getUserInfo({ address: USERINFO, token: 't', fetch: fake.fetch })
    if (!result.isSuccessful) throw new Error(result.error)
    expect(result.claims.department).toBe('Engineering')
    expect(result.raw.department).toBe('Engineering')
    expect(result.claims.name).toBe('Jane Doe')
  },
  'UI-008': async () => {
    let used = 0
    // A slow endpoint that answers only when its request is abandoned.
    const slow = endpoint(
      (request) =>
        new Promise<Response>((_, reject) => {
          request.signal.addEventListener('abort', () => reject(request.signal.reason))
        }),
    )
    const customFetch: typeof fetch = (input, init) => {
      used++
      return slow.fetch(input, init)
    }
    const result = await getUserInfo({
      address: USERINFO,
      token: 't',
      fetch: customFetch,
      timeoutMs: 50,
    })
    expect(used).toBeGreaterThanOrEqual(1)
    expect(result).toMatchObject({ isSuccessful: false, errorType: 'timeout' })
    expect(result.error).toMatch(/timed out after 50 ms/)
  },
})
