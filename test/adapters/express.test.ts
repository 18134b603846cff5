/**
 * The Express adapter inside Express 5, over real HTTP on 127.0.0.1, against real providers.
 */
import type { AddressInfo } from 'node:net'
import express from 'express'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  requireScopes,
  requireToken,
  serveProtectedResourceMetadata,
} from '../../src/adapters/express.js'
import { clients, startProvider, type TestProvider } from '../../testbed/provider.js'
import { describeAdapter, type RunningApp, view } from './adapter-suite.js'

async function listen(app: express.Express): Promise<RunningApp> {
  return new Promise((resolve, reject) => {
    const server = app.listen(0, '127.0.0.1', (error?: Error) => {
      if (error) return reject(error)
      const { port } = server.address() as AddressInfo
      resolve({
        url: `http://127.0.0.1:${port}`,
        close: () =>
          new Promise((done) => {
            server.closeAllConnections()
            server.close(() => done())
          }),
      })
    })
  })
}

describeAdapter({
  name: 'express',
  marksQueryResponsesPrivate: true,
  async start(routes, metadata) {
    const app = express()
    app.use(express.urlencoded({ extended: false }))
    app.get(metadata.path, serveProtectedResourceMetadata(metadata))
    for (const route of routes) {
      app[route.method](route.path, requireToken(route.options), (req, res) => {
        res.json(view(req.userClaims))
      })
    }
    return listen(app)
  },
})

describe('express: requireScopes and body parsing', () => {
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
    const server = express()
    server.get(
      '/any',
      auth,
      requireScopes(['api:write', 'api:read'], { match: 'any' }),
      (req, res) => {
        res.json(view(req.userClaims))
      },
    )
    server.get('/all', auth, requireScopes('api:write api:read'), (_req, res) => {
      res.json({})
    })
    server.get('/misordered', requireScopes('api:read'), (_req, res) => {
      res.json({})
    })
    // No express.urlencoded(): the form body is never parsed.
    server.post(
      '/unparsed',
      requireToken({ discoDocAddress: op.issuer, audience: 'my-api', bearerMethods: ['body'] }),
      (_req, res) => {
        res.json({})
      },
    )
    app = await listen(server)
  })
  afterAll(async () => {
    await app?.close()
    await op?.stop()
  })

  it('passes any-of scopes and refuses all-of with the realm kept', async () => {
    const any = await fetch(`${app.url}/any`, { headers: { authorization: `Bearer ${readOnly}` } })
    expect(any.status).toBe(200)
    const all = await fetch(`${app.url}/all`, { headers: { authorization: `Bearer ${readOnly}` } })
    expect(all.status).toBe(403)
    expect(all.headers.get('www-authenticate')).toBe(
      'Bearer realm="x", error="insufficient_scope", error_description="The token lacks a required scope", scope="api:write api:read"',
    )
  })

  it('answers 500 when requireScopes runs without requireToken, or a form body is not parsed', async () => {
    const misordered = await fetch(`${app.url}/misordered`, {
      headers: { authorization: `Bearer ${readOnly}` },
    })
    expect(misordered.status).toBe(500)
    const unparsed = await fetch(`${app.url}/unparsed`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `access_token=${readOnly}`,
    })
    expect(unparsed.status).toBe(500)
    expect(await unparsed.json()).toEqual({
      error: 'server_error',
      error_description: 'Token validation is misconfigured',
    })
  })
})
