/**
 * The native Hono adapter (`identity-model/hono`) on @hono/node-server, over real HTTP on
 * 127.0.0.1, against real providers: the shared adapter scenarios, then `requireScopes`, the
 * bounded form-body read and the context variable.
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
} from '../../src/adapters/hono.js'
import { clients, startProvider, type TestProvider } from '../../testbed/provider.js'
import { describeAdapter, type RunningApp, view } from './adapter-suite.js'

async function listen(app: Hono): Promise<RunningApp> {
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
  name: 'hono',
  marksQueryResponsesPrivate: true,
  async start(routes, metadata) {
    const app = new Hono()
    app.get(metadata.path, serveProtectedResourceMetadata(metadata))
    for (const route of routes) {
      app.on(route.method.toUpperCase(), route.path, requireToken(route.options), (c) =>
        c.json(view(c.get('userClaims'))),
      )
    }
    return listen(app)
  },
})

describe('hono: requireScopes, body reads, misuse', () => {
  let op: TestProvider
  let app: RunningApp
  let readOnly: string

  beforeAll(async () => {
    op = await startProvider()
    const response = await op.clientCredentialsToken({
      ...clients.serviceReadonly,
      scope: 'api:read',
    })
    readOnly = String(response.access_token)
    const auth = requireToken({ discoDocAddress: op.issuer, audience: 'my-api', realm: 'x' })
    const hono = new Hono()
    hono.get('/any', auth, requireScopes(['api:write', 'api:read'], { match: 'any' }), (c) =>
      c.json(view(c.get('userClaims'))),
    )
    hono.get('/all', auth, requireScopes('api:write api:read'), (c) => c.json({}))
    hono.get('/misordered', requireScopes('api:read'), (c) => c.json({}))
    hono.post(
      '/notes',
      requireToken({
        discoDocAddress: op.issuer,
        audience: 'my-api',
        bearerMethods: ['header', 'body'],
        maxBodyBytes: 4096,
      }),
      async (c) => {
        // The body is still readable after the token was taken from a clone of it.
        const form = await c.req.parseBody()
        return c.json({ note: form.note, sub: c.get('userClaims').sub })
      },
    )
    app = await listen(hono)
  })
  afterAll(async () => {
    await app?.close()
    await op?.stop()
  })

  const bearer = () => ({ authorization: `Bearer ${readOnly}` })

  it('passes any-of scopes and refuses all-of with the realm kept', async () => {
    const any = await fetch(`${app.url}/any`, { headers: bearer() })
    expect(any.status).toBe(200)
    expect(((await any.json()) as { scope?: string }).scope).toBe('api:read')
    const all = await fetch(`${app.url}/all`, { headers: bearer() })
    expect(all.status).toBe(403)
    expect(all.headers.get('www-authenticate')).toBe(
      'Bearer realm="x", error="insufficient_scope", error_description="The token lacks a required scope", scope="api:write api:read"',
    )
  })

  it('answers 500 when requireScopes runs without requireToken', async () => {
    const misordered = await fetch(`${app.url}/misordered`, { headers: bearer() })
    expect(misordered.status).toBe(500)
  })

  it('reads the token from a form body, leaving the body to the handler', async () => {
    const answer = await fetch(`${app.url}/notes`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `note=hello&access_token=${readOnly}`,
    })
    expect(answer.status).toBe(200)
    expect(await answer.json()).toEqual({ note: 'hello', sub: clients.serviceReadonly.clientId })
  })

  it('refuses a form body over maxBodyBytes with 400, declared or streamed', async () => {
    const big = `note=${'x'.repeat(8192)}&access_token=${readOnly}`
    const declared = await fetch(`${app.url}/notes`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: big,
    })
    expect(declared.status).toBe(400)
    expect(await declared.json()).toEqual({
      error: 'invalid_request',
      error_description: 'The form body is too large',
    })
    // Chunked: no Content-Length, so the budget is enforced while reading.
    const encoder = new TextEncoder()
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 4; i++) controller.enqueue(encoder.encode('x'.repeat(2048)))
        controller.close()
      },
    })
    const streamed = await fetch(`${app.url}/notes`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: stream,
      duplex: 'half',
    } as RequestInit)
    expect(streamed.status).toBe(400)
  })

  it('a percent-encoded access_token field counts as a second method (400)', async () => {
    const answer = await fetch(`${app.url}/notes`, {
      method: 'POST',
      headers: { ...bearer(), 'content-type': 'application/x-www-form-urlencoded' },
      body: `access%5Ftoken=${readOnly}`,
    })
    expect(answer.status).toBe(400)
    expect(((await answer.json()) as { error?: string }).error).toBe('invalid_request')
  })
})
