/**
 * A Fastify 5 API protected by bearer tokens: the plugin guards every route of the scope it is
 * registered in; routes outside that scope stay public.
 *
 *   ISSUER=https://id.example.com AUDIENCE=my-api npx tsx examples/fastify-api.ts
 */
import Fastify from 'fastify'
import { protectedResourceMetadata } from 'identity-model'
import { bearerAuth, requireScopes, serveProtectedResourceMetadata } from 'identity-model/fastify'

const issuer = process.env.ISSUER ?? 'https://id.example.com'
const audience = process.env.AUDIENCE ?? 'my-api'
const port = Number(process.env.PORT ?? 3000)

const metadata = protectedResourceMetadata({
  resource: `http://127.0.0.1:${port}`,
  authorizationServers: [issuer],
})

const app = Fastify({ logger: { level: 'warn' } })

// Public: outside the protected scope.
app.get('/health', async () => ({ ok: true }))
app.get(metadata.path, serveProtectedResourceMetadata(metadata))

// Protected: everything registered in this scope needs a valid token.
app.register(async (api) => {
  await api.register(bearerAuth, { discoDocAddress: issuer, audience, resourceMetadata: metadata })

  api.get('/orders', async (request) => ({ orders: [], for: request.userClaims?.sub }))

  api.post('/orders', { preHandler: requireScopes('api:write') }, async (request, reply) => {
    reply.code(201)
    return { created: true, by: request.userClaims?.client_id }
  })

  // A public route inside the protected scope.
  api.get('/orders/help', { config: { bearerAuth: false } }, async () => ({
    help: 'send a bearer token with the api:read scope',
  }))
})

const address = await app.listen({ port, host: '127.0.0.1' })
console.log(`listening on ${address} (issuer ${issuer})`)
