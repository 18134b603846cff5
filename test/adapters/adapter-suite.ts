/**
 * One scenario list for every adapter: each adapter test file starts its framework on
 * 127.0.0.1 with the same routes, and this suite sends real HTTP requests with tokens from real
 * testbed providers, asserting status, body and the exact `WWW-Authenticate` text.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  type BearerAuthOptions,
  type Claims,
  ProviderCache,
  protectedResourceMetadata,
  revokeToken,
} from '../../src/index.js'
import { clients, resources, startProvider, type TestProvider } from '../../testbed/provider.js'

/** A protected route every adapter serves. */
export interface RouteSpec {
  readonly method: 'get' | 'post'
  readonly path: string
  readonly options: BearerAuthOptions
}

export interface RunningApp {
  readonly url: string
  close(): Promise<void>
}

export interface AdapterUnderTest {
  readonly name: string
  /** Serves `routes` (handler: `view(claims)` as JSON) and the metadata document. */
  start(
    routes: readonly RouteSpec[],
    metadata: ReturnType<typeof protectedResourceMetadata>,
  ): Promise<RunningApp>
  /** Express and Fastify mark responses to query-token requests `Cache-Control: private`. */
  readonly marksQueryResponsesPrivate: boolean
}

/** What the handlers answer: a few claims. */
export function view(claims: Claims | undefined): Record<string, unknown> {
  return { sub: claims?.sub, client_id: claims?.client_id, scope: claims?.scope, iss: claims?.iss }
}

export const metadata = protectedResourceMetadata({
  resource: 'https://api.example.test',
  authorizationServers: ['https://id.example.test'],
  scopesSupported: ['api:read', 'api:write'],
})
const RM = `resource_metadata="${metadata.url}"`

interface Answer {
  readonly status: number
  readonly challenge: string | null
  readonly cacheControl: string | null
  readonly body: Record<string, unknown>
}

/** Runs the shared scenarios against one adapter. */
export function describeAdapter(adapter: AdapterUnderTest): void {
  describe(`${adapter.name} adapter over real HTTP`, () => {
    let a: TestProvider
    let b: TestProvider
    let c: TestProvider
    let down: TestProvider
    let app: RunningApp
    let full: string
    let readOnly: string
    let fromB: string
    let fromC: string
    let downToken: string

    const token = async (
      op: TestProvider,
      client: { clientId: string; clientSecret: string } = clients.serviceBasic,
      scope?: string,
    ) => {
      const response = await op.clientCredentialsToken({
        ...client,
        ...(scope === undefined ? {} : { scope }),
      })
      if (typeof response.access_token !== 'string') throw new Error(JSON.stringify(response))
      return response.access_token
    }

    const call = async (
      path: string,
      init: { authorization?: string; method?: string; form?: string } = {},
    ): Promise<Answer> => {
      const headers: Record<string, string> = {}
      if (init.authorization !== undefined) headers.authorization = init.authorization
      if (init.form !== undefined) headers['content-type'] = 'application/x-www-form-urlencoded'
      const response = await fetch(`${app.url}${path}`, {
        method: init.method ?? 'GET',
        headers,
        ...(init.form === undefined ? {} : { body: init.form }),
        signal: AbortSignal.timeout(15_000),
      })
      const text = await response.text()
      return {
        status: response.status,
        challenge: response.headers.get('www-authenticate'),
        cacheControl: response.headers.get('cache-control'),
        body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
      }
    }

    beforeAll(async () => {
      ;[a, b, c, down] = await Promise.all([
        startProvider(),
        startProvider(),
        startProvider(),
        startProvider(),
      ])
      ;[full, readOnly, fromB, fromC, downToken] = await Promise.all([
        token(a, clients.serviceBasic, 'api:read api:write'),
        token(a, clients.serviceReadonly, 'api:read'),
        token(b),
        token(c),
        token(down),
      ])
      await down.stop()
      const one = { discoDocAddress: a.issuer, audience: 'my-api' }
      const routes: RouteSpec[] = [
        {
          method: 'get',
          path: '/protected',
          options: { ...one, realm: 'api', resourceMetadata: metadata },
        },
        { method: 'get', path: '/write', options: { ...one, requiredScopes: 'api:write' } },
        {
          method: 'get',
          path: '/expired',
          options: { ...one, currentDate: new Date(Date.now() + 2 * 3600 * 1000) },
        },
        { method: 'get', path: '/other-audience', options: { ...one, audience: 'other-api' } },
        {
          method: 'get',
          path: '/multi',
          options: { issuers: [a.issuer, b.issuer], audience: 'my-api' },
        },
        {
          method: 'get',
          path: '/opaque',
          options: {
            discoDocAddress: a.issuer,
            audience: 'opaque-api',
            introspection: { ...clients.servicePost, clientAuthentication: 'client_secret_post' },
          },
        },
        {
          method: 'get',
          path: '/down',
          // A cache of its own: nothing about this provider was ever fetched.
          options: { discoDocAddress: down.issuer, audience: 'my-api', cache: new ProviderCache() },
        },
        { method: 'post', path: '/form', options: { ...one, bearerMethods: ['header', 'body'] } },
        { method: 'get', path: '/query', options: { ...one, bearerMethods: ['header', 'query'] } },
      ]
      app = await adapter.start(routes, metadata)
    })

    afterAll(async () => {
      await app?.close()
      await Promise.all([a?.stop(), b?.stop(), c?.stop(), down?.stop()])
    })

    it('lets a valid token through with its claims', async () => {
      const answer = await call('/protected', { authorization: `Bearer ${full}` })
      expect(answer.status).toBe(200)
      expect(answer.body).toEqual({
        sub: 'service-basic',
        client_id: 'service-basic',
        scope: 'api:read api:write',
        iss: a.issuer,
      })
      expect(answer.challenge).toBeNull()
    })

    it('missing token: 401 with a bare challenge (realm, resource_metadata)', async () => {
      const answer = await call('/protected')
      expect(answer.status).toBe(401)
      expect(answer.challenge).toBe(`Bearer realm="api", ${RM}`)
      expect(answer.body).toEqual({
        error: 'unauthorized',
        error_description: 'Bearer authentication is required',
      })
      expect(answer.cacheControl).toBe('no-store')
    })

    it('malformed Authorization header: 400 invalid_request', async () => {
      const answer = await call('/protected', { authorization: 'Bearer two words' })
      expect(answer.status).toBe(400)
      expect(answer.challenge).toBe(
        `Bearer realm="api", error="invalid_request", error_description="The Authorization header is not a valid Bearer header", ${RM}`,
      )
      expect(answer.body.error).toBe('invalid_request')
    })

    it('malformed token: 401 invalid_token', async () => {
      const answer = await call('/protected', { authorization: 'Bearer not-a-jwt' })
      expect(answer.status).toBe(401)
      expect(answer.challenge).toBe(
        `Bearer realm="api", error="invalid_token", error_description="The token is malformed", ${RM}`,
      )
    })

    it('tampered token: 401, and the token appears nowhere in the answer', async () => {
      const [head, payload, signature] = full.split('.') as [string, string, string]
      const claims = JSON.parse(Buffer.from(payload, 'base64url').toString())
      const forged = `${head}.${Buffer.from(JSON.stringify({ ...claims, scope: 'api:admin' })).toString('base64url')}.${signature}`
      const answer = await call('/protected', { authorization: `Bearer ${forged}` })
      expect(answer.status).toBe(401)
      expect(answer.challenge).toBe(
        `Bearer realm="api", error="invalid_token", error_description="The token signature is invalid", ${RM}`,
      )
      expect(JSON.stringify(answer)).not.toContain(signature)
      expect(JSON.stringify(answer)).not.toContain(payload.slice(0, 20))
    })

    it('expired token: 401 invalid_token', async () => {
      const answer = await call('/expired', { authorization: `Bearer ${full}` })
      expect(answer.status).toBe(401)
      expect(answer.challenge).toBe(
        'Bearer error="invalid_token", error_description="The token has expired"',
      )
      expect(answer.body).toEqual({
        error: 'invalid_token',
        error_description: 'The token has expired',
      })
    })

    it('wrong audience: 401 invalid_token', async () => {
      const answer = await call('/other-audience', { authorization: `Bearer ${full}` })
      expect(answer.status).toBe(401)
      expect(answer.challenge).toBe(
        'Bearer error="invalid_token", error_description="The token audience is not accepted"',
      )
    })

    it('missing scope: 403 insufficient_scope naming the scope', async () => {
      const answer = await call('/write', { authorization: `Bearer ${readOnly}` })
      expect(answer.status).toBe(403)
      expect(answer.challenge).toBe(
        'Bearer error="insufficient_scope", error_description="The token lacks a required scope", scope="api:write"',
      )
      expect((await call('/write', { authorization: `Bearer ${full}` })).status).toBe(200)
      // The same token is good where no scope is required: the 403 is about the scope only.
      expect((await call('/protected', { authorization: `Bearer ${readOnly}` })).status).toBe(200)
    })

    it('two issuers: each token is checked against its own provider; a third is refused unseen', async () => {
      const fromA = await call('/multi', { authorization: `Bearer ${full}` })
      expect(fromA.status).toBe(200)
      expect(fromA.body.iss).toBe(a.issuer)
      const answerB = await call('/multi', { authorization: `Bearer ${fromB}` })
      expect(answerB.status).toBe(200)
      expect(answerB.body.iss).toBe(b.issuer)
      c.resetCounts()
      const answerC = await call('/multi', { authorization: `Bearer ${fromC}` })
      expect(answerC.status).toBe(401)
      expect(answerC.challenge).toBe(
        'Bearer error="invalid_token", error_description="The token issuer is not accepted"',
      )
      expect(c.counts).toEqual({})
    })

    it('opaque token: accepted through introspection; a revoked one is not active', async () => {
      const opaque = await a.clientCredentialsToken({
        ...clients.serviceBasic,
        scope: 'api:read',
        resource: resources.opaque,
      })
      const accepted = await call('/opaque', { authorization: `Bearer ${opaque.access_token}` })
      expect(accepted.status).toBe(200)
      expect(accepted.body).toMatchObject({ client_id: 'service-basic', scope: 'api:read' })

      const revoked = await a.clientCredentialsToken({
        ...clients.serviceBasic,
        scope: 'api:read',
        resource: resources.opaque,
      })
      const revocation = await revokeToken({
        address: `${a.issuer}/token/revocation`,
        ...clients.serviceBasic,
        token: String(revoked.access_token),
      })
      expect(revocation.isSuccessful).toBe(true)
      const refused = await call('/opaque', { authorization: `Bearer ${revoked.access_token}` })
      expect(refused.status).toBe(401)
      expect(refused.challenge).toBe(
        'Bearer error="invalid_token", error_description="The token is not active"',
      )
    })

    it('provider stopped: 503 without a challenge', async () => {
      const answer = await call('/down', { authorization: `Bearer ${downToken}` })
      expect(answer.status).toBe(503)
      expect(answer.challenge).toBeNull()
      expect(answer.body).toEqual({
        error: 'temporarily_unavailable',
        error_description: 'The identity provider is unavailable',
      })
    })

    it('form body token when enabled; two methods at once is 400', async () => {
      const form = `access_token=${encodeURIComponent(full)}&other=1`
      expect((await call('/form', { method: 'POST', form })).status).toBe(200)
      const both = await call('/form', {
        method: 'POST',
        form,
        authorization: `Bearer ${full}`,
      })
      expect(both.status).toBe(400)
      expect(both.challenge).toBe(
        'Bearer error="invalid_request", error_description="The request uses more than one method to send the token"',
      )
      const twice = await call('/form', {
        method: 'POST',
        form: `access_token=${full}&access_token=${full}`,
      })
      expect(twice.status).toBe(400)
      expect(twice.challenge).toBe(
        'Bearer error="invalid_request", error_description="The access_token form field must appear once, with a value"',
      )
    })

    it('query token only where enabled', async () => {
      const answer = await call(`/query?access_token=${full}`)
      expect(answer.status).toBe(200)
      if (adapter.marksQueryResponsesPrivate) expect(answer.cacheControl).toBe('private')
      const ignored = await call(`/protected?access_token=${full}`)
      expect(ignored.status).toBe(401)
      expect(ignored.challenge).toBe(`Bearer realm="api", ${RM}`)
    })

    it('serves the RFC 9728 metadata document', async () => {
      const response = await fetch(`${app.url}${metadata.path}`)
      expect(response.status).toBe(200)
      expect(response.headers.get('content-type')).toMatch(/^application\/json/)
      expect(await response.json()).toEqual({
        resource: 'https://api.example.test',
        authorization_servers: ['https://id.example.test'],
        scopes_supported: ['api:read', 'api:write'],
        bearer_methods_supported: ['header'],
      })
    })
  })
}
