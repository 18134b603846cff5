/**
 * JARM against the real oidc-provider over TLS: real signed authorization responses (query.jwt,
 * fragment.jwt, and an error response), verified by `processJarmResponse` with the provider's
 * keys from discovery; then the negative cases: tampered, forged with another key, expired, for
 * another client, from another issuer.
 */
import { generateKeyPairSync } from 'node:crypto'
import { decodeJwt, decodeProtectedHeader, SignJWT } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  getJwks,
  processJarmResponse,
  pushAuthorizationRequest,
  requestAuthorizationCodeToken,
} from '../../src/index.js'
import { FAPI_REDIRECT_URI, fapiClients } from '../../testbed/fapi.js'
import { type FapiStack, loginThrough, startFapiStack } from './support.js'

let stack: FapiStack
/** One real JARM response (query.jwt) and what it answers. */
let real: { url: string; jwt: string; state: string; codeVerifier: string }

const client = fapiClients.secretBasic

async function pushed(responseMode: string, extra: Record<string, unknown> = {}) {
  const par = await pushAuthorizationRequest({
    address: stack.disco.pushedAuthorizationRequestEndpoint,
    authorizationEndpoint: stack.disco.authorizationEndpoint!,
    ...client,
    redirectUri: FAPI_REDIRECT_URI,
    scope: 'openid',
    responseMode,
    fetch: stack.caFetch,
    ...extra,
  })
  if (!par.isSuccessful) throw new Error(`PAR failed: ${par.error}`)
  return par
}

function options(state: string) {
  return {
    expectedState: state,
    clientId: client.clientId,
    discoDocAddress: stack.op.issuer,
    fetch: stack.caFetch,
    cache: stack.cache,
  }
}

beforeAll(async () => {
  stack = await startFapiStack()
  const par = await pushed('query.jwt')
  const url = await loginThrough(stack, par.url)
  real = {
    url,
    jwt: new URL(url).searchParams.get('response') ?? '',
    state: par.state,
    codeVerifier: par.codeVerifier,
  }
})

afterAll(async () => {
  await stack?.op.stop()
})

describe('processJarmResponse with real responses', () => {
  it('query.jwt: verifies the response JWT, checks state and iss, and the code works', async () => {
    expect([...new URL(real.url).searchParams.keys()]).toEqual(['response'])
    const result = await processJarmResponse(real.url, options(real.state))
    expect(result.isSuccessful, result.error).toBe(true)
    if (!result.isSuccessful) return
    expect(result.iss).toBe(stack.op.issuer)
    expect(result.state).toBe(real.state)
    const tokens = await requestAuthorizationCodeToken({
      address: stack.disco.tokenEndpoint,
      ...client,
      code: result.code,
      redirectUri: FAPI_REDIRECT_URI,
      codeVerifier: real.codeVerifier,
      fetch: stack.caFetch,
    })
    expect(tokens.isSuccessful, tokens.error).toBe(true)
  })

  it('fragment.jwt: the response comes in the fragment', async () => {
    const par = await pushed('fragment.jwt')
    const url = await loginThrough(stack, par.url)
    expect(new URL(url).search).toBe('')
    const result = await processJarmResponse(url, options(par.state))
    expect(result.isSuccessful, result.error).toBe(true)
  })

  it('form_post.jwt shape: a parsed form body with `response` is accepted', async () => {
    const result = await processJarmResponse({ response: real.jwt }, options(real.state))
    expect(result.isSuccessful, result.error).toBe(true)
  })

  it('an OAuth error inside a valid response JWT is a protocol failure', async () => {
    // prompt=none without a session: the provider answers login_required, as a JARM JWT.
    const par = await pushed('jwt', { prompt: 'none' })
    const response = await stack.caFetch(par.url, { redirect: 'manual' })
    const location = new URL(response.headers.get('location') ?? '', stack.op.issuer)
    expect(location.href.startsWith(FAPI_REDIRECT_URI)).toBe(true)
    const result = await processJarmResponse(location.href, options(par.state))
    expect(result).toMatchObject({
      isSuccessful: false,
      errorType: 'protocol',
      error: 'login_required',
    })
  })

  it('a state that is not the one sent is refused (policy)', async () => {
    const result = await processJarmResponse(real.url, options('another-state'))
    expect(result).toMatchObject({ isSuccessful: false, errorType: 'policy' })
  })
})

describe('processJarmResponse refuses what the provider did not sign for this client', () => {
  it('a tampered response JWT (its code changed, signature kept): policy', async () => {
    const [header, , signature] = real.jwt.split('.') as [string, string, string]
    const claims = decodeJwt(real.jwt)
    const forged = Buffer.from(JSON.stringify({ ...claims, code: `${String(claims.code)}x` }))
    const tampered = `${header}.${forged.toString('base64url')}.${signature}`
    expect(tampered).not.toBe(real.jwt)
    const result = await processJarmResponse({ response: tampered }, options(real.state))
    expect(result).toMatchObject({ isSuccessful: false, errorType: 'policy' })
    expect(result.error).toMatch(/signature/)
  })

  it('a response signed by another key with the provider kid: policy', async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
    const header = decodeProtectedHeader(real.jwt)
    const forged = await new SignJWT({ ...decodeJwt(real.jwt) })
      .setProtectedHeader({ alg: header.alg!, kid: header.kid! })
      .sign(privateKey)
    const result = await processJarmResponse({ response: forged }, options(real.state))
    expect(result).toMatchObject({ isSuccessful: false, errorType: 'policy' })
  })

  it('an expired response JWT: policy', async () => {
    const exp = decodeJwt(real.jwt).exp!
    const result = await processJarmResponse(real.url, {
      ...options(real.state),
      currentDate: new Date((exp + 3600) * 1000),
    })
    expect(result).toMatchObject({ isSuccessful: false, errorType: 'policy' })
    expect(result.error).toMatch(/expired/)
  })

  it('a response for another client: policy', async () => {
    const result = await processJarmResponse(real.url, {
      ...options(real.state),
      clientId: fapiClients.secretPost.clientId,
    })
    expect(result).toMatchObject({ isSuccessful: false, errorType: 'policy' })
    expect(result.error).toMatch(/audience/)
  })

  it('a response from another issuer than expected: policy', async () => {
    const jwks = await getJwks({ address: stack.disco.jwksUri!, fetch: stack.caFetch })
    if (!jwks.isSuccessful) throw new Error(jwks.error)
    const result = await processJarmResponse(real.url, {
      expectedState: real.state,
      clientId: client.clientId,
      issuer: 'https://other-issuer.example',
      key: { keys: jwks.keys },
    })
    expect(result).toMatchObject({ isSuccessful: false, errorType: 'policy' })
    expect(result.error).toMatch(/issuer/)
  })

  it('a plain (non-JARM) response, or no JWT at all: invalid_response', async () => {
    const plain = `${FAPI_REDIRECT_URI}?code=abc&state=${real.state}&iss=${encodeURIComponent(stack.op.issuer)}`
    expect(await processJarmResponse(plain, options(real.state))).toMatchObject({
      isSuccessful: false,
      errorType: 'invalid_response',
    })
    expect(
      await processJarmResponse({ response: [real.jwt, real.jwt] }, options(real.state)),
    ).toMatchObject({ isSuccessful: false, errorType: 'invalid_response' })
  })

  it('FAPI 2.0 profile: an RS256-signed response is refused (policy)', async () => {
    expect(decodeProtectedHeader(real.jwt).alg).toBe('RS256')
    const result = await processJarmResponse(real.url, { ...options(real.state), profile: 'fapi2' })
    expect(result).toMatchObject({ isSuccessful: false, errorType: 'policy' })
  })

  it('caller mistakes throw TypeError', async () => {
    await expect(
      processJarmResponse(real.url, { ...options(real.state), clientId: '' }),
    ).rejects.toThrow(TypeError)
    await expect(
      processJarmResponse(real.url, { expectedState: 'x', clientId: 'y' }),
    ).rejects.toThrow(/discoDocAddress/)
  })
})
