/**
 * Token exchange (RFC 8693): a gateway trades the caller's access token for one meant for a
 * downstream API, as the caller (impersonation) or on the caller's behalf (delegation).
 *
 * Try it against the testbed:
 *   npx tsx testbed/serve.ts 4000
 *   ISSUER=http://127.0.0.1:4000 CLIENT_ID=service-basic IDENTITY_MODEL_CLIENT_SECRET='s3cr:et%+ with spaces/and=more' \
 *     npx tsx examples/token-exchange.ts
 * (the example first gets a subject token for itself, standing in for an incoming request's token).
 */
import {
  getDiscoveryDocument,
  requestClientCredentialsToken,
  requestTokenExchange,
  TokenExchangeRequest,
  TokenTypeIdentifiers,
  TokenValidationConfig,
  validateToken,
} from 'identity-model'

const issuer = process.env.ISSUER ?? 'http://127.0.0.1:4000'
const clientId = process.env.CLIENT_ID ?? 'service-basic'
const clientSecret = process.env.IDENTITY_MODEL_CLIENT_SECRET
if (!clientSecret) throw new Error('set IDENTITY_MODEL_CLIENT_SECRET')

const disco = await getDiscoveryDocument({ address: issuer })
if (!disco.isSuccessful) throw new Error(`discovery failed: ${disco.error}`)
const tokenEndpoint = disco.tokenEndpoint

// Stand-ins for the token of an incoming request and for the gateway's own token.
const incoming = await requestClientCredentialsToken({
  address: tokenEndpoint,
  clientId,
  clientSecret,
  scope: 'api:read api:write',
})
if (!incoming.isSuccessful) throw new Error(`token request failed: ${incoming.error}`)
const subjectToken = incoming.token.access_token

// Impersonation: only the subject token. The new token speaks for the subject, narrowed to api:read.
const impersonated = await requestTokenExchange(
  new TokenExchangeRequest({
    address: tokenEndpoint,
    clientId,
    clientSecret,
    subjectToken,
    subjectTokenType: TokenTypeIdentifiers.AccessToken,
    audience: 'my-api',
    scope: 'api:read',
  }),
)
if (!impersonated.isSuccessful) {
  console.log('exchange refused:', impersonated.error, impersonated.errorDescription)
  process.exit(1)
}
console.log('issued:', impersonated.token.issued_token_type, impersonated.token.scope)

// Delegation: the actor token names who acts; the new token carries it in `act` (RFC 8693 §4.1).
const delegated = await requestTokenExchange({
  address: tokenEndpoint,
  clientId,
  clientSecret,
  subjectToken,
  subjectTokenType: TokenTypeIdentifiers.AccessToken,
  actorToken: subjectToken,
  actorTokenType: TokenTypeIdentifiers.AccessToken,
  scope: 'api:read',
})
if (!delegated.isSuccessful) throw new Error(`delegation refused: ${delegated.error}`)

// A downstream API validates the exchanged token like any other and can see who acts.
const claims = await validateToken(
  delegated.token.access_token,
  new TokenValidationConfig({ performDisco: true, audience: 'my-api' }),
  issuer,
)
console.log('subject:', claims.sub, 'actor:', JSON.stringify(claims.act))
