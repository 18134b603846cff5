/**
 * Dynamic client registration (RFC 7591) and its management (RFC 7592): register a service
 * client, use it, read and update its registration, then delete it.
 *
 * Try it against the testbed (its registration is open):
 *   npx tsx testbed/serve.ts 4000
 *   ISSUER=http://127.0.0.1:4000 npx tsx examples/registration.ts
 * Providers that require an initial access token: set INITIAL_ACCESS_TOKEN.
 */
import {
  ClientRegistrationRequest,
  deleteClientRegistration,
  getClientRegistration,
  getDiscoveryDocument,
  registerClient,
  requestClientCredentialsToken,
  updateClientRegistration,
} from 'identity-model'

const issuer = process.env.ISSUER ?? 'http://127.0.0.1:4000'
const disco = await getDiscoveryDocument({ address: issuer })
if (!disco.isSuccessful) throw new Error(`discovery failed: ${disco.error}`)
if (!disco.registrationEndpoint) throw new Error('the provider does not offer registration')

const registered = await registerClient(
  new ClientRegistrationRequest({
    address: disco.registrationEndpoint,
    initialAccessToken: process.env.INITIAL_ACCESS_TOKEN,
    // Wire names, as RFC 7591 §2 spells them.
    metadata: {
      client_name: 'nightly-report',
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      token_endpoint_auth_method: 'client_secret_basic',
      scope: 'api:read',
    },
  }),
)
if (!registered.isSuccessful) {
  console.log('registration refused:', registered.error, registered.errorDescription)
  process.exit(1)
}
// Store the secret and the registration access token as the credentials they are; never log them.
const { clientId, clientSecret, registrationClientUri } = registered
let registrationAccessToken = registered.registrationAccessToken
console.log('registered', clientId, 'as', registered.metadata.token_endpoint_auth_method)

const token = await requestClientCredentialsToken({
  address: disco.tokenEndpoint,
  clientId,
  clientSecret,
  scope: 'api:read',
})
console.log('token for the new client:', token.isSuccessful ? 'issued' : token.error)

if (registrationClientUri && registrationAccessToken) {
  const current = await getClientRegistration({
    address: registrationClientUri,
    registrationAccessToken,
  })
  if (!current.isSuccessful) throw new Error(`read failed: ${current.error}`)
  registrationAccessToken = current.registrationAccessToken ?? registrationAccessToken

  // An update replaces the whole registration: start from what was read.
  const updated = await updateClientRegistration({
    address: registrationClientUri,
    registrationAccessToken,
    metadata: { ...current.metadata, client_name: 'nightly-report-v2' },
  })
  if (!updated.isSuccessful) throw new Error(`update failed: ${updated.error}`)
  console.log('renamed to', updated.metadata.client_name)
  // Some providers rotate the registration access token on every call.
  registrationAccessToken = updated.registrationAccessToken ?? registrationAccessToken

  const deleted = await deleteClientRegistration({
    address: registrationClientUri,
    registrationAccessToken,
  })
  console.log('deleted:', deleted.isSuccessful ? 'yes' : deleted.error)
}
