/**
 * DPoP end to end against the real testbed provider (oidc-provider, dPoP on) over real HTTP on
 * 127.0.0.1: DPoP-bound client-credentials tokens, the provider's nonce dance, and the Express,
 * Fastify and web adapters accepting those tokens with their proofs and refusing everything else.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import express from 'express'
import Fastify from 'fastify'
import { decodeJwt } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { requireScopes, requireToken } from '../../src/adapters/express.js'
import { bearerAuth } from '../../src/adapters/fastify.js'
import { requireToken as requireTokenWeb } from '../../src/adapters/web.js'
import {
  type BearerAuthOptions,
  createAuthorizationRequest,
  createAuthorizedFetch,
  createDpop,
  createDpopFetch,
  createDpopNonces,
  type DpopHandle,
  getDiscoveryDocument,
  MemoryStore,
  ProviderCache,
  parseAuthorizationResponse,
  requestAuthorizationCodeToken,
  requestClientCredentialsToken,
  requestRefreshToken,
  TokenManager,
  validateToken,
} from '../../src/index.js'
import { clients, resources, startProvider, type TestProvider } from '../../testbed/provider.js'
import { REDIRECT_URI } from '../support/sign-in.js'
import { UserAgent } from '../support/user-agent.js'

const client = { ...clients.serviceBasic, scope: 'api:read api:write', resource: resources.api }

async function boundToken(op: TestProvider, dpop: DpopHandle): Promise<string> {
  const response = await requestClientCredentialsToken({
    address: `${op.issuer}/token`,
    ...client,
    dpop,
  })
  if (!response.isSuccessful) throw new Error(`${response.error}: ${response.errorDescription}`)
  return response.token.access_token
}

describe('DPoP-bound tokens from the testbed provider', () => {
  let op: TestProvider

  beforeAll(async () => {
    op = await startProvider()
  })
  afterAll(async () => {
    await op.stop()
  })

  it('binds a client-credentials token to our key: token_type DPoP, cnf.jkt = thumbprint', async () => {
    const dpop = await createDpop()
    const response = await requestClientCredentialsToken({
      address: `${op.issuer}/token`,
      ...client,
      dpop,
    })
    if (!response.isSuccessful) throw new Error(response.error)
    expect(response.token.token_type).toBe('DPoP')
    expect(decodeJwt(response.token.access_token).cnf).toEqual({ jkt: dpop.thumbprint })
    const claims = await validateToken(
      response.token.access_token,
      { performDisco: true, audience: 'my-api', cache: new ProviderCache() },
      op.issuer,
    )
    expect(claims.cnf).toEqual({ jkt: dpop.thumbprint })
  })

  it('binds with RS256, PS256 and EdDSA keys too', async () => {
    for (const alg of ['RS256', 'PS256', 'EdDSA'] as const) {
      const dpop = await createDpop({ alg })
      expect(decodeJwt(await boundToken(op, dpop)).cnf).toEqual({ jkt: dpop.thumbprint })
    }
  })

  it('issues a bearer token without dpop (behaviour unchanged)', async () => {
    const response = await requestClientCredentialsToken({
      address: `${op.issuer}/token`,
      ...client,
    })
    if (!response.isSuccessful) throw new Error(response.error)
    expect(response.token.token_type).toBe('Bearer')
    expect(decodeJwt(response.token.access_token).cnf).toBeUndefined()
  })

  it('is refused by the provider for a proof it cannot accept (invalid_dpop_proof)', async () => {
    const dpop = await createDpop()
    const response = await requestClientCredentialsToken({
      address: `${op.issuer}/token`,
      ...client,
      dpop: {
        ...dpop,
        // A proof for another endpoint: the provider checks htu.
        proof: (claims) => dpop.proof({ ...claims, htu: `${op.issuer}/elsewhere` }),
      },
    })
    expect(response).toMatchObject({
      isSuccessful: false,
      errorType: 'protocol',
      error: 'invalid_dpop_proof',
      httpStatus: 400,
    })
  })
})

describe('the code flow and refresh with DPoP (public client)', () => {
  let op: TestProvider

  beforeAll(async () => {
    op = await startProvider({ redirectUris: [REDIRECT_URI], requireDpopNonce: true })
  })
  afterAll(async () => {
    await op.stop()
  })

  it('binds the code (dpop_jkt), the tokens and the refresh token to the key', async () => {
    const disco = await getDiscoveryDocument({ address: op.issuer, cache: new ProviderCache() })
    if (!disco.isSuccessful) throw new Error(disco.error)
    const dpop = await createDpop()
    const request = createAuthorizationRequest({
      authorizationEndpoint: disco.authorizationEndpoint as string,
      clientId: clients.publicApp.clientId,
      redirectUri: REDIRECT_URI,
      scope: 'openid offline_access',
      prompt: 'consent',
      // RFC 9449 §10: the code can only be redeemed with this key.
      parameters: { dpop_jkt: dpop.thumbprint },
    })
    const outcome = await new UserAgent().run(request.url, {
      login: 'alice',
      leaves: (url) => url.startsWith(REDIRECT_URI),
    })
    const callback = parseAuthorizationResponse(outcome.redirect as string, {
      expectedState: request.state,
      discovery: disco,
    })
    if (!callback.isSuccessful) throw new Error(callback.error)
    const tokens = await requestAuthorizationCodeToken({
      address: disco.tokenEndpoint,
      clientId: clients.publicApp.clientId,
      code: callback.code,
      redirectUri: REDIRECT_URI,
      codeVerifier: request.codeVerifier,
      dpop,
    })
    if (!tokens.isSuccessful) throw new Error(`${tokens.error}: ${tokens.errorDescription}`)
    expect(tokens.token.token_type).toBe('DPoP')
    expect(tokens.token.refresh_token).toBeDefined()

    // Another key cannot use the bound refresh token; the right one can.
    const thief = await requestRefreshToken({
      address: disco.tokenEndpoint,
      clientId: clients.publicApp.clientId,
      refreshToken: tokens.token.refresh_token as string,
      dpop: await createDpop(),
    })
    expect(thief).toMatchObject({ isSuccessful: false, errorType: 'protocol' })
    const refreshed = await requestRefreshToken({
      address: disco.tokenEndpoint,
      clientId: clients.publicApp.clientId,
      refreshToken: tokens.token.refresh_token as string,
      dpop,
    })
    if (!refreshed.isSuccessful)
      throw new Error(`${refreshed.error}: ${refreshed.errorDescription}`)
    expect(refreshed.token.token_type).toBe('DPoP')
  })
})

describe('the provider demanding nonces (requireDpopNonce)', () => {
  let op: TestProvider

  beforeAll(async () => {
    op = await startProvider({ requireDpopNonce: true })
  })
  afterAll(async () => {
    await op.stop()
  })

  it('answers use_dpop_nonce once; the retry with its nonce succeeds, the next request needs none', async () => {
    const dpop = await createDpop()
    op.resetCounts()
    const first = await boundToken(op, dpop)
    expect(op.counts['/token']).toBe(2)
    expect(dpop.nonceFor(op.issuer)).toBeDefined()
    expect(decodeJwt(first).cnf).toEqual({ jkt: dpop.thumbprint })
    await boundToken(op, dpop)
    expect(op.counts['/token']).toBe(3)
  })

  it('gets nonce-bound tokens through a TokenManager too', async () => {
    const dpop = await createDpop()
    const manager = new TokenManager({
      request: { address: `${op.issuer}/token`, ...client, dpop },
      store: new MemoryStore(),
    })
    const token = await manager.getAccessToken()
    expect(decodeJwt(token).cnf).toEqual({ jkt: dpop.thumbprint })
  })
})

describe('requireToken with dpop in an Express 5 app', () => {
  let op: TestProvider
  let server: Server
  let base: string
  let dpop: DpopHandle
  let token: string
  const hits: Record<string, number> = {}

  beforeAll(async () => {
    op = await startProvider()
    const guard = (extra: Partial<BearerAuthOptions> = {}) =>
      requireToken({
        discoDocAddress: op.issuer,
        audience: 'my-api',
        cache: new ProviderCache(),
        dpop: true,
        ...extra,
      })
    const app = express()
    app.use((req, _res, next) => {
      hits[req.path] = (hits[req.path] ?? 0) + 1
      next()
    })
    app.get('/orders', guard({ requiredScopes: 'api:read' }), (req, res) => {
      const cnf = req.userClaims?.cnf as { jkt?: string } | undefined
      res.json({ sub: req.userClaims?.sub, jkt: cnf?.jkt ?? null })
    })
    app.post('/orders', express.json(), guard(), (req, res) => {
      res.json({ received: req.body })
    })
    app.get('/nonce', guard({ dpop: { nonce: createDpopNonces() } }), (_req, res) => {
      res.json({ reached: true })
    })
    app.get('/admin', guard({ requiredScopes: 'admin' }), (_req, res) => {
      res.json({ reached: true })
    })
    app.get('/scoped', guard(), requireScopes('admin'), (_req, res) => {
      res.json({ reached: true })
    })
    server = createServer(app)
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    dpop = await createDpop()
    token = await boundToken(op, dpop)
  })

  afterAll(async () => {
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
    await op.stop()
  })

  const call = async (path: string, headers: Record<string, string>, method = 'GET') => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers,
      signal: AbortSignal.timeout(10_000),
    })
    return {
      status: response.status,
      challenge: response.headers.get('www-authenticate'),
      body: (await response.json()) as Record<string, unknown>,
    }
  }
  const proofFor = (htm: string, path: string, key = dpop, accessToken = token) =>
    key.proof({ htm, htu: `${base}${path}`, accessToken })

  it('accepts the bound token with a valid proof (createDpopFetch)', async () => {
    const api = createDpopFetch(dpop, { accessToken: token })
    const response = await api(`${base}/orders?page=1`, { signal: AbortSignal.timeout(10_000) })
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({
      sub: clients.serviceBasic.clientId,
      jkt: dpop.thumbprint,
    })
    const posted = await api(`${base}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ item: 1 }),
    })
    expect(await posted.json()).toEqual({ received: { item: 1 } })
  })

  it('refuses a proof for another method (htm)', async () => {
    const response = await call('/orders', {
      authorization: `DPoP ${token}`,
      dpop: await proofFor('POST', '/orders'),
    })
    expect(response.status).toBe(401)
    expect(response.body).toEqual({
      error: 'invalid_dpop_proof',
      error_description: 'The DPoP proof htm does not match the request method',
    })
    expect(response.challenge).toMatch(/^Bearer, DPoP error="invalid_dpop_proof", .*algs="/)
  })

  it('refuses a proof for another URI (htu)', async () => {
    const response = await call('/orders', {
      authorization: `DPoP ${token}`,
      dpop: await proofFor('GET', '/other'),
    })
    expect(response.status).toBe(401)
    expect(response.body.error_description).toBe(
      'The DPoP proof htu does not match the request URI',
    )
  })

  it('refuses a DPoP request without a proof', async () => {
    const response = await call('/orders', { authorization: `DPoP ${token}` })
    expect(response.status).toBe(401)
    expect(response.body).toEqual({
      error: 'invalid_dpop_proof',
      error_description: 'The request has no DPoP proof',
    })
  })

  it('refuses a proof from another key than the token is bound to', async () => {
    const thief = await createDpop()
    const response = await call('/orders', {
      authorization: `DPoP ${token}`,
      dpop: await proofFor('GET', '/orders', thief),
    })
    expect(response.status).toBe(401)
    expect(response.body).toEqual({
      error: 'invalid_token',
      error_description: 'Invalid DPoP key binding',
    })
  })

  it('refuses a replayed proof (same jti)', async () => {
    const headers = { authorization: `DPoP ${token}`, dpop: await proofFor('GET', '/orders') }
    expect((await call('/orders', headers)).status).toBe(200)
    const replay = await call('/orders', headers)
    expect(replay.status).toBe(401)
    expect(replay.body).toEqual({
      error: 'invalid_dpop_proof',
      error_description: 'The DPoP proof was used before',
    })
  })

  it('refuses the bound token presented as a bearer token', async () => {
    const response = await call('/orders', { authorization: `Bearer ${token}` })
    expect(response.status).toBe(401)
    expect(response.challenge).toMatch(/^Bearer error="invalid_token", .*, DPoP algs="/)
  })

  it('accepts an unbound bearer token beside DPoP', async () => {
    const bearer = await requestClientCredentialsToken({ address: `${op.issuer}/token`, ...client })
    if (!bearer.isSuccessful) throw new Error(bearer.error)
    const response = await call('/orders', { authorization: `Bearer ${bearer.token.access_token}` })
    expect(response.status).toBe(200)
    expect(response.body).toEqual({ sub: clients.serviceBasic.clientId, jkt: null })
  })

  it('answers 403 in the DPoP challenge when a scope is missing', async () => {
    const response = await call('/admin', {
      authorization: `DPoP ${token}`,
      dpop: await proofFor('GET', '/admin'),
    })
    expect(response.status).toBe(403)
    expect(response.challenge).toMatch(/^Bearer, DPoP error="insufficient_scope"/)
  })

  it('answers requireScopes after a DPoP request in the DPoP challenge', async () => {
    const response = await call('/scoped', {
      authorization: `DPoP ${token}`,
      dpop: await proofFor('GET', '/scoped'),
    })
    expect(response.status).toBe(403)
    expect(response.challenge).toMatch(/^Bearer, DPoP error="insufficient_scope", .*scope="admin"/)
  })

  it('does the resource-server nonce dance with createDpopFetch', async () => {
    const api = createDpopFetch(dpop, { accessToken: token })
    hits['/nonce'] = 0
    const first = await api(`${base}/nonce`)
    expect(first.status).toBe(200)
    expect(hits['/nonce']).toBe(2)
    expect(dpop.nonceFor(base)).toBeDefined()
    expect((await api(`${base}/nonce`)).status).toBe(200)
    expect(hits['/nonce']).toBe(3)
  })

  it('serves a TokenManager with dpop through createAuthorizedFetch', async () => {
    const key = await createDpop()
    const manager = new TokenManager({
      request: { address: `${op.issuer}/token`, ...client, dpop: key },
      store: new MemoryStore(),
    })
    const api = createAuthorizedFetch(manager)
    const response = await api(`${base}/orders`)
    expect(response.status).toBe(200)
    expect(((await response.json()) as { jkt: string }).jkt).toBe(key.thumbprint)
  })
})

describe('the Fastify and web adapters with dpop', () => {
  let op: TestProvider
  let dpop: DpopHandle
  let token: string

  beforeAll(async () => {
    op = await startProvider()
    dpop = await createDpop()
    token = await boundToken(op, dpop)
  })
  afterAll(async () => {
    await op.stop()
  })

  const options = () => ({
    discoDocAddress: op.issuer,
    audience: 'my-api',
    cache: new ProviderCache(),
    dpop: true as const,
  })

  it('Fastify: accepts the proof for the URL as Fastify sees it, refuses a wrong htm', async () => {
    const app = Fastify()
    await app.register(async (scope) => {
      await scope.register(bearerAuth, options())
      scope.get('/orders', async (request) => ({ sub: request.userClaims?.sub }))
    })
    try {
      const proof = await dpop.proof({
        htm: 'GET',
        htu: 'http://localhost:80/orders',
        accessToken: token,
      })
      const ok = await app.inject({
        method: 'GET',
        url: '/orders',
        headers: { authorization: `DPoP ${token}`, dpop: proof },
      })
      expect(ok.statusCode).toBe(200)
      const wrong = await app.inject({
        method: 'GET',
        url: '/orders',
        headers: {
          authorization: `DPoP ${token}`,
          dpop: await dpop.proof({
            htm: 'DELETE',
            htu: 'http://localhost/orders',
            accessToken: token,
          }),
        },
      })
      expect(wrong.statusCode).toBe(401)
      expect(wrong.json()).toMatchObject({ error: 'invalid_dpop_proof' })
    } finally {
      await app.close()
    }
  })

  it('web: accepts the proof for request.url, refuses a missing one', async () => {
    const authenticate = requireTokenWeb(options())
    const url = 'https://api.example.com/orders?x=1'
    const proof = await dpop.proof({ htm: 'GET', htu: url, accessToken: token })
    const claims = await authenticate(
      new Request(url, { headers: { authorization: `DPoP ${token}`, dpop: proof } }),
    )
    expect(claims).not.toBeInstanceOf(Response)
    const refusal = await authenticate(
      new Request(url, { headers: { authorization: `DPoP ${token}` } }),
    )
    expect(refusal).toBeInstanceOf(Response)
    expect((refusal as Response).status).toBe(401)
    expect((refusal as Response).headers.get('www-authenticate')).toMatch(
      /DPoP error="invalid_dpop_proof"/,
    )
  })
})
