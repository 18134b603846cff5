/**
 * The API under load in scenario 5, in its own process: an Express app whose one route is
 * protected by identity-model's `requireToken` or by express-oauth2-jwt-bearer's `auth()`.
 * Prints its port as the first line of stdout.
 */
import type { AddressInfo } from 'node:net'
import express from 'express'
import { auth } from 'express-oauth2-jwt-bearer'
import { requireToken } from '../src/middleware/express.js'

const [mode, issuer] = process.argv.slice(2) as ['ours' | 'auth0', string]
const app = express()
const guard =
  mode === 'ours'
    ? requireToken({ discoDocAddress: issuer, audience: 'my-api' })
    : auth({ issuerBaseURL: issuer, audience: 'my-api', tokenSigningAlg: 'RS256' })
app.get('/api', guard as express.RequestHandler, (_req, res) => {
  res.json({ ok: true })
})
const server = app.listen(0, '127.0.0.1', () => {
  console.log((server.address() as AddressInfo).port)
})
server.keepAliveTimeout = 60_000
