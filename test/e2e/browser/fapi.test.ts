/**
 * The high-security flows with a real Chromium where the user signs in, against the TLS testbed
 * provider (oidc-provider over HTTPS with a test CA that Chromium is told to trust for this
 * server's key only): PAR with a signed request object and a JARM `form_post.jwt` response;
 * the FAPI 2.0 profile with DPoP; and a JARM response tampered with on its way back.
 */
import { createHash, X509Certificate } from 'node:crypto'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  createDpop,
  parseAuthorizationResponse,
  processJarmResponse,
  pushAuthorizationRequest,
  requestAuthorizationCodeToken,
  validateIdToken,
} from '../../../src/index.js'
import { FAPI_REDIRECT_URI, fapiClients } from '../../../testbed/fapi.js'
import { type FapiStack, startFapiStack } from '../../fapi/support.js'
import {
  launchBrowser,
  submitConsent,
  submitLogin,
  type TestBrowser,
} from '../../support/browser.js'

let stack: FapiStack
let browser: TestBrowser

beforeAll(async () => {
  stack = await startFapiStack()
  // Trust exactly the testbed server's key (the CA stays out of the browser's trust store).
  const spki = new X509Certificate(stack.op.certificates.server.cert).publicKey.export({
    type: 'spki',
    format: 'der',
  })
  const pin = createHash('sha256').update(spki).digest('base64')
  browser = await launchBrowser({ args: [`--ignore-certificate-errors-spki-list=${pin}`] })
})

afterAll(async () => {
  await browser?.close()
  await stack?.op.stop()
})

interface Arrival {
  readonly url: string
  readonly form: URLSearchParams | undefined
}

/**
 * Opens `url` in a new tab, signs in (login and consent when the provider shows them) and
 * returns what arrives at the client's redirect URI (answered here; nothing listens there).
 */
async function signInInBrowser(url: string): Promise<Arrival> {
  const page: Page = await browser.page()
  try {
    let arrival: ((value: Arrival) => void) | undefined
    const arrived = new Promise<Arrival>((resolve) => {
      arrival = resolve
    })
    await page.route(`${FAPI_REDIRECT_URI}**`, async (route) => {
      const request = route.request()
      const body = request.postData()
      await route.fulfill({ status: 200, contentType: 'text/html', body: '<h1>callback</h1>' })
      // The fragment never leaves the browser: read it from the page once it is there.
      await page.waitForURL(`${FAPI_REDIRECT_URI}**`)
      arrival?.({
        url: page.url(),
        form: request.method() === 'POST' && body !== null ? new URLSearchParams(body) : undefined,
      })
    })
    await page.goto(url)
    if (page.url().includes('/interaction/')) {
      if ((await page.locator('input[name=login]').count()) > 0) await submitLogin(page, 'alice')
      if (!page.url().startsWith(FAPI_REDIRECT_URI)) {
        const consent = page.locator('input[name=prompt][value=consent]')
        if ((await consent.count()) > 0 || page.url().includes('/interaction/')) {
          await submitConsent(page)
        }
      }
    }
    return await arrived
  } finally {
    await page.close()
  }
}

describe('PAR + signed request object + JARM form_post.jwt, signed in with Chromium', () => {
  let arrival: Arrival
  let par: Awaited<ReturnType<typeof pushAuthorizationRequest>>
  const credentials = () => ({ ...fapiClients.privateKeyJwt, privateKey: stack.op.clientKey })

  beforeAll(async () => {
    par = await pushAuthorizationRequest({
      address: stack.disco.pushedAuthorizationRequestEndpoint,
      authorizationEndpoint: stack.disco.authorizationEndpoint!,
      ...credentials(),
      redirectUri: FAPI_REDIRECT_URI,
      scope: 'openid email',
      responseMode: 'form_post.jwt',
      requestObject: { key: stack.op.clientKey, audience: stack.disco.issuer },
      fetch: stack.caFetch,
    })
    if (!par.isSuccessful) throw new Error(`PAR failed: ${par.error}`)
    arrival = await signInInBrowser(par.url)
  })

  it('the browser posts one `response` field; it verifies, and its code gets tokens', async () => {
    if (!par.isSuccessful) throw new Error('unreachable')
    expect(arrival.form && [...arrival.form.keys()]).toEqual(['response'])
    const result = await processJarmResponse(arrival.form!, {
      expectedState: par.state,
      clientId: fapiClients.privateKeyJwt.clientId,
      discoDocAddress: stack.op.issuer,
      fetch: stack.caFetch,
      cache: stack.cache,
    })
    expect(result.isSuccessful, result.error).toBe(true)
    if (!result.isSuccessful) return
    const tokens = await requestAuthorizationCodeToken({
      address: stack.disco.tokenEndpoint,
      ...credentials(),
      code: result.code,
      redirectUri: FAPI_REDIRECT_URI,
      codeVerifier: par.codeVerifier,
      fetch: stack.caFetch,
    })
    expect(tokens.isSuccessful, tokens.error).toBe(true)
    if (!tokens.isSuccessful) return
    const claims = await validateIdToken(
      tokens.token.id_token!,
      {
        performDisco: true,
        clientId: fapiClients.privateKeyJwt.clientId,
        nonce: par.nonce,
        fetch: stack.caFetch,
        cache: stack.cache,
      },
      stack.op.issuer,
    )
    expect(claims).toMatchObject({ sub: 'alice', aud: fapiClients.privateKeyJwt.clientId })
  })

  it('the same response with its code swapped on the way is refused (policy)', async () => {
    if (!par.isSuccessful) throw new Error('unreachable')
    const jwt = arrival.form!.get('response')!
    const [header, payload, signature] = jwt.split('.') as [string, string, string]
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<
      string,
      unknown
    >
    const swapped = Buffer.from(JSON.stringify({ ...claims, code: 'attacker-code' })).toString(
      'base64url',
    )
    const result = await processJarmResponse(
      { response: `${header}.${swapped}.${signature}` },
      {
        expectedState: par.state,
        clientId: fapiClients.privateKeyJwt.clientId,
        discoDocAddress: stack.op.issuer,
        fetch: stack.caFetch,
        cache: stack.cache,
      },
    )
    expect(result).toMatchObject({ isSuccessful: false, errorType: 'policy' })
  })
})

describe("FAPI 2.0 (profile: 'fapi2') with DPoP, signed in with Chromium", () => {
  it('PAR, the browser sign-in, iss checked, DPoP-bound tokens and a PS256 ID token', async () => {
    const dpop = await createDpop()
    const credentials = {
      ...fapiClients.fapiDpop,
      privateKey: stack.op.clientKey,
      clientAssertionAudience: stack.disco.issuer,
    }
    const par = await pushAuthorizationRequest({
      address: stack.disco.pushedAuthorizationRequestEndpoint,
      authorizationEndpoint: stack.disco.authorizationEndpoint!,
      ...credentials,
      redirectUri: FAPI_REDIRECT_URI,
      scope: 'openid',
      dpop,
      requestObject: { key: stack.op.clientKey, audience: stack.disco.issuer },
      profile: 'fapi2',
      fetch: stack.caFetch,
    })
    if (!par.isSuccessful) throw new Error(`PAR failed: ${par.error}`)
    const arrival = await signInInBrowser(par.url)
    const response = parseAuthorizationResponse(arrival.url, {
      expectedState: par.state,
      discovery: stack.disco,
      profile: 'fapi2',
    })
    expect(response.isSuccessful, response.error).toBe(true)
    if (!response.isSuccessful) return
    expect(response.iss).toBe(stack.op.issuer)
    const tokens = await requestAuthorizationCodeToken({
      address: stack.disco.tokenEndpoint,
      ...credentials,
      code: response.code,
      redirectUri: FAPI_REDIRECT_URI,
      codeVerifier: par.codeVerifier,
      dpop,
      profile: 'fapi2',
      fetch: stack.caFetch,
    })
    expect(tokens.isSuccessful, tokens.error).toBe(true)
    if (!tokens.isSuccessful) return
    expect(tokens.token.token_type).toBe('DPoP')
    const claims = await validateIdToken(
      tokens.token.id_token!,
      {
        performDisco: true,
        clientId: fapiClients.fapiDpop.clientId,
        nonce: par.nonce,
        profile: 'fapi2',
        fetch: stack.caFetch,
        cache: stack.cache,
      },
      stack.op.issuer,
    )
    expect(claims.sub).toBe('alice')
  })
})
