/**
 * The sign-in flows against the real testbed provider (oidc-provider on 127.0.0.1), with the
 * user's part done for real over HTTP through the provider's login, consent, device and logout
 * pages (test/support/user-agent.ts). The same flows run in Chromium in test/e2e/browser.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  type Claims,
  createAuthorizationRequest,
  createDpop,
  createEndSessionUrl,
  createSingleFlightRefresh,
  type DiscoverySuccess,
  getDiscoveryDocument,
  getUserInfo,
  type IdentityModelError,
  type LogoutTokenClaims,
  ProviderCache,
  parseAuthorizationResponse,
  pollDeviceToken,
  requestAuthorizationCodeToken,
  requestDeviceAuthorization,
  requestRefreshToken,
  validateIdToken,
  validateLogoutToken,
} from '../../src/index.js'
import { clients, startProvider, type TestProvider } from '../../testbed/provider.js'
import { REDIRECT_URI, type Receiver, signIn, startReceiver } from '../support/sign-in.js'
import { UserAgent } from '../support/user-agent.js'

const SIGNED_USERINFO = { clientId: 'signed-userinfo-app', clientSecret: 'signed-userinfo-secret' }
const HMAC_ID_TOKENS = {
  clientId: 'hmac-id-token-app',
  clientSecret: 'hmac-id-token-app-secret-long-enough-for-hs256',
}
const LOGGED_OUT = 'http://127.0.0.1/logged-out'

let op: TestProvider
let disco: DiscoverySuccess
let cache: ProviderCache
let receiver: Receiver
const logouts: Array<LogoutTokenClaims | IdentityModelError> = []

beforeAll(async () => {
  cache = new ProviderCache()
  // The relying party's back-channel logout endpoint: validates every logout token it gets.
  receiver = await startReceiver(async (form) => {
    try {
      const claims = await validateLogoutToken(
        form.get('logout_token') ?? '',
        { performDisco: true, clientId: clients.webApp.clientId, cache },
        op.issuer,
      )
      logouts.push(claims)
      return 200
    } catch (error) {
      logouts.push(error as IdentityModelError)
      return 400
    }
  })
  op = await startProvider({
    redirectUris: [REDIRECT_URI],
    postLogoutRedirectUris: [LOGGED_OUT],
    backchannelLogoutUri: receiver.url,
    // Rotate every refresh token (the default rotates only for public clients); sign UserInfo
    // responses for clients registered with userinfo_signed_response_alg; allow
    // HS256 ID tokens for the client registered with it (the rest is the testbed's own list).
    extraConfig: {
      rotateRefreshToken: true,
      features: { jwtUserinfo: { enabled: true } },
      enabledJWA: {
        dPoPSigningAlgValues: ['ES256', 'Ed25519', 'EdDSA', 'RS256', 'PS256'],
        idTokenSigningAlgValues: ['RS256', 'PS256', 'ES256', 'Ed25519', 'EdDSA', 'HS256'],
      },
    },
    clients: [
      {
        client_id: SIGNED_USERINFO.clientId,
        client_secret: SIGNED_USERINFO.clientSecret,
        grant_types: ['authorization_code'],
        response_types: ['code'],
        redirect_uris: [REDIRECT_URI],
        userinfo_signed_response_alg: 'RS256',
      },
      {
        client_id: HMAC_ID_TOKENS.clientId,
        client_secret: HMAC_ID_TOKENS.clientSecret,
        grant_types: ['authorization_code'],
        response_types: ['code'],
        redirect_uris: [REDIRECT_URI],
        id_token_signed_response_alg: 'HS256',
      },
    ],
  })
  const result = await getDiscoveryDocument({ address: op.issuer, cache })
  if (!result.isSuccessful) throw new Error(result.error)
  disco = result
})

afterAll(async () => {
  await op?.stop()
  await receiver?.close()
})

const idConfig = (clientId: string, nonce: string | undefined, extra: object = {}) => ({
  performDisco: true,
  clientId,
  nonce,
  cache,
  ...extra,
})

async function rejection(promise: Promise<unknown>): Promise<IdentityModelError> {
  return promise.then(
    () => {
      throw new Error('expected a rejection')
    },
    (error: unknown) => error as IdentityModelError,
  )
}

describe('authorization code with PKCE', () => {
  it('signs a user in to a confidential web app: validated ID token, then UserInfo', async () => {
    const { tokens, nonce } = await signIn(disco, clients.webApp, { login: 'alice' })
    const claims = await validateIdToken(
      tokens.id_token!,
      idConfig('web-app', nonce, { accessToken: tokens.access_token }),
      op.issuer,
    )
    expect(claims).toMatchObject({ iss: op.issuer, sub: 'alice', aud: 'web-app', nonce })
    const userInfo = await getUserInfo({
      address: disco.userinfoEndpoint,
      token: tokens.access_token,
      expectedSubject: claims.sub,
    })
    expect(userInfo).toMatchObject({
      isSuccessful: true,
      claims: { sub: 'alice', email: 'alice@example.test', name: 'Test User alice' },
    })
  })

  it('UserInfo with a DPoP-bound access token: DPoP scheme and proof; as a bearer token it is refused', async () => {
    const dpop = await createDpop()
    const { tokens, nonce } = await signIn(disco, clients.webApp, { login: 'alice', dpop })
    expect(tokens.token_type).toBe('DPoP')
    const claims = await validateIdToken(tokens.id_token!, idConfig('web-app', nonce), op.issuer)
    const asBearer = await getUserInfo({
      address: disco.userinfoEndpoint,
      token: tokens.access_token,
      expectedSubject: claims.sub,
    })
    expect(asBearer).toMatchObject({ isSuccessful: false, httpStatus: 401 })
    const userInfo = await getUserInfo({
      address: disco.userinfoEndpoint,
      token: tokens.access_token,
      expectedSubject: claims.sub,
      dpop,
    })
    expect(userInfo).toMatchObject({ isSuccessful: true, claims: { sub: 'alice' } })
  })

  it('signs a user in to a public app (no secret, PKCE only)', async () => {
    const { tokens, nonce } = await signIn(disco, clients.publicApp, { login: 'bob' })
    const claims = await validateIdToken(tokens.id_token!, idConfig('public-app', nonce), op.issuer)
    expect(claims.sub).toBe('bob')
  })

  it('returns auth_time for max_age, and validateIdToken checks it', async () => {
    const { tokens, nonce } = await signIn(disco, clients.webApp, { request: { maxAge: 300 } })
    const claims = await validateIdToken(
      tokens.id_token!,
      idConfig('web-app', nonce, { maxAge: 300 }),
      op.issuer,
    )
    expect(typeof claims.auth_time).toBe('number')
    // Ten minutes later, the same sign-in is too old for max_age 300.
    const later = new Date((claims.auth_time! + 600) * 1000)
    const error = await rejection(
      validateIdToken(
        tokens.id_token!,
        idConfig('web-app', nonce, { maxAge: 300, currentDate: later }),
        op.issuer,
      ),
    )
    expect(error).toMatchObject({ code: 'claim_validation', claim: 'auth_time' })
  })

  it('refuses a wrong PKCE verifier and a code used twice (invalid_grant)', async () => {
    const agent = new UserAgent()
    const request = createAuthorizationRequest({
      authorizationEndpoint: disco.authorizationEndpoint!,
      clientId: 'web-app',
      redirectUri: REDIRECT_URI,
    })
    const outcome = await agent.run(request.url, { leaves: (url) => url.startsWith(REDIRECT_URI) })
    const callback = parseAuthorizationResponse(outcome.redirect!, {
      expectedState: request.state,
      discovery: disco,
    })
    expect(callback).toMatchObject({ isSuccessful: true, iss: op.issuer })
    const exchange = {
      address: disco.tokenEndpoint,
      ...clients.webApp,
      code: callback.code!,
      redirectUri: REDIRECT_URI,
    }
    const wrong = await requestAuthorizationCodeToken({ ...exchange, codeVerifier: 'x'.repeat(43) })
    expect(wrong).toMatchObject({
      isSuccessful: false,
      errorType: 'protocol',
      error: 'invalid_grant',
    })
    const right = await requestAuthorizationCodeToken({
      ...exchange,
      codeVerifier: request.codeVerifier,
    })
    expect(right.isSuccessful).toBe(true)
    const again = await requestAuthorizationCodeToken({
      ...exchange,
      codeVerifier: request.codeVerifier,
    })
    expect(again).toMatchObject({
      isSuccessful: false,
      errorType: 'protocol',
      error: 'invalid_grant',
    })
  })

  it('reports a user who cancels as access_denied (protocol), after the state and iss checks', async () => {
    const agent = new UserAgent()
    const request = createAuthorizationRequest({
      authorizationEndpoint: disco.authorizationEndpoint!,
      clientId: 'web-app',
      redirectUri: REDIRECT_URI,
    })
    const outcome = await agent.run(request.url, {
      abort: true,
      leaves: (url) => url.startsWith(REDIRECT_URI),
    })
    const result = parseAuthorizationResponse(outcome.redirect!, {
      expectedState: request.state,
      discovery: disco,
    })
    expect(result).toMatchObject({
      isSuccessful: false,
      errorType: 'protocol',
      error: 'access_denied',
    })
    // The same response offered to another sign-in attempt is refused for its state.
    expect(
      parseAuthorizationResponse(outcome.redirect!, { expectedState: 'other', discovery: disco }),
    ).toMatchObject({ isSuccessful: false, errorType: 'policy' })
  })

  it('refuses an ID token presented with another sign-in’s nonce (replay)', async () => {
    const { tokens } = await signIn(disco, clients.webApp)
    const error = await rejection(
      validateIdToken(tokens.id_token!, idConfig('web-app', 'nonce-of-another-sign-in'), op.issuer),
    )
    expect(error).toMatchObject({ code: 'claim_validation', claim: 'nonce' })
  })

  it('validates an HS256 ID token with the client secret, and only when told to (OIDC §10.1)', async () => {
    const { tokens, nonce } = await signIn(disco, HMAC_ID_TOKENS, { login: 'hmac-user' })
    const header = JSON.parse(Buffer.from(tokens.id_token!.split('.')[0]!, 'base64url').toString())
    expect(header.alg).toBe('HS256')
    const claims = await validateIdToken(
      tokens.id_token!,
      idConfig(HMAC_ID_TOKENS.clientId, nonce, { clientSecret: HMAC_ID_TOKENS.clientSecret }),
      op.issuer,
    )
    expect(claims.sub).toBe('hmac-user')
    const withoutSecret = await rejection(
      validateIdToken(tokens.id_token!, idConfig(HMAC_ID_TOKENS.clientId, nonce), op.issuer),
    )
    expect(withoutSecret.code).toBe('unsupported_alg')
    const wrongSecret = await rejection(
      validateIdToken(
        tokens.id_token!,
        idConfig(HMAC_ID_TOKENS.clientId, nonce, { clientSecret: 'x'.repeat(46) }),
        op.issuer,
      ),
    )
    expect(wrongSecret.code).toBe('signature')
  })

  it('refuses an ID token for another client (aud)', async () => {
    const { tokens, nonce } = await signIn(disco, clients.publicApp)
    const error = await rejection(
      validateIdToken(tokens.id_token!, idConfig('web-app', nonce), op.issuer),
    )
    expect(error).toMatchObject({ code: 'claim_validation', claim: 'aud' })
  })
})

describe('refresh with rotation', () => {
  it('returns a new refresh token; the old one is then refused', async () => {
    const { tokens, nonce } = await signIn(disco, clients.webApp)
    const first = await requestRefreshToken({
      address: disco.tokenEndpoint,
      ...clients.webApp,
      refreshToken: tokens.refresh_token,
    })
    if (!first.isSuccessful) throw new Error(first.error)
    expect(first.token.refresh_token).toBeDefined()
    expect(first.token.refresh_token).not.toBe(tokens.refresh_token)
    // The refreshed ID token is about the same user and still carries the original nonce.
    const claims = await validateIdToken(
      first.token.id_token!,
      idConfig('web-app', nonce),
      op.issuer,
    )
    expect(claims.sub).toBe('alice')
    const userInfo = await getUserInfo({
      address: disco.userinfoEndpoint,
      token: first.token.access_token,
      expectedSubject: 'alice',
    })
    expect(userInfo.isSuccessful).toBe(true)

    const stale = await requestRefreshToken({
      address: disco.tokenEndpoint,
      ...clients.webApp,
      refreshToken: tokens.refresh_token,
    })
    expect(stale).toMatchObject({
      isSuccessful: false,
      errorType: 'protocol',
      error: 'invalid_grant',
    })
  })

  it('single-flight: concurrent refreshes of one token send one request and all get the rotated token', async () => {
    const { tokens } = await signIn(disco, clients.webApp)
    const refresh = createSingleFlightRefresh()
    const request = {
      address: disco.tokenEndpoint,
      ...clients.webApp,
      refreshToken: tokens.refresh_token,
    }
    const before = op.counts['/token'] ?? 0
    const results = await Promise.all([refresh(request), refresh(request), refresh(request)])
    expect(op.counts['/token']! - before).toBe(1)
    const rotated = new Set(results.map((result) => result.token?.refresh_token))
    expect(rotated.size).toBe(1)
    expect([...rotated][0]).not.toBe(tokens.refresh_token)
    // And the rotated token works.
    const next = await refresh({ ...request, refreshToken: [...rotated][0]! })
    expect(next.isSuccessful).toBe(true)
  })

  it('without single-flight, the same concurrent refreshes race into invalid_grant', async () => {
    const { tokens } = await signIn(disco, clients.webApp)
    const request = {
      address: disco.tokenEndpoint,
      ...clients.webApp,
      refreshToken: tokens.refresh_token,
    }
    const results = await Promise.all([requestRefreshToken(request), requestRefreshToken(request)])
    expect(results.map((result) => result.error)).toContain('invalid_grant')
  })

  it('validates ID tokens across a signing-key rotation (the kid miss refreshes the keys)', async () => {
    const { tokens, nonce } = await signIn(disco, clients.webApp)
    await validateIdToken(tokens.id_token!, idConfig('web-app', nonce), op.issuer)
    await op.rotateKeys('BA')
    try {
      const refreshed = await requestRefreshToken({
        address: disco.tokenEndpoint,
        ...clients.webApp,
        refreshToken: tokens.refresh_token,
      })
      if (!refreshed.isSuccessful) throw new Error(refreshed.error)
      const header = JSON.parse(
        Buffer.from(refreshed.token.id_token!.split('.')[0]!, 'base64url').toString(),
      )
      expect(header.kid).toBe('rsa-b')
      const jwksBefore = op.counts['/jwks'] ?? 0
      const claims = await validateIdToken(
        refreshed.token.id_token!,
        idConfig('web-app', nonce),
        op.issuer,
      )
      expect(claims.sub).toBe('alice')
      expect(op.counts['/jwks']! - jwksBefore).toBe(1)
    } finally {
      await op.rotateKeys('A')
    }
  })
})

describe('UserInfo', () => {
  it('verifies a signed UserInfo response with the provider keys', async () => {
    const { tokens } = await signIn(disco, SIGNED_USERINFO, { login: 'carol' })
    const userInfo = await getUserInfo({
      address: disco.userinfoEndpoint,
      token: tokens.access_token,
      expectedSubject: 'carol',
      signedResponse: {
        performDisco: true,
        clientId: SIGNED_USERINFO.clientId,
        discoDocAddress: op.issuer,
        cache,
      },
    })
    expect(userInfo).toMatchObject({ isSuccessful: true, claims: { sub: 'carol', iss: op.issuer } })
    expect(userInfo.isSuccessful && userInfo.jwt?.split('.')).toHaveLength(3)
    // Without validation settings, the signed answer is refused rather than trusted unverified.
    const unverified = await getUserInfo({
      address: disco.userinfoEndpoint,
      token: tokens.access_token,
    })
    expect(unverified).toMatchObject({ isSuccessful: false, errorType: 'policy' })
  })

  it('refuses a UserInfo answer about another user than the ID token’s (policy)', async () => {
    const { tokens } = await signIn(disco, clients.webApp, { login: 'dave' })
    const userInfo = await getUserInfo({
      address: disco.userinfoEndpoint,
      token: tokens.access_token,
      expectedSubject: 'alice',
    })
    expect(userInfo).toMatchObject({ isSuccessful: false, errorType: 'policy' })
  })

  it('reports an invalid access token with the provider’s WWW-Authenticate challenge', async () => {
    const userInfo = await getUserInfo({ address: disco.userinfoEndpoint, token: 'not-a-token' })
    expect(userInfo).toMatchObject({
      isSuccessful: false,
      errorType: 'protocol',
      error: 'invalid_token',
      httpStatus: 401,
    })
    expect(userInfo.isSuccessful ? '' : userInfo.wwwAuthenticate).toMatch(/^Bearer /)
  })
})

describe('device authorization', () => {
  it('polls while the user approves on another device, then gets validated tokens', async () => {
    const device = await requestDeviceAuthorization({
      address: disco.deviceAuthorizationEndpoint,
      clientId: 'public-app',
      scope: 'openid offline_access',
    })
    if (!device.isSuccessful) throw new Error(device.error)
    expect(device).toMatchObject({
      interval: 5,
      userCode: expect.stringMatching(/^[A-Z]{4}-[A-Z]{4}$/),
    })
    // The testbed sends no interval (so the RFC's 5 s applies); a short one keeps the test quick.
    const polling = pollDeviceToken({
      address: disco.tokenEndpoint,
      clientId: 'public-app',
      deviceCode: device.deviceCode,
      interval: 0.2,
      expiresIn: device.expiresIn,
      signal: AbortSignal.timeout(15_000),
    })
    const page = await new UserAgent().run(device.verificationUriComplete!, {
      login: 'erin',
      leaves: () => false,
    })
    expect(page.page).toContain('Sign-in Success')
    const tokens = await polling
    if (!tokens.isSuccessful) throw new Error(tokens.error)
    // A device-flow ID token answers no authorization request: no nonce to check.
    const claims: Claims = await validateIdToken(
      tokens.token.id_token!,
      idConfig('public-app', undefined),
      op.issuer,
    )
    expect(claims.sub).toBe('erin')
    expect(tokens.token.refresh_token).toBeDefined()
  })

  it('ends with access_denied when the user aborts', async () => {
    const device = await requestDeviceAuthorization({
      address: disco.deviceAuthorizationEndpoint,
      clientId: 'public-app',
      scope: 'openid',
    })
    if (!device.isSuccessful) throw new Error(device.error)
    const polling = pollDeviceToken({
      address: disco.tokenEndpoint,
      clientId: 'public-app',
      deviceCode: device.deviceCode,
      interval: 0.2,
      signal: AbortSignal.timeout(15_000),
    })
    await new UserAgent().run(device.verificationUriComplete!, { abort: true, leaves: () => false })
    expect(await polling).toMatchObject({
      isSuccessful: false,
      errorType: 'protocol',
      error: 'access_denied',
    })
  })

  it('stops polling when the caller aborts', async () => {
    const device = await requestDeviceAuthorization({
      address: disco.deviceAuthorizationEndpoint,
      clientId: 'public-app',
    })
    if (!device.isSuccessful) throw new Error(device.error)
    const controller = new AbortController()
    const polling = pollDeviceToken({
      address: disco.tokenEndpoint,
      clientId: 'public-app',
      deviceCode: device.deviceCode,
      interval: 0.1,
      signal: controller.signal,
    })
    const reason = new Error('the user closed the CLI')
    setTimeout(() => controller.abort(reason), 300)
    await expect(polling).rejects.toBe(reason)
  })
})

describe('logout', () => {
  it('RP-initiated: ends the provider session and returns to post_logout_redirect_uri with state', async () => {
    const { tokens, agent } = await signIn(disco, clients.webApp, { login: 'frank' })
    logouts.length = 0
    const url = createEndSessionUrl({
      endSessionEndpoint: disco.endSessionEndpoint!,
      idTokenHint: tokens.id_token,
      postLogoutRedirectUri: LOGGED_OUT,
      state: 'logout-state-1',
    })
    const outcome = await agent.run(url, { leaves: (next) => next.startsWith(LOGGED_OUT) })
    expect(outcome.redirect).toBe(`${LOGGED_OUT}?state=logout-state-1`)

    // The session is gone: a silent sign-in (prompt=none) now needs a login.
    const silent = createAuthorizationRequest({
      authorizationEndpoint: disco.authorizationEndpoint!,
      clientId: 'web-app',
      redirectUri: REDIRECT_URI,
      prompt: 'none',
    })
    const silentOutcome = await agent.run(silent.url, {
      leaves: (next) => next.startsWith(REDIRECT_URI),
    })
    expect(
      parseAuthorizationResponse(silentOutcome.redirect!, {
        expectedState: silent.state,
        discovery: disco,
      }),
    ).toMatchObject({ isSuccessful: false, errorType: 'protocol', error: 'login_required' })
  })

  it('back-channel: the provider posts a logout token that the receiver validates', async () => {
    const { tokens, agent, nonce } = await signIn(disco, clients.webApp, { login: 'grace' })
    const idClaims = await validateIdToken(tokens.id_token!, idConfig('web-app', nonce), op.issuer)
    logouts.length = 0
    const url = createEndSessionUrl({
      endSessionEndpoint: disco.endSessionEndpoint!,
      idTokenHint: tokens.id_token,
      postLogoutRedirectUri: LOGGED_OUT,
    })
    await agent.run(url, { leaves: (next) => next.startsWith(LOGGED_OUT) })
    // oidc-provider sends back-channel logouts before it redirects; allow a moment anyway.
    for (let i = 0; i < 50 && logouts.length === 0; i++) await new Promise((r) => setTimeout(r, 20))
    expect(logouts).toHaveLength(1)
    const claims = logouts[0] as LogoutTokenClaims
    expect(claims).toMatchObject({ iss: op.issuer, aud: 'web-app', sub: idClaims.sub })
    expect(claims.events).toHaveProperty(['http://schemas.openid.net/event/backchannel-logout'])
  })
})
