/**
 * RFC 8414 authorization server metadata and RFC 9728 protected resource metadata against real
 * servers: the testbed provider with its OpenID document taken away (an OAuth-only server), and
 * an Express API serving its metadata with the library's own adapter.
 */
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import express from 'express'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { serveProtectedResourceMetadata } from '../../src/adapters/express.js'
import {
  getDiscoveryDocument,
  getProtectedResourceMetadata,
  protectedResourceMetadata,
  requestClientCredentialsToken,
  validateToken,
} from '../../src/index.js'
import { clients, startProvider, type TestProvider } from '../../testbed/provider.js'

describe('RFC 8414: an authorization server without the OpenID document', () => {
  let op: TestProvider
  beforeAll(async () => {
    op = await startProvider({
      intercept: (req, res) => {
        if (!req.url?.startsWith('/.well-known/openid-configuration')) return false
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not here')
        return true
      },
    })
  })
  afterAll(async () => {
    await op?.stop()
  })

  it('falls back to /.well-known/oauth-authorization-server for the same issuer', async () => {
    op.resetCounts()
    const disco = await getDiscoveryDocument({ address: op.issuer, cache: false })
    if (!disco.isSuccessful) throw new Error(disco.error)
    expect(disco.issuer).toBe(op.issuer)
    expect(disco.tokenEndpoint).toBe(`${op.issuer}/token`)
    expect(op.counts).toMatchObject({
      '/.well-known/openid-configuration': 1,
      '/.well-known/oauth-authorization-server': 1,
    })
  })

  it('keeps the exact-issuer rule on the fallback document', async () => {
    const disco = await getDiscoveryDocument({ address: `${op.issuer}/`, cache: false })
    expect(disco).toMatchObject({ isSuccessful: false, errorType: 'policy' })
    expect(disco.error).toMatch(/issuer mismatch/)
  })

  it('validates tokens with the keys the OAuth metadata names', async () => {
    const token = await requestClientCredentialsToken({
      address: `${op.issuer}/token`,
      ...clients.serviceBasic,
      scope: 'api:read',
    })
    if (!token.isSuccessful) throw new Error(token.error)
    const claims = await validateToken(
      token.token.access_token,
      { performDisco: true, audience: 'my-api' },
      op.issuer,
    )
    expect(claims.client_id).toBe(clients.serviceBasic.clientId)
  })

  it('reports the OpenID 404 when neither document exists', async () => {
    const bare = await startProvider({
      intercept: (req, res) => {
        if (!req.url?.startsWith('/.well-known/')) return false
        res.writeHead(404).end()
        return true
      },
    })
    try {
      const disco = await getDiscoveryDocument({ address: bare.issuer, cache: false })
      expect(disco).toMatchObject({ isSuccessful: false, errorType: 'http', httpStatus: 404 })
    } finally {
      await bare.stop()
    }
  })
})

describe('RFC 9728: protected resource metadata from an Express API', () => {
  let server: Server
  let base: string
  beforeAll(async () => {
    const app = express()
    server = await new Promise<Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s))
    })
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    const own = protectedResourceMetadata({
      resource: `${base}/orders`,
      authorizationServers: ['https://id.example.test'],
      scopesSupported: ['orders:read'],
      resourceName: 'Orders',
    })
    // Another API's document served where this one's belongs: a client must not use it.
    const impostor = protectedResourceMetadata({ resource: `${base}/billing` })
    app.get(own.path, serveProtectedResourceMetadata(own))
    app.get(
      '/.well-known/oauth-protected-resource/impostor',
      serveProtectedResourceMetadata(impostor),
    )
  })
  afterAll(async () => {
    server?.closeAllConnections()
    await new Promise((resolve) => server?.close(resolve))
  })

  it('fetches the metadata from the well-known URL of the resource', async () => {
    const metadata = await getProtectedResourceMetadata({ resource: `${base}/orders` })
    if (!metadata.isSuccessful) throw new Error(metadata.error)
    expect(metadata).toMatchObject({
      resource: `${base}/orders`,
      authorizationServers: ['https://id.example.test'],
      scopesSupported: ['orders:read'],
      bearerMethodsSupported: ['header'],
      resourceName: 'Orders',
    })
  })

  it('refuses metadata that describes another resource', async () => {
    const metadata = await getProtectedResourceMetadata({
      resource: `${base}/impostor`,
    })
    expect(metadata).toMatchObject({ isSuccessful: false, errorType: 'policy' })
  })

  it('answers 404 as an http failure', async () => {
    const metadata = await getProtectedResourceMetadata({ resource: `${base}/nothing` })
    expect(metadata).toMatchObject({ isSuccessful: false, errorType: 'http', httpStatus: 404 })
  })
})
