/**
 * The Fastify adapter inside Fastify 5, over real HTTP on 127.0.0.1, against real providers:
 * the plugin (hook, decorators, encapsulation), route-level hooks and requireScopes.
 */
import Fastify, { type FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  bearerAuth,
  requireScopes,
  requireToken,
  serveProtectedResourceMetadata,
} from '../../src/adapters/fastify.js'
import { clients, startProvider, type TestProvider } from '../../testbed/provider.js'
import { describeAdapter, type RunningApp, view } from './adapter-suite.js'

async function listen(app: FastifyInstance): Promise<RunningApp> {
  const url = await app.listen({ port: 0, host: '127.0.0.1' })
  return { url, close: () => app.close() }
}

describeAdapter({
  name: 'fastify (plugin)',
  marksQueryResponsesPrivate: true,
  async start(routes, metadata) {
    const app = Fastify()
    app.get(metadata.path, serveProtectedResourceMetadata(metadata))
    for (const route of routes) {
      // Each route in its own scope, protected by the plugin registered there.
      app.register(async (scope) => {
        await scope.register(bearerAuth, route.options)
        scope[route.method](route.path, async (request) => view(request.userClaims))
      })
    }
    return listen(app)
  },
})

describe('fastify: encapsulation, opt-outs, route hooks and requireScopes', () => {
  let op: TestProvider
  let app: RunningApp
  let full: string
  let readOnly: string

  beforeAll(async () => {
    op = await startProvider()
    full = String(
      (await op.clientCredentialsToken({ ...clients.serviceBasic, scope: 'api:read api:write' }))
        .access_token,
    )
    readOnly = String(
      (await op.clientCredentialsToken({ ...clients.serviceReadonly, scope: 'api:read' }))
        .access_token,
    )
    const options = { discoDocAddress: op.issuer, audience: 'my-api', realm: 'f' }
    const server = Fastify()
    server.get('/public', async () => ({ public: true }))
    server.register(async (api) => {
      await api.register(bearerAuth, options)
      api.get('/api/me', async (request) => view(request.userClaims))
      api.get('/api/health', { config: { bearerAuth: false } }, async (request) => ({
        health: 'ok',
        claims: request.userClaims ?? null,
      }))
      api.get('/api/write', { preHandler: requireScopes('api:write') }, async () => ({ ok: 1 }))
      api.get(
        '/api/either',
        { preHandler: requireScopes(['api:admin', 'api:read'], { match: 'any' }) },
        async () => ({ ok: 1 }),
      )
    })
    server.register(async (manual) => {
      await manual.register(bearerAuth, { ...options, addHook: false })
      manual.get('/manual/open', async () => ({ open: true }))
      manual.get('/manual/closed', { preHandler: manual.verifyBearerToken }, async (request) =>
        view(request.userClaims),
      )
    })
    server.get(
      '/route-hook',
      { preHandler: requireToken({ discoDocAddress: op.issuer, audience: 'my-api' }) },
      async (request) => view(request.userClaims),
    )
    server.get('/misordered', { preHandler: requireScopes('api:read') }, async () => ({}))
    app = await listen(server)
  })
  afterAll(async () => {
    await app?.close()
    await op?.stop()
  })

  const get = (path: string, token?: string) =>
    fetch(`${app.url}${path}`, {
      headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
    })

  it('protects the scope it is registered in, and nothing outside it', async () => {
    expect((await get('/public')).status).toBe(200)
    const refused = await get('/api/me')
    expect(refused.status).toBe(401)
    expect(refused.headers.get('www-authenticate')).toBe('Bearer realm="f"')
    const me = await get('/api/me', full)
    expect(me.status).toBe(200)
    expect(((await me.json()) as { sub: string }).sub).toBe('service-basic')
  })

  it('leaves a route with config.bearerAuth false public', async () => {
    const health = await get('/api/health')
    expect(health.status).toBe(200)
    expect(await health.json()).toEqual({ health: 'ok', claims: null })
  })

  it('with addHook false, protects only routes that use the verifyBearerToken decorator', async () => {
    expect((await get('/manual/open')).status).toBe(200)
    expect((await get('/manual/closed')).status).toBe(401)
    expect((await get('/manual/closed', full)).status).toBe(200)
  })

  it('requireScopes after the plugin: all-of and any-of, with the realm kept', async () => {
    const refused = await get('/api/write', readOnly)
    expect(refused.status).toBe(403)
    expect(refused.headers.get('www-authenticate')).toBe(
      'Bearer realm="f", error="insufficient_scope", error_description="The token lacks a required scope", scope="api:write"',
    )
    expect((await get('/api/write', full)).status).toBe(200)
    expect((await get('/api/either', readOnly)).status).toBe(200)
  })

  it('a route-level requireToken hook works without the plugin', async () => {
    expect((await get('/route-hook')).status).toBe(401)
    expect((await get('/route-hook', full)).status).toBe(200)
  })

  it('requireScopes without a token check before it is a server error', async () => {
    expect((await get('/misordered', full)).status).toBe(500)
  })

  it('refuses to decorate twice in one scope (two configurations would be ambiguous)', async () => {
    const twice = Fastify()
    twice.register(bearerAuth, { discoDocAddress: op.issuer, audience: 'my-api' })
    twice.register(bearerAuth, { discoDocAddress: op.issuer, audience: 'other' })
    await expect(twice.ready()).rejects.toMatchObject({ code: 'FST_ERR_DEC_ALREADY_PRESENT' })
    await twice.close()
  })
})
