/**
 * Glewlwyd's tokens at our resource server: `requireToken` from the Express adapter and from
 * the web adapter (served by @hono/node-server), each over real HTTP on 127.0.0.1, accepting
 * good tokens and refusing bad ones with the right status and challenge. Also the introspection
 * strategy, which sees a revocation that JWT validation cannot.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { serve } from '@hono/node-server'
import express from 'express'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { requireToken as requireTokenExpress } from '../../../src/adapters/express.js'
import { requireToken as requireTokenWeb } from '../../../src/adapters/web.js'
import {
  type BearerAuthOptions,
  type Claims,
  type DiscoverySuccess,
  getDiscoveryDocument,
  ProviderCache,
  requestClientCredentialsToken,
  revokeToken,
} from '../../../src/index.js'
import {
  CLIENTS,
  type GlewlwydClient,
  glewlwydSkipReason,
  RESOURCE,
  signInWithCode,
  startGlewlwyd,
  type TestGlewlwyd,
} from '../../support/glewlwyd.js'

const skip = glewlwydSkipReason()
if (skip !== undefined) console.warn(skip)

interface Route {
  readonly path: string
  readonly options: BearerAuthOptions
}

interface RunningApp {
  readonly url: string
  close(): Promise<void>
}

/** What every protected route answers: a few of the verified claims. */
const view = (claims: Claims | undefined) => ({
  sub: claims?.sub,
  client_id: claims?.client_id,
  scope: claims?.scope,
})

const adapters: { name: string; start(routes: readonly Route[]): Promise<RunningApp> }[] = [
  {
    name: 'Express',
    async start(routes) {
      const app = express()
      for (const route of routes) {
        app.get(route.path, requireTokenExpress(route.options), (req, res) => {
          res.json(view(req.userClaims))
        })
      }
      const server = createServer(app)
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
      return running(server)
    },
  },
  {
    name: 'web (on @hono/node-server)',
    async start(routes) {
      const handlers = new Map(routes.map((route) => [route.path, requireTokenWeb(route.options)]))
      return new Promise((resolve) => {
        const server = serve(
          {
            hostname: '127.0.0.1',
            port: 0,
            fetch: async (request) => {
              const authenticate = handlers.get(new URL(request.url).pathname)
              if (authenticate === undefined) return new Response('not found', { status: 404 })
              const claims = await authenticate(request)
              return claims instanceof Response ? claims : Response.json(view(claims))
            },
          },
          () => resolve(running(server as Server)),
        )
      })
    },
  },
]

function running(server: Server): RunningApp {
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

async function call(url: string, authorization?: string) {
  const response = await fetch(url, {
    headers: authorization === undefined ? {} : { authorization },
    signal: AbortSignal.timeout(10_000),
  })
  const text = await response.text()
  return {
    status: response.status,
    challenge: response.headers.get('www-authenticate'),
    text,
    body: JSON.parse(text) as Record<string, unknown>,
  }
}

async function clientToken(
  disco: DiscoverySuccess,
  client: GlewlwydClient,
  scope: string,
): Promise<string> {
  const response = await requestClientCredentialsToken({
    address: disco.tokenEndpoint!,
    clientId: client.clientId,
    clientSecret: client.clientSecret,
    scope,
    resource: RESOURCE,
  })
  if (!response.isSuccessful) throw new Error(`${response.error} (${response.httpStatus})`)
  return response.token.access_token
}

describe.skipIf(skip !== undefined).each(adapters)(
  'Glewlwyd tokens at the $name adapter',
  (adapter) => {
    let glewlwyd: TestGlewlwyd
    let disco: DiscoverySuccess
    let app: RunningApp
    let writer: string
    let reader: string
    let idToken: string

    beforeAll(async () => {
      glewlwyd = await startGlewlwyd()
      const cache = new ProviderCache()
      const response = await getDiscoveryDocument({ address: glewlwyd.issuer, cache })
      if (!response.isSuccessful) throw new Error(response.error)
      disco = response
      const jwt = { discoDocAddress: glewlwyd.issuer, audience: RESOURCE, cache }
      app = await adapter.start([
        { path: '/orders', options: { ...jwt, requiredScopes: 'api:write' } },
        { path: '/profile', options: { ...jwt, jwtAccessTokenProfile: true } },
        { path: '/other-audience', options: { ...jwt, audience: 'https://other.example' } },
        {
          path: '/introspected',
          options: {
            audience: RESOURCE,
            requiredScopes: 'api:write',
            introspection: {
              address: disco.introspectionEndpoint!,
              clientId: CLIENTS.service.clientId,
              clientSecret: CLIENTS.service.clientSecret,
              cache: false,
            },
          },
        },
      ])
      writer = await clientToken(disco, CLIENTS.service, 'api:read api:write')
      reader = await clientToken(disco, CLIENTS.reader, 'api:read')
      idToken = (await signInWithCode(glewlwyd, disco, CLIENTS.service)).tokens.id_token!
    })
    afterAll(async () => {
      await app?.close()
      await glewlwyd?.stop()
    })

    it('lets a good token through with its claims', async () => {
      const response = await call(`${app.url}/orders`, `Bearer ${writer}`)
      expect(response.status).toBe(200)
      expect(response.challenge).toBeNull()
      expect(response.body).toEqual({
        sub: CLIENTS.service.clientId,
        client_id: CLIENTS.service.clientId,
        scope: 'api:read api:write',
      })
    })

    it('accepts its RFC 9068 profile (typ at+jwt and the required claims)', async () => {
      const response = await call(`${app.url}/profile`, `Bearer ${reader}`)
      expect(response.status).toBe(200)
    })

    it('answers 401 with a bare challenge when there is no token', async () => {
      const response = await call(`${app.url}/orders`)
      expect(response.status).toBe(401)
      expect(response.challenge).toBe('Bearer')
    })

    it('answers 403 insufficient_scope to a token without the required scope', async () => {
      const response = await call(`${app.url}/orders`, `Bearer ${reader}`)
      expect(response.status).toBe(403)
      expect(response.challenge).toBe(
        'Bearer error="insufficient_scope", error_description="The token lacks a required scope", scope="api:write"',
      )
    })

    it('answers 401 invalid_token to a token for another audience', async () => {
      const response = await call(`${app.url}/other-audience`, `Bearer ${writer}`)
      expect(response.status).toBe(401)
      expect(response.challenge).toBe(
        'Bearer error="invalid_token", error_description="The token audience is not accepted"',
      )
    })

    it('answers 401 invalid_token to a tampered token, without echoing it', async () => {
      const [header, payload] = writer.split('.')
      const forged = `${header}.${payload}.${Buffer.from('not the signature').toString('base64url')}`
      const response = await call(`${app.url}/orders`, `Bearer ${forged}`)
      expect(response.status).toBe(401)
      expect(response.challenge).toBe(
        'Bearer error="invalid_token", error_description="The token signature is invalid"',
      )
      for (const part of forged.split('.')) expect(response.text).not.toContain(part)
    })

    it('answers 401 to its ID token used as an access token (RFC 9068 profile)', async () => {
      const response = await call(`${app.url}/profile`, `Bearer ${idToken}`)
      expect(response.status).toBe(401)
      expect(response.challenge).toMatch(/^Bearer error="invalid_token"/)
    })

    it('by introspection: accepts a live token, refuses it once revoked', async () => {
      const token = await clientToken(disco, CLIENTS.service, 'api:read api:write')
      const live = await call(`${app.url}/introspected`, `Bearer ${token}`)
      expect(live.status).toBe(200)
      expect(live.body).toMatchObject({ client_id: CLIENTS.service.clientId })

      const revoked = await revokeToken({
        address: disco.revocationEndpoint!,
        clientId: CLIENTS.service.clientId,
        clientSecret: CLIENTS.service.clientSecret,
        token,
      })
      expect(revoked.isSuccessful).toBe(true)
      const after = await call(`${app.url}/introspected`, `Bearer ${token}`)
      expect(after.status).toBe(401)
      expect(after.challenge).toMatch(/^Bearer error="invalid_token"/)
      // A JWT stays valid to JWT validation until it expires: revocation needs introspection.
      expect((await call(`${app.url}/orders`, `Bearer ${token}`)).status).toBe(200)
    })

    it('answers 503, not 401, when Glewlwyd is down and nothing is cached', async () => {
      const down = await startGlewlwyd()
      let downApp: RunningApp | undefined
      try {
        const downDisco = await getDiscoveryDocument({
          address: down.issuer,
          cache: new ProviderCache(),
        })
        if (!downDisco.isSuccessful) throw new Error(downDisco.error)
        const token = await clientToken(downDisco, CLIENTS.service, 'api:read')
        downApp = await adapter.start([
          {
            path: '/cold',
            options: {
              discoDocAddress: down.issuer,
              audience: RESOURCE,
              cache: new ProviderCache(),
            },
          },
        ])
        await down.stop()
        const response = await call(`${downApp.url}/cold`, `Bearer ${token}`)
        expect(response.status).toBe(503)
        expect(response.challenge).toBeNull()
        expect(response.body.error).toBe('temporarily_unavailable')
      } finally {
        await downApp?.close()
        await down.stop()
      }
    })
  },
)
