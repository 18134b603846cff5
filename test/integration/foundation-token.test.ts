/**
 * Client-credentials tokens from the real testbed provider, with every client authentication
 * method it has a client for, and introspection and revocation of its opaque tokens.
 */
import type { JWK } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  ClientCredentialsTokenRequest,
  getDiscoveryDocument,
  introspectToken,
  requestClientCredentialsToken,
  revokeToken,
} from '../../src/index.js'
import {
  clientKeys,
  clients,
  resources,
  startProvider,
  type TestProvider,
} from '../../testbed/provider.js'

function payload(jwt: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString()) as Record<
    string,
    unknown
  >
}

describe('client credentials against the testbed provider', () => {
  let op: TestProvider
  let tokenEndpoint: string
  let introspectionEndpoint: string
  let revocationEndpoint: string

  beforeAll(async () => {
    op = await startProvider()
    const disco = await getDiscoveryDocument({ address: op.issuer, cache: false })
    if (!disco.isSuccessful) throw new Error(disco.error)
    tokenEndpoint = disco.tokenEndpoint!
    introspectionEndpoint = disco.introspectionEndpoint!
    revocationEndpoint = disco.revocationEndpoint!
  })
  afterAll(async () => {
    await op.stop()
  })

  it("client_secret_basic for service-basic, whose secret has ':', '%', '+' and spaces", async () => {
    expect(clients.serviceBasic.clientSecret).toMatch(/:.*%.*\+.* /)
    const response = await requestClientCredentialsToken(
      new ClientCredentialsTokenRequest({
        address: tokenEndpoint,
        ...clients.serviceBasic,
        scope: 'api:read api:write',
      }),
    )
    if (!response.isSuccessful) throw new Error(`${response.error}: ${response.errorDescription}`)
    expect(response.token.token_type).toBe('Bearer')
    expect(response.token.expires_in).toBe(600)
    expect(response.token.scope).toBe('api:read api:write')
    expect(payload(response.token.access_token)).toMatchObject({
      client_id: 'service-basic',
      aud: 'my-api',
      iss: op.issuer,
    })
  })

  it('client_secret_post for service-post, scope as a list', async () => {
    const response = await requestClientCredentialsToken({
      address: tokenEndpoint,
      ...clients.servicePost,
      clientAuthentication: 'client_secret_post',
      scope: ['api:write'],
    })
    if (!response.isSuccessful) throw new Error(`${response.error}: ${response.errorDescription}`)
    expect(response.token.scope).toBe('api:write')
    expect(payload(response.token.access_token).client_id).toBe('service-post')
  })

  it('client_secret_jwt for hmac-client', async () => {
    const response = await requestClientCredentialsToken({
      address: tokenEndpoint,
      ...clients.hmacClient,
      clientAuthentication: 'client_secret_jwt',
      scope: 'api:read',
    })
    if (!response.isSuccessful) throw new Error(`${response.error}: ${response.errorDescription}`)
    expect(payload(response.token.access_token).client_id).toBe('hmac-client')
  })

  it.each(['RS256', 'ES256'])('private_key_jwt for jwt-client with its %s key', async (alg) => {
    const key = clientKeys['jwt-client'].find((jwk) => jwk.alg === alg)
    expect(key).toBeDefined()
    const response = await requestClientCredentialsToken({
      address: tokenEndpoint,
      ...clients.jwtClient,
      privateKey: key as JWK,
      scope: 'api:read',
    })
    if (!response.isSuccessful) throw new Error(`${response.error}: ${response.errorDescription}`)
    expect(payload(response.token.access_token).client_id).toBe('jwt-client')
  })

  it('reports a wrong secret as invalid_client, without the secret in the result', async () => {
    const response = await requestClientCredentialsToken({
      address: tokenEndpoint,
      clientId: clients.serviceBasic.clientId,
      clientSecret: `${clients.serviceBasic.clientSecret}x`,
    })
    expect(response).toMatchObject({
      isSuccessful: false,
      errorType: 'protocol',
      error: 'invalid_client',
      httpStatus: 401,
    })
    expect(response.errorDescription).toBeTypeOf('string')
    expect(JSON.stringify(response)).not.toContain(clients.serviceBasic.clientSecret)
    expect(String(response.cause)).not.toContain(clients.serviceBasic.clientSecret)
  })

  it('reports a scope the client may not have as invalid_scope', async () => {
    const response = await requestClientCredentialsToken({
      address: tokenEndpoint,
      ...clients.serviceReadonly,
      scope: 'api:write',
    })
    expect(response).toMatchObject({
      isSuccessful: false,
      errorType: 'protocol',
      error: 'invalid_scope',
      httpStatus: 400,
    })
  })

  it('asks for an opaque token with resource, then introspects and revokes it', async () => {
    const issued = await requestClientCredentialsToken({
      address: tokenEndpoint,
      ...clients.servicePost,
      clientAuthentication: 'client_secret_post',
      scope: 'api:read',
      resource: resources.opaque,
    })
    if (!issued.isSuccessful) throw new Error(`${issued.error}: ${issued.errorDescription}`)
    const token = issued.token.access_token
    expect(token.split('.')).toHaveLength(1)

    const introspect = () =>
      introspectToken({ address: introspectionEndpoint, ...clients.serviceBasic, token })
    const active = await introspect()
    expect(active).toMatchObject({ isSuccessful: true, active: true })
    expect(active.claims).toMatchObject({ aud: 'opaque-api', scope: 'api:read' })

    const revoked = await revokeToken({
      address: revocationEndpoint,
      ...clients.servicePost,
      clientAuthentication: 'client_secret_post',
      token,
      tokenTypeHint: 'access_token',
    })
    expect(revoked).toEqual({ isSuccessful: true, httpStatus: 200 })
    expect(await introspect()).toMatchObject({ isSuccessful: true, active: false })
  })
})
