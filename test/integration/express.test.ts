/**
 * `requireToken` from identity-model/express in an Express 5 app on 127.0.0.1, called over real
 * HTTP with tokens from the real testbed provider. Asserts status codes and the exact RFC 6750
 * challenges.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import express from 'express'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { requireToken } from '../../src/adapters/express.js'
import { ProviderCache } from '../../src/index.js'
import { clients, startProvider, type TestProvider } from '../../testbed/provider.js'

describe('requireToken in an Express 5 app', () => {
  let op: TestProvider
  let server: Server
  let base: string
  let writer: string
  let reader: string

  beforeAll(async () => {
    op = await startProvider()
    const guard = (options: { requiredScopes?: string; audience?: string; realm?: string } = {}) =>
      requireToken({
        discoDocAddress: op.issuer,
        audience: 'my-api',
        cache: new ProviderCache(),
        ...options,
      })
    const app = express()
    app.get('/orders', guard({ requiredScopes: 'api:write' }), (req, res) => {
      res.json({ sub: req.userClaims?.sub, scope: req.userClaims?.scope })
    })
    app.get('/other-audience', guard({ audience: 'other-api' }), (_req, res) => {
      res.json({ reached: true })
    })
    app.get('/realm', guard({ realm: 'orders' }), (_req, res) => {
      res.json({ reached: true })
    })
    // A guard whose cache nothing has warmed: used once the provider is stopped.
    app.get('/cold', guard(), (_req, res) => {
      res.json({ reached: true })
    })
    server = createServer(app)
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`

    const token = async (client: { clientId: string; clientSecret: string }, scope: string) => {
      const response = await op.clientCredentialsToken({ ...client, scope })
      if (typeof response.access_token !== 'string') throw new Error(JSON.stringify(response))
      return response.access_token
    }
    writer = await token(clients.serviceBasic, 'api:read api:write')
    reader = await token(clients.serviceReadonly, 'api:read')
  })

  afterAll(async () => {
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
    await op.stop()
  })

  const call = async (path: string, authorization?: string) => {
    const response = await fetch(`${base}${path}`, {
      headers: authorization === undefined ? {} : { authorization },
      signal: AbortSignal.timeout(10_000),
    })
    const text = await response.text()
    return {
      status: response.status,
      challenge: response.headers.get('www-authenticate'),
      headers: response.headers,
      text,
      body: JSON.parse(text) as Record<string, unknown>,
    }
  }

  it('answers 401 with a bare Bearer challenge when there is no token', async () => {
    const response = await call('/orders')
    expect(response.status).toBe(401)
    expect(response.challenge).toBe('Bearer')
    expect(response.headers.get('content-type')).toMatch(/^application\/json/)
    expect(response.headers.get('cache-control')).toBe('no-store')
    expect(response.body.error_description).toBe('Bearer authentication is required')
  })

  it('treats another scheme as no token', async () => {
    const response = await call('/orders', 'Basic c3ZjOnNlY3JldA==')
    expect(response.status).toBe(401)
    expect(response.challenge).toBe('Bearer')
  })

  it('puts the realm in the challenge', async () => {
    const response = await call('/realm')
    expect(response.status).toBe(401)
    expect(response.challenge).toBe('Bearer realm="orders"')
  })

  it.each(['Bearer', 'Bearer ', 'Bearer two tokens', 'Bearer tok"en'])(
    'answers 400 invalid_request to the malformed header %j',
    async (authorization) => {
      const response = await call('/orders', authorization)
      expect(response.status).toBe(400)
      expect(response.challenge).toBe(
        'Bearer error="invalid_request", error_description="The Authorization header is not a valid Bearer header"',
      )
      expect(response.body).toEqual({
        error: 'invalid_request',
        error_description: 'The Authorization header is not a valid Bearer header',
      })
    },
  )

  it('answers 401 invalid_token to a tampered token, without echoing it', async () => {
    const [header, payload] = writer.split('.')
    const forged = `${header}.${payload}.${Buffer.from('not the signature').toString('base64url')}`
    const response = await call('/orders', `Bearer ${forged}`)
    expect(response.status).toBe(401)
    expect(response.challenge).toBe(
      'Bearer error="invalid_token", error_description="The token signature is invalid"',
    )
    expect(response.body).toEqual({
      error: 'invalid_token',
      error_description: 'The token signature is invalid',
    })
    for (const part of forged.split('.')) {
      expect(response.challenge).not.toContain(part)
      expect(response.text).not.toContain(part)
    }
  })

  it('answers 401 invalid_token to a token that is not a JWT', async () => {
    const response = await call('/orders', 'Bearer abc.def')
    expect(response.status).toBe(401)
    expect(response.challenge).toBe(
      'Bearer error="invalid_token", error_description="The token is malformed"',
    )
  })

  it('answers 401 invalid_token to a token for another audience', async () => {
    const response = await call('/other-audience', `Bearer ${writer}`)
    expect(response.status).toBe(401)
    expect(response.challenge).toBe(
      'Bearer error="invalid_token", error_description="The token audience is not accepted"',
    )
  })

  it('lets a good token through with its claims on req.userClaims', async () => {
    const response = await call('/orders', `Bearer ${writer}`)
    expect(response.status).toBe(200)
    expect(response.challenge).toBeNull()
    expect(response.body).toEqual({ sub: 'service-basic', scope: 'api:read api:write' })
  })

  it('answers 403 insufficient_scope to a token without the required scope', async () => {
    const response = await call('/orders', `Bearer ${reader}`)
    expect(response.status).toBe(403)
    expect(response.challenge).toBe(
      'Bearer error="insufficient_scope", error_description="The token lacks a required scope", scope="api:write"',
    )
    expect(response.body).toEqual({
      error: 'insufficient_scope',
      error_description: 'The token lacks a required scope',
    })
  })

  it('answers 503 when the provider is stopped and the cache is cold', async () => {
    await op.stop()
    const response = await call('/cold', `Bearer ${writer}`)
    expect(response.status).toBe(503)
    expect(response.challenge).toBeNull()
    expect(response.body).toEqual({
      error: 'temporarily_unavailable',
      error_description: 'The identity provider is unavailable',
    })
    // The warm route still answers from its cache.
    expect((await call('/orders', `Bearer ${writer}`)).status).toBe(200)
  })
})
