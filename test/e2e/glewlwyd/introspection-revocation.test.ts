/**
 * Glewlwyd: token introspection (RFC 7662) and revocation (RFC 7009) of its access and refresh
 * tokens, with the client authenticated by client_secret_basic (the library's default).
 */
import { decodeJwt } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  type DiscoverySuccess,
  getDiscoveryDocument,
  introspectToken,
  ProviderCache,
  requestClientCredentialsToken,
  requestRefreshToken,
  revokeToken,
} from '../../../src/index.js'
import {
  CLIENTS,
  glewlwydSkipReason,
  signInWithCode,
  startGlewlwyd,
  type TestGlewlwyd,
} from '../../support/glewlwyd.js'

const skip = glewlwydSkipReason()
if (skip !== undefined) console.warn(skip)

describe.skipIf(skip !== undefined)('Glewlwyd: introspection and revocation', () => {
  let glewlwyd: TestGlewlwyd
  let disco: DiscoverySuccess
  const client = CLIENTS.service

  beforeAll(async () => {
    glewlwyd = await startGlewlwyd()
    const response = await getDiscoveryDocument({
      address: glewlwyd.issuer,
      cache: new ProviderCache(),
    })
    if (!response.isSuccessful) throw new Error(response.error)
    disco = response
  })
  afterAll(async () => {
    await glewlwyd?.stop()
  })

  const accessToken = async () => {
    const response = await requestClientCredentialsToken({
      address: disco.tokenEndpoint!,
      clientId: client.clientId,
      clientSecret: client.clientSecret,
      scope: 'api:read api:write',
    })
    if (!response.isSuccessful) throw new Error(response.error)
    return response.token.access_token
  }
  const introspect = (token: string, tokenTypeHint?: 'access_token' | 'refresh_token') =>
    introspectToken({
      address: disco.introspectionEndpoint!,
      clientId: client.clientId,
      clientSecret: client.clientSecret,
      token,
      tokenTypeHint,
    })
  const revoke = (token: string, tokenTypeHint?: 'access_token' | 'refresh_token') =>
    revokeToken({
      address: disco.revocationEndpoint!,
      clientId: client.clientId,
      clientSecret: client.clientSecret,
      token,
      tokenTypeHint,
    })

  it('advertises client_secret_basic for both endpoints', () => {
    expect(disco.raw.introspection_endpoint_auth_methods_supported).toEqual(['client_secret_basic'])
    expect(disco.raw.revocation_endpoint_auth_methods_supported).toEqual(['client_secret_basic'])
  })

  it('introspects an access token as active, with its claims', async () => {
    const token = await accessToken()
    const response = await introspect(token)
    if (!response.isSuccessful) throw new Error(response.error)
    expect(response.active).toBe(true)
    const jwt = decodeJwt(token)
    expect(response.claims).toMatchObject({
      active: true,
      client_id: client.clientId,
      scope: 'api:read api:write',
      aud: 'api:read api:write',
      jti: jwt.jti,
      exp: jwt.exp,
    })
  })

  it('introspects a made-up token as inactive', async () => {
    const response = await introspect('made-up-token')
    expect(response).toMatchObject({ isSuccessful: true, active: false })
  })

  it('revokes an access token: it then introspects as inactive', async () => {
    const token = await accessToken()
    expect(await revoke(token, 'access_token')).toMatchObject({ isSuccessful: true })
    expect(await introspect(token)).toMatchObject({ isSuccessful: true, active: false })
  })

  it('revokes a refresh token: it then introspects as inactive and refreshes nothing', async () => {
    const { tokens } = await signInWithCode(glewlwyd, disco, client)
    const refreshToken = tokens.refresh_token!
    const before = await introspect(refreshToken, 'refresh_token')
    expect(before).toMatchObject({ isSuccessful: true, active: true })
    expect(before.isSuccessful && before.claims.token_type).toBe('refresh_token')

    expect(await revoke(refreshToken, 'refresh_token')).toMatchObject({ isSuccessful: true })
    expect(await introspect(refreshToken, 'refresh_token')).toMatchObject({ active: false })
    const refreshed = await requestRefreshToken({
      address: disco.tokenEndpoint!,
      clientId: client.clientId,
      clientSecret: client.clientSecret,
      refreshToken,
    })
    expect(refreshed.isSuccessful).toBe(false)
  })

  it('answers a revocation of an unknown token with success (RFC 7009 §2.2)', async () => {
    expect(await revoke('made-up-token')).toMatchObject({ isSuccessful: true })
  })

  it('refuses both endpoints to a client with a wrong secret', async () => {
    const token = await accessToken()
    const introspection = await introspectToken({
      address: disco.introspectionEndpoint!,
      clientId: client.clientId,
      clientSecret: 'not-the-secret',
      token,
    })
    expect(introspection).toMatchObject({ isSuccessful: false, httpStatus: 401 })
    const revocation = await revokeToken({
      address: disco.revocationEndpoint!,
      clientId: client.clientId,
      clientSecret: 'not-the-secret',
      token,
    })
    expect(revocation).toMatchObject({ isSuccessful: false, httpStatus: 401 })
    expect(await introspect(token)).toMatchObject({ active: true })
  })

  it("does not show one client another client's token under client_secret_basic", async () => {
    const token = await accessToken()
    const reader = CLIENTS.reader
    const response = await introspectToken({
      address: disco.introspectionEndpoint!,
      clientId: reader.clientId,
      clientSecret: reader.clientSecret,
      token,
    })
    expect(response).toMatchObject({ isSuccessful: true, active: false })
  })
})
