/**
 * Glewlwyd: the authorization code flow with PKCE, a user signed in without a browser the way
 * its login page does it; the ID token (validateIdToken), UserInfo, refresh, and the code and
 * verifier checks a provider must make.
 */
import { decodeJwt } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  createAuthorizationRequest,
  createCodeVerifier,
  type DiscoverySuccess,
  getDiscoveryDocument,
  getUserInfo,
  ProviderCache,
  parseAuthorizationResponse,
  requestAuthorizationCodeToken,
  requestRefreshToken,
  TokenValidationError,
  validateIdToken,
  validateToken,
} from '../../../src/index.js'
import {
  CLIENTS,
  glewlwydSkipReason,
  type SignedIn,
  signInWithCode,
  startGlewlwyd,
  type TestGlewlwyd,
  USER,
} from '../../support/glewlwyd.js'

const skip = glewlwydSkipReason()
if (skip !== undefined) console.warn(skip)

describe.skipIf(skip !== undefined)('Glewlwyd: authorization code with PKCE', () => {
  let glewlwyd: TestGlewlwyd
  let disco: DiscoverySuccess
  let signedIn: SignedIn
  const cache = new ProviderCache()
  const client = CLIENTS.service

  beforeAll(async () => {
    glewlwyd = await startGlewlwyd()
    const response = await getDiscoveryDocument({ address: glewlwyd.issuer, cache })
    if (!response.isSuccessful) throw new Error(response.error)
    disco = response
    signedIn = await signInWithCode(glewlwyd, disco, client, { scope: 'openid api:read' })
  })
  afterAll(async () => {
    await glewlwyd?.stop()
  })

  const idTokenConfig = (nonce: string | undefined) => ({
    performDisco: true,
    clientId: client.clientId,
    nonce,
    cache,
  })

  it('exchanges the code for an ID token that validateIdToken accepts (nonce, at_hash)', async () => {
    const { tokens, nonce } = signedIn
    expect(tokens.refresh_token).toEqual(expect.any(String))
    const claims = await validateIdToken(
      tokens.id_token!,
      { ...idTokenConfig(nonce), accessToken: tokens.access_token },
      glewlwyd.issuer,
    )
    expect(claims).toMatchObject({
      iss: glewlwyd.issuer,
      aud: client.clientId,
      azp: client.clientId,
      nonce,
      name: USER.name,
      email: USER.email,
    })
    expect(claims.sub).toEqual(expect.any(String))
    expect(claims.at_hash).toEqual(expect.any(String))
  })

  it('refuses the ID token for another nonce, another client, or with a wrong access token', async () => {
    const { tokens, nonce } = signedIn
    await expect(
      validateIdToken(tokens.id_token!, idTokenConfig('another-nonce'), glewlwyd.issuer),
    ).rejects.toMatchObject({ code: 'claim_validation', claim: 'nonce' })
    await expect(
      validateIdToken(
        tokens.id_token!,
        { ...idTokenConfig(nonce), clientId: CLIENTS.reader.clientId },
        glewlwyd.issuer,
      ),
    ).rejects.toBeInstanceOf(TokenValidationError)
    const other = await signInWithCode(glewlwyd, disco, client, { session: signedIn.session })
    await expect(
      validateIdToken(
        tokens.id_token!,
        { ...idTokenConfig(nonce), accessToken: other.tokens.access_token },
        glewlwyd.issuer,
      ),
    ).rejects.toMatchObject({ code: 'claim_validation', claim: 'at_hash' })
  })

  it('gives a user access token that validateToken accepts, for the user', async () => {
    const { tokens } = signedIn
    const idClaims = decodeJwt(tokens.id_token!)
    const claims = await validateToken(
      tokens.access_token,
      { performDisco: true, audience: 'openid api:read', cache, typ: 'at+jwt' },
      glewlwyd.issuer,
    )
    expect(claims).toMatchObject({ sub: idClaims.sub, client_id: client.clientId })
    expect(claims.scope).toBe('openid api:read')
  })

  it('answers UserInfo about the signed-in user, and refuses another expected subject', async () => {
    const { tokens } = signedIn
    const sub = decodeJwt(tokens.id_token!).sub!
    const info = await getUserInfo({
      address: disco.userinfoEndpoint!,
      token: tokens.access_token,
      expectedSubject: sub,
    })
    if (!info.isSuccessful) throw new Error(info.error)
    expect(info.claims).toEqual({ sub, name: USER.name, email: USER.email })

    const someoneElse = await getUserInfo({
      address: disco.userinfoEndpoint!,
      token: tokens.access_token,
      expectedSubject: 'someone-else',
    })
    expect(someoneElse.isSuccessful).toBe(false)
    expect(!someoneElse.isSuccessful && someoneElse.errorType).toBe('policy')

    const forged = await getUserInfo({
      address: disco.userinfoEndpoint!,
      token: `${tokens.access_token.slice(0, -6)}AAAAAA`,
    })
    expect(forged.isSuccessful).toBe(false)
    expect(!forged.isSuccessful && forged.httpStatus).toBe(401)
  })

  it('refreshes: a new access token for the same user, and the refresh token still works', async () => {
    const { tokens } = signedIn
    const sub = decodeJwt(tokens.id_token!).sub
    for (let round = 0; round < 2; round++) {
      const refreshed = await requestRefreshToken({
        address: disco.tokenEndpoint!,
        clientId: client.clientId,
        clientSecret: client.clientSecret,
        refreshToken: tokens.refresh_token!,
      })
      if (!refreshed.isSuccessful) throw new Error(refreshed.error)
      expect(refreshed.token.access_token).not.toBe(tokens.access_token)
      const claims = await validateToken(
        refreshed.token.access_token,
        { performDisco: true, audience: 'openid api:read', cache },
        glewlwyd.issuer,
      )
      expect(claims.sub).toBe(sub)
    }
  })

  it('refuses a refresh token of another client and a made-up one', async () => {
    const { tokens } = signedIn
    for (const [who, refreshToken] of [
      [CLIENTS.reader, tokens.refresh_token!],
      [client, 'made-up-refresh-token'],
    ] as const) {
      const refreshed = await requestRefreshToken({
        address: disco.tokenEndpoint!,
        clientId: who.clientId,
        clientSecret: who.clientSecret,
        refreshToken,
      })
      expect(refreshed.isSuccessful).toBe(false)
      expect(!refreshed.isSuccessful && refreshed.httpStatus).toBeGreaterThanOrEqual(400)
    }
  })

  it('enforces PKCE: a wrong verifier is refused, and a code is used only once', async () => {
    const session = signedIn.session
    const request = createAuthorizationRequest({
      authorizationEndpoint: disco.authorizationEndpoint!,
      clientId: client.clientId,
      redirectUri: client.redirectUri,
      scope: 'openid api:read',
    })
    const url = new URL(request.url)
    expect(url.searchParams.get('code_challenge_method')).toBe('S256')
    const callback = parseAuthorizationResponse(await session.authorize(request.url), {
      expectedState: request.state,
      discovery: disco,
    })
    if (!callback.isSuccessful) throw new Error(callback.error)
    const exchange = (codeVerifier: string) =>
      requestAuthorizationCodeToken({
        address: disco.tokenEndpoint!,
        clientId: client.clientId,
        clientSecret: client.clientSecret,
        code: callback.code,
        redirectUri: client.redirectUri,
        codeVerifier,
      })
    const wrong = await exchange(createCodeVerifier())
    expect(wrong.isSuccessful).toBe(false)
    expect(await exchange(request.codeVerifier)).toMatchObject({ isSuccessful: true })
    const replayed = await exchange(request.codeVerifier)
    expect(replayed.isSuccessful).toBe(false)
  })

  it('checks the RFC 9207 issuer of the authorization response', async () => {
    const request = createAuthorizationRequest({
      authorizationEndpoint: disco.authorizationEndpoint!,
      clientId: client.clientId,
      redirectUri: client.redirectUri,
      scope: 'openid api:read',
    })
    const redirect = new URL(await signedIn.session.authorize(request.url))
    expect(redirect.searchParams.get('iss')).toBe(glewlwyd.issuer)
    const options = { expectedState: request.state, discovery: disco }
    expect(parseAuthorizationResponse(redirect.href, options)).toMatchObject({
      isSuccessful: true,
      iss: glewlwyd.issuer,
    })
    // A response from another provider (a mix-up attack) is refused.
    redirect.searchParams.set('iss', 'https://other-provider.example')
    expect(parseAuthorizationResponse(redirect.href, options)).toMatchObject({
      isSuccessful: false,
      errorType: 'policy',
    })
  })

  it('checks the state of the authorization response', async () => {
    const request = createAuthorizationRequest({
      authorizationEndpoint: disco.authorizationEndpoint!,
      clientId: client.clientId,
      redirectUri: client.redirectUri,
      scope: 'openid api:read',
    })
    const redirect = await signedIn.session.authorize(request.url)
    const result = parseAuthorizationResponse(redirect, {
      expectedState: 'another-state',
      discovery: disco,
    })
    expect(result.isSuccessful).toBe(false)
    expect(!result.isSuccessful && result.errorType).toBe('policy')
  })
})
