/**
 * The JWT bearer grant (RFC 7523): sign an assertion about a user with a key the authorization
 * server trusts, and trade it for an access token.
 *
 * Env: ISSUER, CLIENT_ID, IDENTITY_MODEL_CLIENT_SECRET, ASSERTION_KEY (a private JWK, as JSON,
 * trusted by the server for ASSERTION_ISSUER).
 */
import {
  createJwtBearerAssertion,
  getDiscoveryDocument,
  type JsonWebKey,
  requestJwtBearerToken,
} from 'identity-model'

const issuer = process.env.ISSUER ?? 'http://127.0.0.1:4000'
const clientId = process.env.CLIENT_ID ?? 'jwt-bearer-client'
const clientSecret = process.env.IDENTITY_MODEL_CLIENT_SECRET
if (!clientSecret) throw new Error('set IDENTITY_MODEL_CLIENT_SECRET')
const key = JSON.parse(process.env.ASSERTION_KEY ?? '{}') as JsonWebKey

const disco = await getDiscoveryDocument({ address: issuer })
if (!disco.isSuccessful) throw new Error(disco.error)

const assertion = await createJwtBearerAssertion({
  key,
  issuer: process.env.ASSERTION_ISSUER ?? 'https://assertions.example.test',
  subject: 'alice',
  audience: disco.issuer,
})
const result = await requestJwtBearerToken({
  address: disco.tokenEndpoint,
  clientId,
  clientSecret,
  assertion,
  scope: 'api:read',
})
if (result.isSuccessful) console.log('token for alice, expires in', result.token.expires_in)
else console.log('refused:', result.error, result.errorDescription)
