/**
 * Encrypted ID tokens and UserInfo responses (OpenID Connect Core §10.2): the client holds a
 * private encryption key, registers its public half (jwks) with `id_token_encrypted_response_alg`
 * and `userinfo_encrypted_response_alg`, and gives the private key as `decryptionKey`.
 *
 * Run against a provider that knows this client: set ISSUER, CLIENT_ID, ID_TOKEN, ACCESS_TOKEN,
 * NONCE and DECRYPTION_KEY (the private JWK, as JSON). The integration test
 * test/integration/standards-encryption.test.ts runs the same steps against the testbed.
 */
import { getUserInfo, type JsonWebKey, validateIdToken } from 'identity-model'

const issuer = process.env.ISSUER ?? 'http://127.0.0.1:4000'
const clientId = process.env.CLIENT_ID ?? 'enc-rsa'
const decryptionKey = JSON.parse(process.env.DECRYPTION_KEY ?? '{}') as JsonWebKey
const idToken = process.env.ID_TOKEN ?? ''
const accessToken = process.env.ACCESS_TOKEN ?? ''

// The ID token is a JWE around the signed token: decrypted, then validated as usual.
const claims = await validateIdToken(
  idToken,
  { performDisco: true, clientId, nonce: process.env.NONCE, decryptionKey, accessToken },
  issuer,
)
console.log('signed in as', claims.sub)

// The UserInfo answer: signed, then encrypted (or encrypted JSON only).
const userInfo = await getUserInfo({
  address: `${issuer}/me`,
  token: accessToken,
  expectedSubject: claims.sub,
  decryptionKey,
  signedResponse: { performDisco: true, discoDocAddress: issuer, clientId },
})
if (userInfo.isSuccessful) console.log('email:', userInfo.claims.email)
else console.log('UserInfo failed:', userInfo.errorType, userInfo.error)
