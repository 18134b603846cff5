/**
 * private_key_jwt (RFC 7523, OpenID Connect Core §9): the client proves who it is with a JWT
 * signed by its private key instead of a shared secret. The provider knows the public key
 * (registered as `jwks` or `jwks_uri`).
 *
 * Try it against the testbed (its jwt-client key is in testbed/keys.json, TEST-ONLY):
 *   npx tsx testbed/serve.ts 4000
 *   node -e "const k=require('./testbed/keys.json').clientKeys['jwt-client'][0];require('fs').writeFileSync('/tmp/jwt-client.json',JSON.stringify(k))"
 *   ISSUER=http://127.0.0.1:4000 PRIVATE_KEY_FILE=/tmp/jwt-client.json npx tsx examples/private-key-jwt.ts
 */
import { createPrivateKey, type KeyObject } from 'node:crypto'
import { readFileSync } from 'node:fs'
import {
  type ClientAuthenticationMethod,
  getDiscoveryDocument,
  introspectToken,
  requestClientCredentialsToken,
} from 'identity-model'

const issuer = process.env.ISSUER ?? 'http://127.0.0.1:4000'
const clientId = process.env.CLIENT_ID ?? 'jwt-client'
const keyFile = process.env.PRIVATE_KEY_FILE
if (!keyFile) throw new Error('set PRIVATE_KEY_FILE to a PEM private key or a private JWK (JSON)')

// A PEM key becomes a KeyObject; a JWK is used as is (its `kid` goes into the assertion header).
const text = readFileSync(keyFile, 'utf8')
const privateKey: KeyObject | Record<string, string> = text.trimStart().startsWith('{')
  ? (JSON.parse(text) as Record<string, string>)
  : createPrivateKey(text)

const disco = await getDiscoveryDocument({ address: issuer })
if (!disco.isSuccessful) throw new Error(`discovery failed: ${disco.error}`)

const method: ClientAuthenticationMethod = 'private_key_jwt'
const response = await requestClientCredentialsToken({
  address: disco.tokenEndpoint,
  clientId,
  clientAuthentication: method,
  privateKey,
  // The algorithm follows the key (RSA → RS256, P-256 → ES256 ...) unless set here:
  // clientAssertionAlg: 'PS256',
  // Providers that want the issuer as the assertion's audience (Auth0, the RFC 7523 update):
  // clientAssertionAudience: disco.issuer,
  scope: 'api:read',
})
if (!response.isSuccessful) {
  console.log(
    'token request failed:',
    response.errorType,
    response.error,
    response.errorDescription,
  )
  process.exit(1)
}
console.log('token issued, expires in', response.token.expires_in, 's')

// The same credentials authenticate at introspection and revocation.
if (disco.introspectionEndpoint) {
  const self = await introspectToken({
    address: disco.introspectionEndpoint,
    clientId,
    privateKey,
    token: 'an-unknown-token',
  })
  console.log('introspection answered:', self.isSuccessful ? `active=${self.active}` : self.error)
}
