/**
 * The authorization-code flow with PKCE for a public client: building the request (synchronous
 * everywhere), reading the callback, exchanging the code, validating the ID token, refreshing. The Node side
 * signed the user in at the provider (no browser) and hands over the callback URL.
 */
import { bytesToBase64url } from '../encoding.js'
import { assert, defineCases, equal, rejects } from '../registry.js'
import { discover, type PackageCaseArg, tokenEndpoint } from './support.js'

export const codeFlowCases = defineCases<PackageCaseArg>('code flow', {
  'createAuthorizationRequest is synchronous and makes an S256 PKCE request': async (arg) => {
    const flow = arg.ctx.codeFlow
    const disco = await discover(arg)
    const init = {
      authorizationEndpoint: disco.authorizationEndpoint ?? '',
      clientId: flow.clientId,
      redirectUri: flow.redirectUri,
      scope: flow.scope,
    }
    // The Node side's values: the same verifier must give the challenge node:crypto computed.
    const given = arg.lib.core.createAuthorizationRequest({
      ...init,
      state: flow.state,
      nonce: flow.nonce,
      codeVerifier: flow.codeVerifier,
    })
    assert(
      typeof (given as { then?: unknown }).then !== 'function',
      'returned a value, not a promise',
    )
    const params = new URL(given.url).searchParams
    for (const [name, value] of Object.entries({
      response_type: 'code',
      client_id: flow.clientId,
      redirect_uri: flow.redirectUri,
      state: flow.state,
      nonce: flow.nonce,
      code_challenge: flow.codeChallenge,
      code_challenge_method: 'S256',
    })) {
      equal(params.get(name), value, name)
    }
    // Fresh values: random, and a challenge that is SHA-256 of the verifier (Web Crypto here).
    const a = arg.lib.core.createAuthorizationRequest(init)
    const b = arg.lib.core.createAuthorizationRequest(init)
    assert(a.state !== b.state && a.nonce !== b.nonce, 'fresh state and nonce per request')
    assert(a.codeVerifier !== b.codeVerifier, 'a fresh verifier per request')
    assert(/^[A-Za-z0-9._~-]{43,128}$/.test(a.codeVerifier), 'an RFC 7636 verifier')
    const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(a.codeVerifier))
    equal(a.codeChallenge, bytesToBase64url(new Uint8Array(digest)), 'code_challenge')
  },

  'a callback with another state is a policy failure': async (arg) => {
    const callback = arg.lib.core.parseAuthorizationResponse(arg.ctx.codeFlow.callbackUrl, {
      expectedState: `${arg.ctx.codeFlow.state}-other`,
    })
    equal(callback.isSuccessful, false, 'isSuccessful')
    if (!callback.isSuccessful) equal(callback.errorType, 'policy', 'errorType')
  },

  'exchanges the code with PKCE, validates the ID token and refreshes': async (arg) => {
    const flow = arg.ctx.codeFlow
    const { core } = arg.lib
    const disco = await discover(arg)
    const callback = core.parseAuthorizationResponse(flow.callbackUrl, {
      expectedState: flow.state,
      discovery: disco,
    })
    if (!callback.isSuccessful) throw new Error(`callback: ${callback.errorType} ${callback.error}`)
    const exchange = await core.requestAuthorizationCodeToken({
      address: await tokenEndpoint(arg),
      clientId: flow.clientId,
      code: callback.code,
      redirectUri: flow.redirectUri,
      codeVerifier: flow.codeVerifier,
    })
    if (!exchange.isSuccessful) {
      throw new Error(
        `code exchange: ${exchange.errorType} ${exchange.error} ${exchange.errorDescription ?? ''}`,
      )
    }
    const { id_token: idToken, access_token: accessToken } = exchange.token
    assert(typeof idToken === 'string', 'the token response has an id_token')
    const config = { performDisco: true, clientId: flow.clientId, nonce: flow.nonce, accessToken }
    const claims = await core.validateIdToken(idToken, config, arg.ctx.issuer)
    equal(claims.sub, flow.subject, 'sub')
    equal(claims.nonce, flow.nonce, 'nonce')
    await rejects(
      core.validateIdToken(idToken, { ...config, nonce: `${flow.nonce}-other` }, arg.ctx.issuer),
      {
        class: core.TokenValidationError,
        code: 'claim_validation',
        claim: 'nonce',
        secrets: [idToken],
      },
      'another nonce',
    )
    await rejects(
      core.validateIdToken(idToken, { ...config, clientId: 'another-client' }, arg.ctx.issuer),
      { class: core.TokenValidationError, code: 'claim_validation', claim: 'aud' },
      'another client',
    )

    // A public client (SPA, native) refreshes with the rotated refresh token, no secret.
    const refreshToken = exchange.token.refresh_token
    assert(typeof refreshToken === 'string', 'the public client got a refresh token')
    const refreshed = await core.requestRefreshToken({
      address: await tokenEndpoint(arg),
      clientId: flow.clientId,
      refreshToken,
    })
    if (!refreshed.isSuccessful) {
      throw new Error(`refresh: ${refreshed.errorType} ${refreshed.error}`)
    }
    assert(refreshed.token.access_token !== accessToken, 'a new access token')
    if (refreshed.token.id_token !== undefined) {
      // OpenID Connect Core §12.2: same iss, sub and aud; no nonce required on a refreshed one.
      const again = await core.validateIdToken(
        refreshed.token.id_token,
        {
          performDisco: true,
          clientId: flow.clientId,
          nonce: undefined,
          accessToken: refreshed.token.access_token,
        },
        arg.ctx.issuer,
      )
      equal(again.sub, flow.subject, 'sub after refresh')
    }
    // The used refresh token was rotated away: a replay is refused by the provider.
    const replay = await core.requestRefreshToken({
      address: await tokenEndpoint(arg),
      clientId: flow.clientId,
      refreshToken,
    })
    equal(replay.isSuccessful, false, 'a replayed refresh token is refused')
    if (!replay.isSuccessful) equal(replay.error, 'invalid_grant', 'replay error')
  },
})
