/**
 * The web-standard adapter inside Hono (on @hono/node-server), over real HTTP on 127.0.0.1,
 * against real providers; and `withToken` as a Next.js route handler module uses it.
 */
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { serve } from '@hono/node-server'
import { Hono } from 'hono'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  requireScopes,
  requireToken,
  serveProtectedResourceMetadata,
  withToken,
} from '../../src/adapters/web.js'
import type { Claims } from '../../src/index.js'
import { clients, startProvider, type TestProvider } from '../../testbed/provider.js'
import { describeAdapter, type RunningApp, view } from './adapter-suite.js'

async function listen(app: Hono<{ Variables: { claims: Claims } }>): Promise<RunningApp> {
  return new Promise((resolve) => {
    const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => {
      resolve({
        url: `http://127.0.0.1:${(info as AddressInfo).port}`,
        close: () =>
          new Promise((done) => {
            ;(server as Server).closeAllConnections()
            server.close(() => done())
          }),
      })
    })
  })
}

describeAdapter({
  name: 'web (Hono)',
  marksQueryResponsesPrivate: false,
  async start(routes, metadata) {
    const app = new Hono<{ Variables: { claims: Claims } }>()
    app.get(metadata.path, serveProtectedResourceMetadata(metadata))
    for (const route of routes) {
      const authenticate = requireToken(route.options)
      // As Hono middleware: refuse, or put the claims in the context.
      app.use(route.path, async (c, next) => {
        const claims = await authenticate(c.req.raw)
        if (claims instanceof Response) return claims
        c.set('claims', claims)
        await next()
      })
      app.on(route.method.toUpperCase(), route.path, (c) => c.json(view(c.get('claims'))))
    }
    return listen(app)
  },
})

describe('web: withToken as a Next.js route handler', () => {
  let op: TestProvider
  let app: RunningApp

  beforeAll(async () => {
    op = await startProvider()
    // What app/orders/[id]/route.ts would export: (request, { params }) => Response.
    const GET = withToken(
      { discoDocAddress: op.issuer, audience: 'my-api', requiredScopes: 'api:read' },
      async (request: Request, claims, context: { params: Promise<{ id: string }> }) => {
        const { id } = await context.params
        return Response.json({ id, sub: claims.sub, url: new URL(request.url).pathname })
      },
    )
    const POST = withToken(
      { discoDocAddress: op.issuer, audience: 'my-api', bearerMethods: ['body'] },
      async (request: Request, claims) => {
        // The body is still readable after the token was taken from a clone of it.
        const form = new URLSearchParams(await request.text())
        return Response.json({ note: form.get('note'), sub: claims.sub })
      },
    )
    const hono = new Hono<{ Variables: { claims: Claims } }>()
    hono.get('/orders/:id', (c) =>
      GET(c.req.raw, { params: Promise.resolve({ id: c.req.param('id') }) }),
    )
    hono.post('/notes', (c) => POST(c.req.raw))
    app = await listen(hono)
  })
  afterAll(async () => {
    await app?.close()
    await op?.stop()
  })

  it('passes the claims and the route context to the handler, or answers the refusal', async () => {
    const token = String(
      (await op.clientCredentialsToken({ ...clients.serviceReadonly, scope: 'api:read' }))
        .access_token,
    )
    const ok = await fetch(`${app.url}/orders/42`, {
      headers: { authorization: `Bearer ${token}` },
    })
    expect(ok.status).toBe(200)
    expect(await ok.json()).toEqual({ id: '42', sub: 'service-readonly', url: '/orders/42' })
    const refused = await fetch(`${app.url}/orders/42`)
    expect(refused.status).toBe(401)
    expect(refused.headers.get('www-authenticate')).toBe('Bearer')

    const note = await fetch(`${app.url}/notes`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `note=hello&access_token=${token}`,
    })
    expect(note.status).toBe(200)
    expect(await note.json()).toEqual({ note: 'hello', sub: 'service-readonly' })
  })

  it('answers 500, not a misleading 401, when the body was read before the check', async () => {
    const authenticate = requireToken({
      discoDocAddress: op.issuer,
      audience: 'my-api',
      bearerMethods: ['header', 'body'],
    })
    const request = new Request('http://127.0.0.1/notes', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'access_token=abc',
    })
    await request.text()
    const answer = await authenticate(request)
    expect(answer).toBeInstanceOf(Response)
    expect((answer as Response).status).toBe(500)
    expect(await (answer as Response).json()).toEqual({
      error: 'server_error',
      error_description: 'Token validation is misconfigured',
    })
  })
})

describe('web: requireScopes after requireToken', () => {
  let op: TestProvider
  let readOnly: string

  beforeAll(async () => {
    op = await startProvider()
    const response = await op.clientCredentialsToken({
      ...clients.serviceReadonly,
      scope: 'api:read',
    })
    readOnly = String(response.access_token)
  })
  afterAll(async () => {
    await op?.stop()
  })

  it('answers the 403 in the challenge of the token check, or nothing when the scopes are there', async () => {
    const authenticate = requireToken({
      discoDocAddress: op.issuer,
      audience: 'my-api',
      realm: 'w',
    })
    const canRead = requireScopes('api:read')
    const canWrite = requireScopes('api:write')
    const request = new Request('http://127.0.0.1/orders', {
      headers: { authorization: `Bearer ${readOnly}` },
    })
    const claims = await authenticate(request)
    expect(claims).not.toBeInstanceOf(Response)
    expect(canRead(request)).toBeUndefined()
    const denied = canWrite(request)
    expect(denied?.status).toBe(403)
    expect(denied?.headers.get('www-authenticate')).toBe(
      'Bearer realm="w", error="insufficient_scope", error_description="The token lacks a required scope", scope="api:write"',
    )
    // Another Request object was never checked: a programming error, not a 403.
    expect(() => canRead(new Request('http://127.0.0.1/orders'))).toThrow(/requireToken/)
  })
})
