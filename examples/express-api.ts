/**
 * An Express 5 API protected by bearer tokens.
 *
 *   ISSUER=https://id.example.com AUDIENCE=my-api npx tsx examples/express-api.ts
 *   curl -H "Authorization: Bearer $TOKEN" http://127.0.0.1:3000/orders
 */
import express from 'express'
import { protectedResourceMetadata } from 'identity-model'
import { requireScopes, requireToken, serveProtectedResourceMetadata } from 'identity-model/express'

const issuer = process.env.ISSUER ?? 'https://id.example.com'
const audience = process.env.AUDIENCE ?? 'my-api'
const port = Number(process.env.PORT ?? 3000)

// RFC 9728: tells clients which authorization server to get tokens from.
const metadata = protectedResourceMetadata({
  resource: `http://127.0.0.1:${port}`,
  authorizationServers: [issuer],
  scopesSupported: ['api:read', 'api:write'],
})

// Built once, shared by every route: discovery and keys are cached, not fetched per request.
const auth = requireToken({
  discoDocAddress: issuer,
  audience,
  resourceMetadata: metadata,
  // Why a request was refused (never contains the token): for logs and metrics.
  onRefusal: (refusal) => {
    if (refusal.status >= 500) console.error('auth:', refusal.status, refusal.cause)
  },
})

const app = express()
app.get(metadata.path, serveProtectedResourceMetadata(metadata))
app.get('/health', (_req, res) => {
  res.json({ ok: true })
})
app.get('/orders', auth, (req, res) => {
  res.json({ orders: [], for: req.userClaims?.sub })
})
app.post('/orders', auth, requireScopes('api:write'), (req, res) => {
  res.status(201).json({ created: true, by: req.userClaims?.client_id })
})

const server = app.listen(port, '127.0.0.1', () => {
  console.log(`listening on http://127.0.0.1:${port} (issuer ${issuer})`)
})
process.on('SIGINT', () => server.close())
