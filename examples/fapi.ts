/**
 * FAPI 2.0 Security Profile with `profile: 'fapi2'`: check the provider, then PAR with a signed
 * request object, DPoP-bound tokens and private_key_jwt (the issuer as assertion audience); the
 * profile refuses anything non-conforming before it is sent, with the reasons.
 *
 * Try it against the TLS testbed (its `fapi-dpop` client runs under oidc-provider's FAPI 2.0
 * profile; a browser signs in, paste the URL it lands on):
 *   npx tsx testbed/serve-fapi.ts /tmp/fapi      # prints the issuer
 *   ISSUER=https://127.0.0.1:<port> FILES=/tmp/fapi npx tsx examples/fapi.ts
 */
import { readFileSync } from 'node:fs'
import { createInterface } from 'node:readline/promises'
import {
  ConfigurationError,
  createDpop,
  createTlsFetch,
  getDiscoveryDocument,
  parseAuthorizationResponse,
  pushAuthorizationRequest,
  requestAuthorizationCodeToken,
  validateFapiDiscovery,
  validateIdToken,
} from 'identity-model'

const issuer = process.env.ISSUER ?? 'https://127.0.0.1:4443'
const files = process.env.FILES ?? '/tmp/fapi'
const clientId = process.env.CLIENT_ID ?? 'fapi-dpop'
const redirectUri = process.env.REDIRECT_URI ?? 'https://127.0.0.1:9/callback'
const privateKey = JSON.parse(readFileSync(`${files}/client-key.json`, 'utf8')) as Record<
  string,
  string
>
const fetch = createTlsFetch({ ca: readFileSync(`${files}/ca.pem`, 'utf8') })

const disco = await getDiscoveryDocument({ address: issuer, fetch })
if (!disco.isSuccessful) throw new Error(`discovery failed: ${disco.error}`)
const capable = validateFapiDiscovery(disco)
if (!capable.isCompliant)
  throw new Error(`not a FAPI 2.0 provider:\n${capable.violations.join('\n')}`)

// What the profile refuses, before any request: a shared secret and unbound tokens.
try {
  await pushAuthorizationRequest({
    address: disco.pushedAuthorizationRequestEndpoint,
    authorizationEndpoint: disco.authorizationEndpoint!,
    clientId,
    clientSecret: 'a shared secret',
    redirectUri,
    profile: 'fapi2',
  })
} catch (error) {
  if (!(error instanceof ConfigurationError)) throw error
  console.log(`refused as expected: ${error.message}\n`)
}

const dpop = await createDpop() // ES256; keep the handle for the tokens' lifetime
const client = {
  clientId,
  privateKey,
  clientAssertionAudience: disco.issuer,
  profile: 'fapi2' as const,
  fetch,
}
const par = await pushAuthorizationRequest({
  ...client,
  address: disco.pushedAuthorizationRequestEndpoint,
  authorizationEndpoint: disco.authorizationEndpoint!,
  redirectUri,
  scope: 'openid',
  dpop,
  requestObject: { key: privateKey, audience: disco.issuer },
})
if (!par.isSuccessful) throw new Error(`PAR failed: ${par.errorType} ${par.error}`)
console.log(`open in a browser:\n  ${par.url}`)
const lines = createInterface({ input: process.stdin, output: process.stdout })
const callback = await lines.question('paste the URL the browser lands on: ')
lines.close()

// FAPI 2.0 requires iss in the response (RFC 9207): the profile makes it mandatory.
const response = parseAuthorizationResponse(callback.trim(), {
  expectedState: par.state,
  discovery: disco,
  profile: 'fapi2',
})
if (!response.isSuccessful) throw new Error(`refused: ${response.errorType} ${response.error}`)
const tokens = await requestAuthorizationCodeToken({
  ...client,
  address: disco.tokenEndpoint,
  code: response.code,
  redirectUri,
  codeVerifier: par.codeVerifier,
  dpop,
})
if (!tokens.isSuccessful) throw new Error(`code exchange failed: ${tokens.error}`)
const claims = await validateIdToken(
  tokens.token.id_token ?? '',
  { performDisco: true, clientId, nonce: par.nonce, profile: 'fapi2', fetch },
  issuer,
)
console.log(`signed in as ${claims.sub}; token_type ${tokens.token.token_type}`)
