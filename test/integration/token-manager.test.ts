/**
 * TokenManager and the authorized fetch against the real testbed provider, for every client
 * authentication method, and a real API that validates the tokens.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { JWK } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MemoryStore } from '../../src/cache/memory-store.js'
import { ProviderCache } from '../../src/provider/provider-cache.js'
import type { ClientCredentialsTokenRequestInit } from '../../src/token/client-credentials.js'
import { createAuthorizedFetch } from '../../src/token-manager/authorized-fetch.js'
import { TokenManager } from '../../src/token-manager/token-manager.js'
import { validateToken } from '../../src/validation/validate-token.js'
import { clientKeys, clients, startProvider, type TestProvider } from '../../testbed/provider.js'

let op: TestProvider
let api: Server
let apiUrl: string
/** Tokens the API refuses, as if revoked. */
const revoked = new Set<string>()

beforeAll(async () => {
  op = await startProvider()
  const cache = new ProviderCache()
  api = createServer(async (req, res) => {
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? ''
    let body = ''
    for await (const chunk of req) body += chunk
    try {
      if (revoked.has(token)) throw new Error('revoked')
      const claims = await validateToken(
        token,
        { performDisco: true, audience: 'my-api', cache },
        op.issuer,
      )
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ client: claims.client_id, body }))
    } catch {
      res.writeHead(401, { 'www-authenticate': 'Bearer error="invalid_token"' }).end()
    }
  })
  await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve))
  apiUrl = `http://127.0.0.1:${(api.address() as AddressInfo).port}/orders`
})
afterAll(async () => {
  await new Promise((resolve) => api?.close(resolve))
  await op?.stop()
})

const requests = (): [string, ClientCredentialsTokenRequestInit][] => {
  const address = `${op.issuer}/token`
  const jwk = clientKeys['jwt-client'].find((key) => key.alg === 'ES256') as JWK
  return [
    ['client_secret_basic', { address, ...clients.serviceBasic, scope: 'api:read' }],
    [
      'client_secret_post',
      {
        address,
        ...clients.servicePost,
        clientAuthentication: 'client_secret_post',
        scope: 'api:read',
      },
    ],
    [
      'client_secret_jwt',
      {
        address,
        ...clients.hmacClient,
        clientAuthentication: 'client_secret_jwt',
        scope: 'api:read',
      },
    ],
    [
      'private_key_jwt',
      { address, clientId: clients.jwtClient.clientId, privateKey: jwk, scope: 'api:read' },
    ],
  ]
}

describe('TokenManager against the testbed provider', () => {
  it.each(['client_secret_basic', 'client_secret_post', 'client_secret_jwt', 'private_key_jwt'])(
    'gets one token for 20 callers with %s, and the API accepts it',
    async (method) => {
      const [, request] = requests().find(([name]) => name === method)!
      const manager = new TokenManager({ request, store: new MemoryStore() })
      op.resetCounts()
      const tokens = await Promise.all(Array.from({ length: 20 }, () => manager.getAccessToken()))
      expect(new Set(tokens).size).toBe(1)
      expect(op.counts['/token']).toBe(1)
      const claims = await validateToken(
        tokens[0]!,
        { performDisco: true, audience: 'my-api' },
        op.issuer,
      )
      expect(claims.client_id).toBe(request.clientId)
    },
  )

  it('reports a wrong secret as token_unavailable without the secret in the message', async () => {
    const manager = new TokenManager({
      request: {
        address: `${op.issuer}/token`,
        clientId: clients.servicePost.clientId,
        clientSecret: 'wrong-secret-value',
        clientAuthentication: 'client_secret_post',
      },
      store: new MemoryStore(),
    })
    const error = await manager.getAccessToken().catch((e: unknown) => e)
    expect(error).toMatchObject({
      code: 'token_unavailable',
      errorType: 'protocol',
      httpStatus: 401,
    })
    expect((error as Error).message).toContain('invalid_client')
    expect((error as Error).message).not.toContain('wrong-secret-value')
  })

  it('calls a real API with the token, and recovers once from a refused token', async () => {
    const manager = new TokenManager({ request: requests()[0]![1], store: new MemoryStore() })
    const fetchApi = createAuthorizedFetch(manager)
    const first = await fetchApi(apiUrl, { method: 'POST', body: 'order-1' })
    expect(await first.json()).toEqual({ client: clients.serviceBasic.clientId, body: 'order-1' })

    revoked.add(await manager.getAccessToken())
    op.resetCounts()
    const second = await fetchApi(apiUrl, { method: 'POST', body: 'order-2' })
    expect(second.status).toBe(200)
    expect(await second.json()).toEqual({ client: clients.serviceBasic.clientId, body: 'order-2' })
    expect(op.counts['/token']).toBe(1)
  })
})
