/**
 * A Hono API (on Node.js) protected by bearer tokens with identity-model/web: a `Request` in,
 * the claims or a ready error `Response` out.
 *
 *   ISSUER=https://id.example.com AUDIENCE=my-api npx tsx examples/hono-api.ts
 */
import { serve } from '@hono/node-server'
import { Hono } from 'hono'
import { type Claims, protectedResourceMetadata } from 'identity-model'
import { requireToken, serveProtectedResourceMetadata } from 'identity-model/web'

const issuer = process.env.ISSUER ?? 'https://id.example.com'
const audience = process.env.AUDIENCE ?? 'my-api'
const port = Number(process.env.PORT ?? 3000)

const metadata = protectedResourceMetadata({
  resource: `http://127.0.0.1:${port}`,
  authorizationServers: [issuer],
})

// Built once at module level; each check costs only the token's verification.
const options = { discoDocAddress: issuer, audience, resourceMetadata: metadata }
const authenticate = requireToken(options)
const canWrite = requireToken({ ...options, requiredScopes: 'api:write' })

const app = new Hono<{ Variables: { claims: Claims } }>()

app.get('/health', (c) => c.json({ ok: true }))
app.get(metadata.path, serveProtectedResourceMetadata(metadata))

// As middleware for a group of routes: refuse, or hand the claims to the handlers.
app.use('/orders/*', async (c, next) => {
  const claims = await authenticate(c.req.raw)
  if (claims instanceof Response) return claims
  c.set('claims', claims)
  await next()
})

app.get('/orders/mine', (c) => c.json({ orders: [], for: c.get('claims').sub }))

// Or per handler, with its own requirements.
app.post('/orders/new', async (c) => {
  const claims = await canWrite(c.req.raw)
  if (claims instanceof Response) return claims
  return c.json({ created: true, by: claims.client_id }, 201)
})

serve({ fetch: app.fetch, port, hostname: '127.0.0.1' }, (info) => {
  console.log(`listening on http://127.0.0.1:${info.port} (issuer ${issuer})`)
})
