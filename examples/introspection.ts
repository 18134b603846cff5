/**
 * Introspection (RFC 7662) and revocation (RFC 7009): a resource server asks whether an opaque
 * token is active; the client that owns the token revokes it.
 *
 * Try it against the testbed:
 *   npx tsx testbed/serve.ts 4000
 *   ISSUER=http://127.0.0.1:4000 IDENTITY_MODEL_CLIENT_SECRET=service-post-secret \
 *   API_CLIENT_SECRET='s3cr:et%+ with spaces/and=more' npx tsx examples/introspection.ts
 */
import {
  getDiscoveryDocument,
  introspectToken,
  requestClientCredentialsToken,
  revokeToken,
  TokenIntrospectionRequest,
} from 'identity-model'

const issuer = process.env.ISSUER ?? 'http://127.0.0.1:4000'
// The client that gets (and later revokes) the token.
const clientId = process.env.CLIENT_ID ?? 'service-post'
const clientSecret = process.env.IDENTITY_MODEL_CLIENT_SECRET
// The resource server, which introspects with its own credentials.
const apiClientId = process.env.API_CLIENT_ID ?? 'service-basic'
const apiClientSecret = process.env.API_CLIENT_SECRET
if (!clientSecret || !apiClientSecret) {
  throw new Error('set IDENTITY_MODEL_CLIENT_SECRET and API_CLIENT_SECRET')
}

const disco = await getDiscoveryDocument({ address: issuer })
if (!disco.isSuccessful) throw new Error(`discovery failed: ${disco.error}`)
const { tokenEndpoint, introspectionEndpoint, revocationEndpoint } = disco
if (!introspectionEndpoint || !revocationEndpoint) {
  throw new Error('the provider has no introspection or revocation endpoint')
}

const issued = await requestClientCredentialsToken({
  address: tokenEndpoint,
  clientId,
  clientSecret,
  clientAuthentication: 'client_secret_post',
  scope: 'api:read',
  resource: 'https://opaque.example.test', // the testbed's resource with opaque tokens
})
if (!issued.isSuccessful) throw new Error(`token request failed: ${issued.error}`)
const token = issued.token.access_token

const introspect = () =>
  introspectToken(
    new TokenIntrospectionRequest({
      address: introspectionEndpoint,
      clientId: apiClientId,
      clientSecret: apiClientSecret,
      token,
      tokenTypeHint: 'access_token',
    }),
  )

const before = await introspect()
if (!before.isSuccessful) throw new Error(`introspection failed: ${before.error}`)
// Check `active` first: nothing else about an inactive token may be relied on.
if (before.active) {
  const { scope, client_id, exp } = before.claims
  console.log(
    `active: scope=${scope} client_id=${client_id} expires=${new Date((exp ?? 0) * 1000).toISOString()}`,
  )
}

const revoked = await revokeToken({
  address: revocationEndpoint,
  clientId,
  clientSecret,
  clientAuthentication: 'client_secret_post',
  token,
  tokenTypeHint: 'access_token',
})
if (!revoked.isSuccessful) {
  // The token may still be valid: retry later (after `retryAfter` seconds when the server said).
  console.log('revocation failed:', revoked.error, revoked.retryAfter ?? '')
  process.exit(1)
}

const after = await introspect()
console.log('after revocation, active =', after.isSuccessful ? after.active : after.error)
