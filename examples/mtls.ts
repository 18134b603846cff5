/**
 * Mutual TLS (RFC 8705): a service authenticates with its client certificate
 * (`tls_client_auth`) at the provider's mTLS endpoint and gets a certificate-bound token; an
 * Express API over HTTPS accepts that token only from a connection presenting the certificate.
 *
 * Try it against the TLS testbed:
 *   npx tsx testbed/serve-fapi.ts /tmp/fapi      # prints the issuer
 *   ISSUER=https://127.0.0.1:<port> FILES=/tmp/fapi npx tsx examples/mtls.ts
 */
import { readFileSync } from 'node:fs'
import { createServer } from 'node:https'
import type { AddressInfo } from 'node:net'
import express from 'express'
import { createTlsFetch, getDiscoveryDocument, requestClientCredentialsToken } from 'identity-model'
import { requireToken } from 'identity-model/express'

const issuer = process.env.ISSUER ?? 'https://127.0.0.1:4443'
const files = process.env.FILES ?? '/tmp/fapi'
const ca = readFileSync(`${files}/ca.pem`, 'utf8')
const tls = {
  cert: readFileSync(`${files}/client.pem`, 'utf8'),
  key: readFileSync(`${files}/client.key`, 'utf8'),
  ca, // a real provider's certificate needs no extra CA
}
const caFetch = createTlsFetch({ ca })

// --- The API: certificate-bound tokens need `mtls: true` and the client certificate of the
// connection (the server asks for one; the token's binding decides, not the CA).
const app = express()
app.get(
  '/accounts',
  requireToken({ discoDocAddress: issuer, audience: 'my-api', mtls: true, fetch: caFetch }),
  (req, res) => {
    res.json({ client: req.userClaims?.client_id })
  },
)
const server = createServer(
  // The testbed's 127.0.0.1 server certificate; use your API's own in production.
  {
    cert: readFileSync(`${files}/server.pem`, 'utf8'),
    key: readFileSync(`${files}/server.key`, 'utf8'),
    ca,
    requestCert: true,
    rejectUnauthorized: false,
  },
  app,
)
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
const api = `https://127.0.0.1:${(server.address() as AddressInfo).port}/accounts`

// --- The client: tls_client_auth at the mTLS alias of the token endpoint.
const disco = await getDiscoveryDocument({ address: issuer, fetch: caFetch })
if (!disco.isSuccessful) throw new Error(`discovery failed: ${disco.error}`)
const token = await requestClientCredentialsToken({
  address: disco.mtlsEndpointAliases?.token_endpoint ?? disco.tokenEndpoint,
  clientId: 'par-tls',
  clientAuthentication: 'tls_client_auth',
  tls,
  scope: 'api:read',
  resource: 'https://api.example.test',
})
if (!token.isSuccessful) throw new Error(`token request failed: ${token.error}`)

const headers = { authorization: `Bearer ${token.token.access_token}` }
const withCertificate = await createTlsFetch(tls)(api, { headers })
console.log('with the certificate:', withCertificate.status, await withCertificate.json())
const withoutCertificate = await caFetch(api, { headers })
console.log(
  'without it:',
  withoutCertificate.status,
  withoutCertificate.headers.get('www-authenticate'),
)
server.close()
