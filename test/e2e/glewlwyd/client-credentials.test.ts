/**
 * A second real OpenID Provider, Glewlwyd (written in C), started on 127.0.0.1: discovery, its
 * key set, client credentials with client_secret_basic and client_secret_post, and
 * validateToken on the JWT access tokens it signs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  type DiscoverySuccess,
  getDiscoveryDocument,
  getJwks,
  ProviderCache,
  requestClientCredentialsToken,
  TokenValidationError,
  validateToken,
} from '../../../src/index.js'
import {
  CLIENTS,
  glewlwydSkipReason,
  startGlewlwyd,
  type TestGlewlwyd,
} from '../../support/glewlwyd.js'

const skip = glewlwydSkipReason()
if (skip !== undefined) console.warn(skip)

describe.skipIf(skip !== undefined)('Glewlwyd: discovery and client credentials', () => {
  let glewlwyd: TestGlewlwyd
  let disco: DiscoverySuccess
  const cache = new ProviderCache()
  const client = CLIENTS.service

  beforeAll(async () => {
    glewlwyd = await startGlewlwyd()
    const response = await getDiscoveryDocument({ address: glewlwyd.issuer, cache })
    if (!response.isSuccessful) throw new Error(response.error)
    disco = response
  })
  afterAll(async () => {
    await glewlwyd?.stop()
  })

  const token = async (clientAuthentication: 'client_secret_basic' | 'client_secret_post') => {
    const response = await requestClientCredentialsToken({
      address: disco.tokenEndpoint!,
      clientId: client.clientId,
      clientSecret: client.clientSecret,
      scope: 'api:read',
      clientAuthentication,
    })
    if (!response.isSuccessful) throw new Error(`${response.error} (${response.httpStatus})`)
    return response.token
  }

  it('discovers the provider under the default policy (exact issuer, same origin)', () => {
    expect(disco.issuer).toBe(glewlwyd.issuer)
    expect(disco.tokenEndpoint).toBe(`${glewlwyd.issuer}/token`)
    expect(disco.jwksUri).toBe(`${glewlwyd.issuer}/jwks`)
    expect(disco.userinfoEndpoint).toBe(`${glewlwyd.issuer}/userinfo`)
    expect(disco.introspectionEndpoint).toBe(`${glewlwyd.issuer}/introspect`)
    expect(disco.revocationEndpoint).toBe(`${glewlwyd.issuer}/revoke`)
    expect(disco.deviceAuthorizationEndpoint).toBe(`${glewlwyd.issuer}/device_authorization`)
    expect(disco.tokenEndpointAuthMethodsSupported).toEqual(
      expect.arrayContaining(['client_secret_basic', 'client_secret_post']),
    )
    expect(disco.codeChallengeMethodsSupported).toEqual(['S256'])
  })

  it('finds the issuer from the full well-known address too', async () => {
    const response = await getDiscoveryDocument({
      address: `${glewlwyd.issuer}/.well-known/openid-configuration`,
      cache: new ProviderCache(),
    })
    expect(response.isSuccessful && response.issuer).toBe(glewlwyd.issuer)
  })

  it('refuses the provider under another issuer address (exact match)', async () => {
    const response = await getDiscoveryDocument({
      address: `${glewlwyd.issuer}/`,
      cache: new ProviderCache(),
    })
    expect(response.isSuccessful).toBe(false)
    expect(!response.isSuccessful && response.errorType).toBe('policy')
  })

  it('reads its key set: one RSA signing key with a kid', async () => {
    const jwks = await getJwks({ address: disco.jwksUri! })
    if (!jwks.isSuccessful) throw new Error(jwks.error)
    expect(jwks.keys).toHaveLength(1)
    expect(jwks.keys[0]).toMatchObject({ kty: 'RSA', alg: 'RS256', kid: expect.any(String) })
    expect(jwks.keys[0]).not.toHaveProperty('d')
  })

  for (const method of ['client_secret_basic', 'client_secret_post'] as const) {
    it(`gets a token with ${method} that validateToken accepts`, async () => {
      const tokens = await token(method)
      expect(tokens.expires_in).toBe(3600)
      expect(tokens.scope).toBe('api:read')
      const claims = await validateToken(
        tokens.access_token,
        { performDisco: true, audience: 'api:read', cache },
        glewlwyd.issuer,
      )
      expect(claims).toMatchObject({
        iss: glewlwyd.issuer,
        aud: 'api:read',
        sub: client.clientId,
        client_id: client.clientId,
        scope: 'api:read',
      })
    })
  }

  it('signs RFC 9068 access tokens: typ at+jwt and the required claims', async () => {
    const tokens = await token('client_secret_basic')
    const claims = await validateToken(
      tokens.access_token,
      { performDisco: true, audience: 'api:read', cache, typ: 'at+jwt' },
      glewlwyd.issuer,
    )
    for (const claim of ['iss', 'exp', 'aud', 'sub', 'client_id', 'iat', 'jti']) {
      expect(claims).toHaveProperty(claim)
    }
  })

  it('refuses its token for another audience, and a token whose signature was altered', async () => {
    const tokens = await token('client_secret_basic')
    await expect(
      validateToken(
        tokens.access_token,
        { performDisco: true, audience: 'other-api', cache },
        glewlwyd.issuer,
      ),
    ).rejects.toMatchObject({ code: 'claim_validation', claim: 'aud' })

    const [header, payload, signature] = tokens.access_token.split('.') as [string, string, string]
    const flipped = `${signature.slice(0, 10)}${signature[10] === 'A' ? 'B' : 'A'}${signature.slice(11)}`
    const error = await validateToken(
      `${header}.${payload}.${flipped}`,
      { performDisco: true, audience: 'api:read', cache },
      glewlwyd.issuer,
    ).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(TokenValidationError)
    expect((error as TokenValidationError).code).toBe('signature')
  })

  it('is refused a scope the client does not have, and a wrong secret', async () => {
    const reader = CLIENTS.reader
    const scope = await requestClientCredentialsToken({
      address: disco.tokenEndpoint!,
      clientId: reader.clientId,
      clientSecret: reader.clientSecret,
      scope: 'api:write',
    })
    expect(scope.isSuccessful).toBe(false)
    expect(!scope.isSuccessful && scope.httpStatus).toBe(400)

    const secret = await requestClientCredentialsToken({
      address: disco.tokenEndpoint!,
      clientId: client.clientId,
      clientSecret: 'not-the-secret',
      scope: 'api:read',
    })
    expect(secret.isSuccessful).toBe(false)
    expect(!secret.isSuccessful && secret.httpStatus).toBe(403)
    expect(JSON.stringify(secret)).not.toContain('not-the-secret')
  })
})
