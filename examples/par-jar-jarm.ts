/**
 * PAR (RFC 9126) with a signed request object (RFC 9101) and a JARM response: push the request,
 * send the browser to the short URL, verify the signed response, exchange the code.
 *
 * Try it against the TLS testbed (a browser signs in; paste the URL it lands on):
 *   npx tsx testbed/serve-fapi.ts /tmp/fapi      # prints the issuer
 *   ISSUER=https://127.0.0.1:<port> FILES=/tmp/fapi npx tsx examples/par-jar-jarm.ts
 */
import { readFileSync } from 'node:fs'
import { createInterface } from 'node:readline/promises'
import {
  createTlsFetch,
  getDiscoveryDocument,
  processJarmResponse,
  pushAuthorizationRequest,
  requestAuthorizationCodeToken,
  validateIdToken,
} from 'identity-model'

const issuer = process.env.ISSUER ?? 'https://127.0.0.1:4443'
const files = process.env.FILES ?? '/tmp/fapi'
const clientId = process.env.CLIENT_ID ?? 'par-private-key-jwt'
const redirectUri = process.env.REDIRECT_URI ?? 'https://127.0.0.1:9/callback'
// The client's private JWK: it authenticates the client (private_key_jwt) and signs the request.
const privateKey = JSON.parse(readFileSync(`${files}/client-key.json`, 'utf8')) as Record<
  string,
  string
>
// The testbed's certificate comes from a test CA; a real provider needs no `fetch` here.
const fetch = createTlsFetch({ ca: readFileSync(`${files}/ca.pem`, 'utf8') })

const disco = await getDiscoveryDocument({ address: issuer, fetch })
if (!disco.isSuccessful) throw new Error(`discovery failed: ${disco.error}`)

const par = await pushAuthorizationRequest({
  address: disco.pushedAuthorizationRequestEndpoint,
  authorizationEndpoint: disco.authorizationEndpoint!,
  clientId,
  privateKey,
  redirectUri,
  scope: 'openid profile',
  responseMode: 'jwt', // JARM: the response comes back as a JWT the provider signed
  requestObject: { key: privateKey, audience: disco.issuer },
  fetch,
})
if (!par.isSuccessful) throw new Error(`PAR failed: ${par.errorType} ${par.error}`)
console.log(`open in a browser (valid ${par.expiresIn} s):\n  ${par.url}`)

const lines = createInterface({ input: process.stdin, output: process.stdout })
const callback = await lines.question('paste the URL the browser lands on: ')
lines.close()

const response = await processJarmResponse(callback.trim(), {
  expectedState: par.state,
  clientId,
  discoDocAddress: issuer,
  fetch,
})
if (!response.isSuccessful) throw new Error(`refused: ${response.errorType} ${response.error}`)

const tokens = await requestAuthorizationCodeToken({
  address: disco.tokenEndpoint,
  clientId,
  privateKey,
  code: response.code,
  redirectUri,
  codeVerifier: par.codeVerifier,
  fetch,
})
if (!tokens.isSuccessful) throw new Error(`code exchange failed: ${tokens.error}`)
const claims = await validateIdToken(
  tokens.token.id_token ?? '',
  { performDisco: true, clientId, nonce: par.nonce, fetch },
  issuer,
)
console.log(`signed in as ${claims.sub}`)
