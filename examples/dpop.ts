/**
 * DPoP (RFC 9449) end to end: a service gets tokens bound to its own key, and an Express API
 * accepts them only with a fresh proof of that key, asking for nonces.
 *
 * Try it against the testbed:
 *   npx tsx testbed/serve.ts 4000
 *   ISSUER=http://127.0.0.1:4000 CLIENT_ID=service-basic IDENTITY_MODEL_CLIENT_SECRET='s3cr:et%+ with spaces/and=more' \
 *     npx tsx examples/dpop.ts
 */
import type { AddressInfo } from 'node:net'
import express from 'express'
import {
  createAuthorizedFetch,
  createDpop,
  createDpopFetch,
  createDpopNonces,
  getDiscoveryDocument,
  TokenManager,
} from 'identity-model'
import { requireToken } from 'identity-model/express'

const issuer = process.env.ISSUER ?? 'http://127.0.0.1:4000'
const clientId = process.env.CLIENT_ID ?? 'service-basic'
const clientSecret = process.env.IDENTITY_MODEL_CLIENT_SECRET
if (!clientSecret) throw new Error('set IDENTITY_MODEL_CLIENT_SECRET')

// --- The API: accepts DPoP-bound tokens with their proofs (and plain bearer tokens that are not
// bound), asks clients for nonces, and refuses replayed proofs.
const app = express()
app.get(
  '/orders',
  requireToken({
    discoDocAddress: issuer,
    audience: 'my-api',
    requiredScopes: 'api:read',
    dpop: {
      nonce: createDpopNonces(), // in a fleet: createDpopNonces({ secret }) with a shared secret
      // origin: 'https://api.example.com', // the public origin, behind a proxy or TLS terminator
    },
  }),
  (req, res) => {
    res.json({ orders: [], boundTo: (req.userClaims?.cnf as { jkt?: string } | undefined)?.jkt })
  },
)
const server = app.listen(0, '127.0.0.1')
await new Promise((resolve) => server.once('listening', resolve))
const api = `http://127.0.0.1:${(server.address() as AddressInfo).port}`

// --- The client: one DPoP key for its whole life; every token it gets is bound to that key.
const dpop = await createDpop() // ES256; or createDpop({ privateKey }) for a key you keep
console.log('DPoP key thumbprint (cnf.jkt of our tokens):', dpop.thumbprint)

const disco = await getDiscoveryDocument({ address: issuer })
if (!disco.isSuccessful) throw new Error(`discovery failed: ${disco.error}`)

// The manager's token requests carry DPoP proofs (and retry once when the provider asks for a
// nonce); its authorized fetch sends `Authorization: DPoP <token>` and a proof per call, and
// retries once when the API asks for a nonce.
const manager = new TokenManager({
  request: { address: disco.tokenEndpoint, clientId, clientSecret, scope: 'api:read', dpop },
})
const call = createAuthorizedFetch(manager)
const response = await call(`${api}/orders`)
console.log('with the key:', response.status, await response.json())

// A thief with the token but not the key gets nowhere: as a bearer token, or with its own key.
const stolen = await manager.getAccessToken()
const asBearer = await fetch(`${api}/orders`, { headers: { authorization: `Bearer ${stolen}` } })
console.log('stolen, as bearer:', asBearer.status, asBearer.headers.get('www-authenticate'))
const thief = createDpopFetch(await createDpop(), { accessToken: stolen })
const withOtherKey = await thief(`${api}/orders`)
console.log('stolen, other key:', withOtherKey.status, (await withOtherKey.json()) as unknown)

server.close()
