/**
 * RFC 9701 JWT introspection responses against the real provider: a resource server registered
 * with `introspection_signed_response_alg` asks for signed answers and verifies them with the
 * provider's keys; a client that is not gets a plain JSON answer, which is refused; a signed
 * answer altered in transit is refused; the resource-server strategy uses it as an option.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  createBearerAuthenticator,
  getDiscoveryDocument,
  introspectToken,
  processJwtIntrospectionResponse,
  requestClientCredentialsToken,
} from '../../src/index.js'
import { clients, resources, startProvider, type TestProvider } from '../../testbed/provider.js'
import { standardsClients, standardsProfile } from '../../testbed/standards.js'

let op: TestProvider
let introspectionEndpoint: string
let tokenEndpoint: string
const introspector = standardsClients.jwtIntrospector

beforeAll(async () => {
  op = await startProvider({ ...standardsProfile().options })
  const disco = await getDiscoveryDocument({ address: op.issuer, cache: false })
  if (!disco.isSuccessful) throw new Error(disco.error)
  introspectionEndpoint = disco.introspectionEndpoint!
  tokenEndpoint = disco.tokenEndpoint!
})
afterAll(async () => {
  await op?.stop()
})

async function opaqueToken(): Promise<string> {
  const response = await requestClientCredentialsToken({
    address: tokenEndpoint,
    ...clients.servicePost,
    clientAuthentication: 'client_secret_post',
    scope: 'api:read',
    resource: resources.opaque,
  })
  if (!response.isSuccessful) throw new Error(response.error)
  return response.token.access_token
}

const introspectAsJwt = (token: string, client: { clientId: string; clientSecret: string }) =>
  introspectToken({
    address: introspectionEndpoint,
    ...client,
    token,
    jwtResponse: true,
    discoDocAddress: op.issuer,
  })

describe('JWT introspection responses', () => {
  it('verifies the signed answer and reads token_introspection as the claims', async () => {
    const token = await opaqueToken()
    const result = await introspectAsJwt(token, introspector)
    if (!result.isSuccessful) throw new Error(`${result.errorType}: ${result.error}`)
    expect(result.active).toBe(true)
    expect(result.claims).toMatchObject({
      active: true,
      client_id: clients.servicePost.clientId,
      scope: 'api:read',
      aud: 'opaque-api',
    })
    expect(result.jwtClaims).toMatchObject({ iss: op.issuer, aud: introspector.clientId })
    const header = JSON.parse(Buffer.from(result.jwt!.split('.')[0]!, 'base64url').toString())
    expect(header.typ.toLowerCase()).toContain('token-introspection+jwt')
  })

  it('says inactive for an unknown token, still signed', async () => {
    const result = await introspectAsJwt('not-a-token-we-issued', introspector)
    expect(result).toMatchObject({ isSuccessful: true, active: false, claims: { active: false } })
  })

  it('refuses a plain JSON answer to a JWT request (a provider without RFC 9701)', async () => {
    const plainOp = await startProvider()
    try {
      const token = await plainOp.clientCredentialsToken({
        ...clients.servicePost,
        method: 'post',
        resource: resources.opaque,
      })
      const request = {
        address: `${plainOp.issuer}/token/introspection`,
        ...clients.serviceBasic,
        token: String(token.access_token),
      }
      const plain = await introspectToken(request)
      expect(plain).toMatchObject({ isSuccessful: true, active: true })
      const result = await introspectToken({
        ...request,
        jwtResponse: true,
        discoDocAddress: plainOp.issuer,
      })
      expect(result).toMatchObject({ isSuccessful: false, errorType: 'policy' })
      expect(result.error).toMatch(/RFC 9701/)
    } finally {
      await plainOp.stop()
    }
  })

  it('refuses a signed answer whose payload was altered, or that names another issuer', async () => {
    const good = await introspectAsJwt(await opaqueToken(), introspector)
    if (!good.isSuccessful) throw new Error(good.error)
    const [header, payload, signature] = good.jwt!.split('.') as [string, string, string]
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString())
    claims.token_introspection.scope = 'api:read api:write'
    const forged = `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${signature}`
    const response = () =>
      new Response(forged, {
        status: 200,
        headers: { 'content-type': 'application/token-introspection+jwt' },
      })
    const result = await processJwtIntrospectionResponse(response(), {
      clientId: introspector.clientId,
      discoDocAddress: op.issuer,
    })
    expect(result).toMatchObject({ isSuccessful: false, errorType: 'invalid_response' })
    expect((result as { cause?: { code?: string } }).cause?.code).toBe('signature')

    const genuine = new Response(good.jwt!, {
      status: 200,
      headers: { 'content-type': 'application/token-introspection+jwt' },
    })
    const otherAudience = await processJwtIntrospectionResponse(genuine, {
      clientId: 'another-api',
      discoDocAddress: op.issuer,
    })
    expect((otherAudience as { cause?: { claim?: string } }).cause?.claim).toBe('aud')
  })

  it('lets the resource server introspect with signed answers', async () => {
    const token = await opaqueToken()
    const authenticate = createBearerAuthenticator({
      discoDocAddress: op.issuer,
      audience: 'opaque-api',
      introspection: { ...introspector, jwtResponse: true },
    })
    const outcome = await authenticate(`Bearer ${token}`)
    expect(outcome).toMatchObject({ ok: true, claims: { client_id: clients.servicePost.clientId } })

    // oidc-provider signs introspection answers (RS256 by default) for any client that asks.
    const plain = createBearerAuthenticator({
      discoDocAddress: op.issuer,
      audience: 'opaque-api',
      introspection: { ...clients.serviceBasic, jwtResponse: true },
    })
    expect(await plain(`Bearer ${token}`)).toMatchObject({ ok: true })
    expect(() =>
      createBearerAuthenticator({
        audience: 'opaque-api',
        introspection: { ...introspector, address: introspectionEndpoint, jwtResponse: true },
      }),
    ).toThrow(/discoDocAddress/)
  })
})
