/**
 * A Hono API protected by bearer tokens with identity-model/hono: native middleware, the claims
 * at `c.get('userClaims')`, `requireScopes` per route. The same app runs on Node (here, with
 * @hono/node-server), Bun, Deno and Cloudflare Workers.
 *
 *   ISSUER=https://id.example.com AUDIENCE=my-api npx tsx examples/hono-api.ts
 */
import { serve } from '@hono/node-server'
import { Hono } from 'hono'
import { protectedResourceMetadata } from 'identity-model'
import { requireScopes, requireToken, serveProtectedResourceMetadata } from 'identity-model/hono'

const issuer = process.env.ISSUER ?? 'https://id.example.com'
const audience = process.env.AUDIENCE ?? 'my-api'
const port = Number(process.env.PORT ?? 3000)

const metadata = protectedResourceMetadata({
  resource: `http://127.0.0.1:${port}`,
  authorizationServers: [issuer],
})

const app = new Hono()

app.get('/health', (c) => c.json({ ok: true }))
app.get(metadata.path, serveProtectedResourceMetadata(metadata))

// Built once at module level; each request pays only for its token's verification.
app.use(
  '/orders/*',
  requireToken({ discoDocAddress: issuer, audience, resourceMetadata: metadata }),
)

app.get('/orders/mine', (c) => c.json({ orders: [], for: c.get('userClaims').sub }))

// A scope on top, for one route: 403 insufficient_scope naming it when missing.
app.post('/orders/new', requireScopes('api:write'), (c) =>
  c.json({ created: true, by: c.get('userClaims').client_id }, 201),
)

serve({ fetch: app.fetch, port, hostname: '127.0.0.1' }, (info) => {
  console.log(`listening on http://127.0.0.1:${info.port} (issuer ${issuer})`)
})
