/**
 * Introspection (RFC 7662) and revocation (RFC 7009) against the real provider: its opaque
 * resource's access tokens, and refresh tokens from a real sign-in.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  getDiscoveryDocument,
  introspectToken,
  requestClientCredentialsToken,
  revokeToken,
  TokenIntrospectionRequest,
  TokenRevocationRequest,
} from '../../src/index.js'
import { requestToken } from '../../src/token/token-request.js'
import { clients, resources, startProvider, type TestProvider } from '../../testbed/provider.js'
import { signInForCode } from '../support/platform-sign-in.js'

const REDIRECT = 'http://127.0.0.1/callback'
let op: TestProvider
let introspectionEndpoint: string
let revocationEndpoint: string
let tokenEndpoint: string

beforeAll(async () => {
  op = await startProvider()
  const disco = await getDiscoveryDocument({ address: op.issuer, cache: false })
  if (!disco.isSuccessful) throw new Error(disco.error)
  introspectionEndpoint = String(disco.introspectionEndpoint)
  revocationEndpoint = String(disco.revocationEndpoint)
  tokenEndpoint = String(disco.tokenEndpoint)
})
afterAll(async () => {
  await op.stop()
})

/** An opaque access token of service-post for the opaque resource. */
async function opaqueToken(scope = 'api:read'): Promise<string> {
  const response = await requestClientCredentialsToken({
    address: tokenEndpoint,
    ...clients.servicePost,
    clientAuthentication: 'client_secret_post',
    scope,
    resource: resources.opaque,
  })
  if (!response.isSuccessful) throw new Error(response.error)
  return response.token.access_token
}

/** The resource server (service-basic) introspecting someone else's token. */
const introspectAsResourceServer = (token: string) =>
  introspectToken(
    new TokenIntrospectionRequest({
      address: introspectionEndpoint,
      ...clients.serviceBasic,
      token,
    }),
  )

describe('opaque access tokens', () => {
  it('introspect as active with scope, client_id, exp and the other standard members', async () => {
    const token = await opaqueToken('api:read')
    const now = Math.floor(Date.now() / 1000)
    const result = await introspectAsResourceServer(token)
    if (!result.isSuccessful) throw new Error(result.error)
    expect(result.active).toBe(true)
    expect(result.claims).toMatchObject({
      active: true,
      scope: 'api:read',
      client_id: clients.servicePost.clientId,
      token_type: 'Bearer',
      aud: 'opaque-api',
      iss: op.issuer,
    })
    expect(result.claims.exp).toBeGreaterThan(now)
    expect(result.claims.iat).toBeLessThanOrEqual(now + 1)
    expect(result.raw).toEqual(expect.objectContaining({ active: true }))
  })

  it('introspect as inactive after revokeToken by their client', async () => {
    const token = await opaqueToken()
    expect((await introspectAsResourceServer(token)).active).toBe(true)
    const revoked = await revokeToken(
      new TokenRevocationRequest({
        address: revocationEndpoint,
        ...clients.servicePost,
        clientAuthentication: 'client_secret_post',
        token,
        tokenTypeHint: 'access_token',
      }),
    )
    expect(revoked).toEqual({ isSuccessful: true, httpStatus: 200 })
    expect(await introspectAsResourceServer(token)).toEqual({
      isSuccessful: true,
      active: false,
      claims: { active: false },
      raw: { active: false },
      httpStatus: 200,
    })
  })

  it('revocation answers the same for an unknown token as for a valid one', async () => {
    const revoke = (token: string) =>
      revokeToken({
        address: revocationEndpoint,
        ...clients.servicePost,
        clientAuthentication: 'client_secret_post',
        token,
      })
    const known = await revoke(await opaqueToken())
    const unknown = await revoke('no-such-token')
    expect(unknown).toEqual(known)
    expect(known).toEqual({ isSuccessful: true, httpStatus: 200 })
  })

  it('introspects an unknown token as inactive', async () => {
    const result = await introspectAsResourceServer('no-such-token')
    expect(result).toMatchObject({ isSuccessful: true, active: false, claims: { active: false } })
  })
})

describe('JWT access tokens', () => {
  it('cannot be revoked or introspected at this provider: unsupported_token_type', async () => {
    const response = await requestClientCredentialsToken({
      address: tokenEndpoint,
      ...clients.serviceBasic,
    })
    if (!response.isSuccessful) throw new Error(response.error)
    const jwt = response.token.access_token
    expect(jwt.split('.')).toHaveLength(3)
    const revoked = await revokeToken({
      address: revocationEndpoint,
      ...clients.serviceBasic,
      token: jwt,
    })
    expect(revoked).toMatchObject({
      isSuccessful: false,
      errorType: 'protocol',
      error: 'unsupported_token_type',
      httpStatus: 400,
    })
    expect(JSON.stringify(revoked)).not.toContain(jwt)
    const introspected = await introspectAsResourceServer(jwt)
    expect(introspected).toMatchObject({
      isSuccessful: false,
      errorType: 'protocol',
      error: 'unsupported_token_type',
    })
  })
})

describe('refresh tokens (web-app, from a real sign-in)', () => {
  it('introspect as active, then revoking the refresh token ends it and its grant', async () => {
    const { code, codeVerifier } = await signInForCode({
      issuer: op.issuer,
      clientId: clients.webApp.clientId,
      redirectUri: REDIRECT,
      scope: 'openid',
      login: 'bob',
    })
    const credentials = { ...clients.webApp, address: tokenEndpoint }
    const tokens = await requestToken(
      credentials,
      new URLSearchParams({
        grant_type: 'authorization_code',
        code,
        code_verifier: codeVerifier,
        redirect_uri: REDIRECT,
      }),
    )
    if (!tokens.isSuccessful) throw new Error(tokens.error)
    const refreshToken = String(tokens.token.refresh_token)
    const accessToken = tokens.token.access_token
    const introspect = (token: string) =>
      introspectToken({ address: introspectionEndpoint, ...clients.webApp, token })

    const active = await introspect(refreshToken)
    expect(active).toMatchObject({
      isSuccessful: true,
      active: true,
      claims: { client_id: clients.webApp.clientId, sub: 'bob', scope: 'openid' },
    })
    expect(active.claims).not.toHaveProperty('token_type')
    expect((await introspect(accessToken)).active).toBe(true)

    const revoked = await revokeToken({
      address: revocationEndpoint,
      ...clients.webApp,
      token: refreshToken,
      tokenTypeHint: 'refresh_token',
    })
    expect(revoked.isSuccessful).toBe(true)
    expect((await introspect(refreshToken)).active).toBe(false)
    // The provider revokes the whole grant: the access token from it is gone too.
    expect((await introspect(accessToken)).active).toBe(false)

    const refreshed = await requestToken(
      credentials,
      new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken }),
    )
    expect(refreshed).toMatchObject({
      isSuccessful: false,
      errorType: 'protocol',
      error: 'invalid_grant',
    })
  })
})

describe('failures', () => {
  it('a 503 with Retry-After is one attempt (never retried) and carries retryAfter', async () => {
    const token = await opaqueToken()
    op.setDown(true, { retryAfterSeconds: 3 })
    op.resetCounts()
    try {
      const result = await revokeToken({
        address: revocationEndpoint,
        ...clients.servicePost,
        clientAuthentication: 'client_secret_post',
        token,
      })
      expect(result).toMatchObject({
        isSuccessful: false,
        errorType: 'protocol',
        error: 'temporarily_unavailable',
        httpStatus: 503,
        retryAfter: 3,
      })
      expect(op.counts['/token/revocation']).toBe(1)
    } finally {
      op.setDown(false)
    }
    // RFC 7009 §2.2.1: after a 503 the token must be assumed alive, and it is.
    expect((await introspectAsResourceServer(token)).active).toBe(true)
  })

  it('introspection with a bad secret is invalid_client, with nothing secret in the result', async () => {
    const token = await opaqueToken()
    const secret = 'not-the-secret-of-service-basic'
    const result = await introspectToken({
      address: introspectionEndpoint,
      clientId: clients.serviceBasic.clientId,
      clientSecret: secret,
      token,
    })
    expect(result).toMatchObject({
      isSuccessful: false,
      errorType: 'protocol',
      error: 'invalid_client',
      httpStatus: 401,
    })
    expect(JSON.stringify(result)).not.toContain(secret)
    expect(JSON.stringify(result)).not.toContain(token)
  })

  it('a stopped provider is a network failure, not a rejection', async () => {
    const other = await startProvider()
    const address = `${other.issuer}/token/introspection`
    await other.stop()
    const result = await introspectToken({ address, ...clients.serviceBasic, token: 'x' })
    expect(result).toMatchObject({ isSuccessful: false, errorType: 'network' })
  })
})
