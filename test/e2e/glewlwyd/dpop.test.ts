/**
 * Glewlwyd: DPoP-bound tokens (RFC 9449). `dpop` on the token requests (client credentials,
 * code exchange, refresh), the bound token used at Glewlwyd's UserInfo through createDpopFetch,
 * and at our own Express resource server with `dpop: true`.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import express from 'express'
import { decodeJwt } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { requireToken } from '../../../src/adapters/express.js'
import {
  createDpop,
  createDpopFetch,
  type DiscoverySuccess,
  type DpopHandle,
  getDiscoveryDocument,
  getUserInfo,
  MemoryStore,
  ProviderCache,
  requestClientCredentialsToken,
  requestRefreshToken,
  TokenManager,
  validateToken,
} from '../../../src/index.js'
import {
  CLIENTS,
  glewlwydSkipReason,
  RESOURCE,
  signInWithCode,
  startGlewlwyd,
  type TestGlewlwyd,
  USER,
} from '../../support/glewlwyd.js'

const skip = glewlwydSkipReason()
if (skip !== undefined) console.warn(skip)

describe.skipIf(skip !== undefined)('Glewlwyd: DPoP-bound tokens', () => {
  let glewlwyd: TestGlewlwyd
  let disco: DiscoverySuccess
  let server: Server
  let api: string
  const cache = new ProviderCache()
  const client = CLIENTS.service

  beforeAll(async () => {
    glewlwyd = await startGlewlwyd()
    const response = await getDiscoveryDocument({ address: glewlwyd.issuer, cache })
    if (!response.isSuccessful) throw new Error(response.error)
    disco = response
    const app = express()
    app.get(
      '/orders',
      requireToken({ discoDocAddress: glewlwyd.issuer, audience: RESOURCE, cache, dpop: true }),
      (req, res) => {
        res.json({ sub: req.userClaims?.sub, jkt: (req.userClaims?.cnf as { jkt?: string })?.jkt })
      },
    )
    server = createServer(app)
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    api = `http://127.0.0.1:${(server.address() as AddressInfo).port}/orders`
  })
  afterAll(async () => {
    server?.closeAllConnections()
    await new Promise((resolve) => server?.close(resolve))
    await glewlwyd?.stop()
  })

  const boundToken = async (dpop: DpopHandle) => {
    const response = await requestClientCredentialsToken({
      address: disco.tokenEndpoint!,
      clientId: client.clientId,
      clientSecret: client.clientSecret,
      scope: 'api:read',
      resource: RESOURCE,
      dpop,
    })
    if (!response.isSuccessful) throw new Error(`${response.error} (${response.httpStatus})`)
    return response.token
  }

  it('binds a client-credentials token to our key: token_type DPoP, cnf.jkt = thumbprint', async () => {
    const dpop = await createDpop()
    const token = await boundToken(dpop)
    expect(token.token_type).toBe('DPoP')
    const claims = await validateToken(
      token.access_token,
      { performDisco: true, audience: RESOURCE, cache },
      glewlwyd.issuer,
    )
    expect(claims.cnf).toEqual({ jkt: dpop.thumbprint })
  })

  it('binds with an RSA (PS256) or Ed25519 key too', async () => {
    for (const alg of ['PS256', 'EdDSA'] as const) {
      const dpop = await createDpop({ alg })
      const token = await boundToken(dpop)
      expect(decodeJwt(token.access_token).cnf).toEqual({ jkt: dpop.thumbprint })
    }
  })

  it('binds a user token through the code exchange, and keeps it bound on refresh', async () => {
    const dpop = await createDpop()
    const { tokens } = await signInWithCode(glewlwyd, disco, client, { dpop })
    expect(tokens.token_type).toBe('DPoP')
    expect(decodeJwt(tokens.access_token).cnf).toEqual({ jkt: dpop.thumbprint })

    const refreshed = await requestRefreshToken({
      address: disco.tokenEndpoint!,
      clientId: client.clientId,
      clientSecret: client.clientSecret,
      refreshToken: tokens.refresh_token!,
      dpop,
    })
    if (!refreshed.isSuccessful) throw new Error(refreshed.error)
    expect(refreshed.token.token_type).toBe('DPoP')
    expect(decodeJwt(refreshed.token.access_token).cnf).toEqual({ jkt: dpop.thumbprint })
  })

  it('cannot refresh a bound refresh token without the key, or with another key', async () => {
    const dpop = await createDpop()
    const { tokens } = await signInWithCode(glewlwyd, disco, client, { dpop })
    for (const other of [undefined, await createDpop()]) {
      const refreshed = await requestRefreshToken({
        address: disco.tokenEndpoint!,
        clientId: client.clientId,
        clientSecret: client.clientSecret,
        refreshToken: tokens.refresh_token!,
        dpop: other,
      })
      expect(refreshed).toMatchObject({
        isSuccessful: false,
        errorType: 'protocol',
        error: 'invalid_dpop_proof',
      })
    }
  })

  it("calls Glewlwyd's UserInfo with the bound token: with a proof, not as a bearer token", async () => {
    const dpop = await createDpop()
    const { tokens } = await signInWithCode(glewlwyd, disco, client, { dpop })
    const sub = decodeJwt(tokens.id_token!).sub
    const withProof = await getUserInfo({
      address: disco.userinfoEndpoint!,
      token: tokens.access_token,
      expectedSubject: sub,
      fetch: createDpopFetch(dpop, { accessToken: tokens.access_token }),
    })
    if (!withProof.isSuccessful) throw new Error(withProof.error)
    expect(withProof.claims).toMatchObject({ sub, name: USER.name })

    const asBearer = await getUserInfo({
      address: disco.userinfoEndpoint!,
      token: tokens.access_token,
    })
    expect(asBearer).toMatchObject({ isSuccessful: false, httpStatus: 401 })
  })

  it('our resource server accepts the bound token with its proof (createDpopFetch)', async () => {
    const dpop = await createDpop()
    const token = await boundToken(dpop)
    const response = await createDpopFetch(dpop, { accessToken: token.access_token })(api, {
      signal: AbortSignal.timeout(10_000),
    })
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ sub: client.clientId, jkt: dpop.thumbprint })
  })

  it('our resource server refuses the bound token as a bearer token, or with a proof of another key', async () => {
    const dpop = await createDpop()
    const token = await boundToken(dpop)
    const asBearer = await fetch(api, {
      headers: { authorization: `Bearer ${token.access_token}` },
      signal: AbortSignal.timeout(10_000),
    })
    expect(asBearer.status).toBe(401)
    expect(asBearer.headers.get('www-authenticate')).toMatch(/invalid_token/)

    const thief = await createDpop()
    const stolen = await createDpopFetch(thief, { accessToken: token.access_token })(api, {
      signal: AbortSignal.timeout(10_000),
    })
    expect(stolen.status).toBe(401)
    expect(stolen.headers.get('www-authenticate')).toContain(
      'DPoP error="invalid_token", error_description="Invalid DPoP key binding"',
    )
  })

  it('a TokenManager with `dpop` keeps a bound token for createDpopFetch', async () => {
    const dpop = await createDpop()
    const manager = new TokenManager({
      store: new MemoryStore(),
      request: {
        address: disco.tokenEndpoint!,
        clientId: client.clientId,
        clientSecret: client.clientSecret,
        scope: 'api:read',
        resource: RESOURCE,
        dpop,
      },
    })
    const call = createDpopFetch(dpop, { tokenSource: manager })
    for (let i = 0; i < 2; i++) {
      const response = await call(api, { signal: AbortSignal.timeout(10_000) })
      expect(response.status).toBe(200)
      expect(await response.json()).toMatchObject({ jkt: dpop.thumbprint })
    }
  })
})

describe.skipIf(skip !== undefined)('Glewlwyd: DPoP with server nonces', () => {
  let glewlwyd: TestGlewlwyd
  let disco: DiscoverySuccess
  const client = CLIENTS.service

  beforeAll(async () => {
    // Every proof must carry Glewlwyd's current nonce, which it replaces every 3 uses.
    glewlwyd = await startGlewlwyd({
      plugin: { 'oauth-dpop-nonce-mandatory': true, 'oauth-dpop-nonce-counter': 3 },
    })
    const response = await getDiscoveryDocument({
      address: glewlwyd.issuer,
      cache: new ProviderCache(),
    })
    if (!response.isSuccessful) throw new Error(response.error)
    disco = response
  })
  afterAll(async () => {
    await glewlwyd?.stop()
  })

  it('retries a token request once with the nonce demanded, then follows each new nonce', async () => {
    const dpop = await createDpop()
    const answers: { status: number; nonce: string | null }[] = []
    const recording: typeof fetch = async (input, init) => {
      const response = await fetch(input, init)
      answers.push({ status: response.status, nonce: response.headers.get('dpop-nonce') })
      return response
    }
    const first = await requestClientCredentialsToken({
      address: disco.tokenEndpoint!,
      clientId: client.clientId,
      clientSecret: client.clientSecret,
      scope: 'api:read',
      dpop,
      fetch: recording,
    })
    expect(first).toMatchObject({ isSuccessful: true, token: { token_type: 'DPoP' } })
    expect(answers).toEqual([
      { status: 400, nonce: expect.any(String) },
      { status: 200, nonce: null },
    ])
    expect(dpop.nonceFor(disco.tokenEndpoint!)).toBe(answers[0]?.nonce)

    // Glewlwyd hands out a new nonce on a success now and then; each next proof carries it.
    const { tokens } = await signInWithCode(glewlwyd, disco, client, { dpop })
    answers.length = 0
    const call = createDpopFetch(dpop, { accessToken: tokens.access_token, fetch: recording })
    for (let i = 0; i < 4; i++) {
      const info = await getUserInfo({
        address: disco.userinfoEndpoint!,
        token: tokens.access_token,
        fetch: call,
      })
      expect(info.isSuccessful).toBe(true)
      const refreshed = await requestRefreshToken({
        address: disco.tokenEndpoint!,
        clientId: client.clientId,
        clientSecret: client.clientSecret,
        refreshToken: tokens.refresh_token!,
        dpop,
        fetch: recording,
      })
      expect(refreshed).toMatchObject({ isSuccessful: true })
    }
    expect(answers.every((answer) => answer.status === 200)).toBe(true)
    expect(answers.some((answer) => answer.nonce !== null)).toBe(true)
  })
})
