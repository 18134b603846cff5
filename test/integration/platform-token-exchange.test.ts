/**
 * Token exchange (RFC 8693) against the real provider: impersonation, delegation with the `act`
 * claim (nested), opaque results introspected, the provider's errors, and the grant used with
 * basic, private_key_jwt and none client authentication.
 */
import type { JWK } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  introspectToken,
  requestClientCredentialsToken,
  requestTokenExchange,
  TokenExchangeRequest,
  type TokenExchangeRequestInit,
  TokenTypeIdentifiers,
  TokenValidationConfig,
  validateToken,
} from '../../src/index.js'
import { toPublicJwk } from '../../testbed/keys.js'
import {
  clientKeys,
  clients,
  startProvider,
  type TestProvider,
  TOKEN_EXCHANGE_GRANT,
} from '../../testbed/provider.js'

const publicExchanger = 'platform-public-exchanger'
const jwtExchanger = 'platform-jwt-exchanger'
const exchangerKey = clientKeys['jwt-client'].find((key) => key.alg === 'ES256')!

let op: TestProvider
let tokenEndpoint: string

beforeAll(async () => {
  const service = { response_types: [], redirect_uris: [], grant_types: [TOKEN_EXCHANGE_GRANT] }
  op = await startProvider({
    clients: [
      { ...service, client_id: publicExchanger, token_endpoint_auth_method: 'none' },
      {
        ...service,
        client_id: jwtExchanger,
        token_endpoint_auth_method: 'private_key_jwt',
        jwks: { keys: [toPublicJwk(exchangerKey)] },
      },
    ],
  })
  tokenEndpoint = `${op.issuer}/token`
})
afterAll(async () => {
  await op?.stop()
})

/** A JWT access token of a service client, with every scope it is registered for. */
async function serviceToken(client: { clientId: string; clientSecret: string }): Promise<string> {
  const response = await requestClientCredentialsToken({
    address: tokenEndpoint,
    ...client,
    clientAuthentication: 'client_secret_post',
    scope: client === clients.serviceReadonly ? 'api:read' : 'api:read api:write',
  })
  if (!response.isSuccessful) throw new Error(response.error)
  return response.token.access_token
}

const exchange = (init: Partial<TokenExchangeRequestInit>) =>
  requestTokenExchange({ address: tokenEndpoint, ...clients.serviceBasic, ...init })

/** The exchanged token, verified against the provider's keys. */
async function verified(token: string) {
  return validateToken(
    token,
    new TokenValidationConfig({ performDisco: true, audience: 'my-api' }),
    op.discoveryUrl,
  )
}

describe('token exchange', () => {
  it('impersonation: a token for the subject, without act', async () => {
    const subject = await serviceToken(clients.servicePost)
    const result = await requestTokenExchange(
      new TokenExchangeRequest({
        address: tokenEndpoint,
        ...clients.serviceBasic,
        subjectToken: subject,
        subjectTokenType: TokenTypeIdentifiers.AccessToken,
        requestedTokenType: TokenTypeIdentifiers.AccessToken,
        scope: 'api:read',
      }),
    )
    if (!result.isSuccessful) throw new Error(`${result.error}: ${result.errorDescription}`)
    expect(result.token).toMatchObject({
      issued_token_type: TokenTypeIdentifiers.AccessToken,
      token_type: 'Bearer',
      scope: 'api:read',
    })
    expect(result.token.expires_in).toBeGreaterThan(0)
    const claims = await verified(result.token.access_token)
    expect(claims).toMatchObject({
      sub: clients.servicePost.clientId,
      scope: 'api:read',
      aud: 'my-api',
    })
    expect(claims).not.toHaveProperty('act')
    // The exchanging client is the one the token was issued to.
    expect(claims.client_id).toBe(clients.serviceBasic.clientId)
  })

  it('delegation: the actor becomes act, and a second delegation nests it', async () => {
    const subject = await serviceToken(clients.servicePost)
    const actor = await serviceToken(clients.serviceReadonly)
    const first = await exchange({
      subjectToken: subject,
      subjectTokenType: TokenTypeIdentifiers.AccessToken,
      actorToken: actor,
      actorTokenType: TokenTypeIdentifiers.AccessToken,
    })
    if (!first.isSuccessful) throw new Error(first.error)
    const delegated = await verified(first.token.access_token)
    expect(delegated.sub).toBe(clients.servicePost.clientId)
    expect(delegated.act).toEqual({ sub: clients.serviceReadonly.clientId })

    const second = await exchange({
      subjectToken: first.token.access_token,
      subjectTokenType: TokenTypeIdentifiers.Jwt,
      actorToken: await serviceToken(clients.serviceBasic),
      actorTokenType: TokenTypeIdentifiers.AccessToken,
    })
    if (!second.isSuccessful) throw new Error(second.error)
    expect((await verified(second.token.access_token)).act).toEqual({
      sub: clients.serviceBasic.clientId,
      act: { sub: clients.serviceReadonly.clientId },
    })
  })

  it('an audience of the opaque resource issues an opaque token that introspects active', async () => {
    const subject = await serviceToken(clients.servicePost)
    const result = await exchange({
      subjectToken: subject,
      subjectTokenType: TokenTypeIdentifiers.AccessToken,
      audience: 'opaque-api',
      scope: ['api:read'],
    })
    if (!result.isSuccessful) throw new Error(result.error)
    expect(result.token.access_token.split('.')).toHaveLength(1)
    const introspected = await introspectToken({
      address: `${op.issuer}/token/introspection`,
      ...clients.serviceBasic,
      token: result.token.access_token,
    })
    expect(introspected).toMatchObject({
      active: true,
      claims: { aud: 'opaque-api', scope: 'api:read', sub: clients.servicePost.clientId },
    })
  })

  it('works with private_key_jwt and none client authentication', async () => {
    const subject = await serviceToken(clients.servicePost)
    const base = {
      address: tokenEndpoint,
      subjectToken: subject,
      subjectTokenType: TokenTypeIdentifiers.AccessToken,
    }
    const withKey = await requestTokenExchange({
      ...base,
      clientId: jwtExchanger,
      privateKey: exchangerKey as JWK,
    })
    expect(withKey).toMatchObject({
      isSuccessful: true,
      token: { issued_token_type: TokenTypeIdentifiers.AccessToken },
    })
    const publicClient = await requestTokenExchange({ ...base, clientId: publicExchanger })
    if (!publicClient.isSuccessful) throw new Error(publicClient.error)
    expect((await verified(publicClient.token.access_token)).client_id).toBe(publicExchanger)
  })
})

describe('token exchange failures', () => {
  it('an invalid subject token is invalid_grant, without the token in the result', async () => {
    const subjectToken = 'not-a-token-this-provider-issued'
    const result = await exchange({
      subjectToken,
      subjectTokenType: TokenTypeIdentifiers.AccessToken,
    })
    expect(result).toMatchObject({
      isSuccessful: false,
      errorType: 'protocol',
      error: 'invalid_grant',
      httpStatus: 400,
    })
    expect(JSON.stringify(result)).not.toContain(subjectToken)
  })

  it('a scope beyond the subject token is invalid_scope', async () => {
    const subject = await serviceToken(clients.serviceReadonly)
    const result = await exchange({
      subjectToken: subject,
      subjectTokenType: TokenTypeIdentifiers.AccessToken,
      scope: 'api:write',
    })
    expect(result).toMatchObject({
      isSuccessful: false,
      errorType: 'protocol',
      error: 'invalid_scope',
    })
  })

  it('a subject token type the provider does not take is invalid_request', async () => {
    const subject = await serviceToken(clients.servicePost)
    const result = await exchange({
      subjectToken: subject,
      subjectTokenType: TokenTypeIdentifiers.Saml2,
    })
    expect(result).toMatchObject({
      isSuccessful: false,
      errorType: 'protocol',
      error: 'invalid_request',
    })
  })

  it('a client not registered for the grant is refused', async () => {
    const subject = await serviceToken(clients.servicePost)
    const result = await requestTokenExchange({
      address: tokenEndpoint,
      ...clients.servicePost,
      subjectToken: subject,
      subjectTokenType: TokenTypeIdentifiers.AccessToken,
    })
    // oidc-provider answers invalid_request (not unauthorized_client) for an unregistered grant.
    expect(result).toMatchObject({
      isSuccessful: false,
      errorType: 'protocol',
      error: 'invalid_request',
    })
  })
})
