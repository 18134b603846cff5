/**
 * RFC 9701 JWT introspection responses: a resource server asks for signed answers and verifies
 * them with the provider's keys; the middleware does the same with `jwtResponse: true`.
 *
 * Try it against the testbed with its standards profile (test/integration/standards-jwt-introspection.test.ts
 * starts one): ISSUER, CLIENT_ID=jwt-introspector, IDENTITY_MODEL_CLIENT_SECRET, TOKEN.
 */
import { createBearerAuthenticator, getDiscoveryDocument, introspectToken } from 'identity-model'

const issuer = process.env.ISSUER ?? 'http://127.0.0.1:4000'
const clientId = process.env.CLIENT_ID ?? 'jwt-introspector'
const clientSecret = process.env.IDENTITY_MODEL_CLIENT_SECRET
if (!clientSecret) throw new Error('set IDENTITY_MODEL_CLIENT_SECRET')
const token = process.env.TOKEN ?? ''

const disco = await getDiscoveryDocument({ address: issuer })
if (!disco.isSuccessful) throw new Error(disco.error)

const result = await introspectToken({
  address: disco.introspectionEndpoint,
  clientId,
  clientSecret,
  token,
  jwtResponse: true,
  discoDocAddress: issuer,
})
if (!result.isSuccessful) console.log('refused:', result.errorType, result.error)
else if (result.active) console.log('active, signed by', result.jwtClaims?.iss, result.claims.scope)
else console.log('not active')

// The same, inside the resource-server core every adapter uses.
const authenticate = createBearerAuthenticator({
  discoDocAddress: issuer,
  audience: 'opaque-api',
  introspection: { clientId, clientSecret, jwtResponse: true },
})
const outcome = await authenticate(`Bearer ${token}`)
console.log(outcome.ok ? 'accepted' : `refused with ${outcome.status}`)
