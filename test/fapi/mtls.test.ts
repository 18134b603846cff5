/**
 * Mutual TLS (RFC 8705) end to end over real TLS on 127.0.0.1: `tls_client_auth` at the
 * provider's mTLS alias issues a certificate-bound JWT access token (`cnf.x5t#S256`), and the
 * Express, Fastify and web adapters accept it only with that certificate on the connection (or in
 * the trusted proxy's header), and refuse it with another certificate, with none, or with the
 * `mtls` option off.
 */
import { createServer, type Server } from 'node:https'
import type { AddressInfo } from 'node:net'
import express from 'express'
import Fastify, { type FastifyInstance } from 'fastify'
import { decodeJwt } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { requireToken } from '../../src/adapters/express.js'
import { bearerAuth } from '../../src/adapters/fastify.js'
import { requireToken as requireTokenWeb } from '../../src/adapters/web.js'
import { createTlsFetch as createUnsupportedTlsFetch } from '../../src/http/tls/unsupported.js'
import {
  type BearerAuthOptions,
  ConfigurationError,
  certificateThumbprint,
  createTlsFetch,
  MemoryStore,
  requestClientCredentialsToken,
  TokenManager,
  TokenUnavailableError,
} from '../../src/index.js'
import { fapiClients } from '../../testbed/fapi.js'
import { resources } from '../../testbed/provider.js'
import { type FapiStack, startFapiStack } from './support.js'

let stack: FapiStack
let boundToken: string
let expressOrigin: string
let expressOff: string
let fastify: FastifyInstance
let fastifyOrigin: string
const servers: Server[] = []

function rsOptions(extra: Partial<BearerAuthOptions> = {}): BearerAuthOptions {
  return {
    discoDocAddress: stack.op.issuer,
    audience: 'my-api',
    fetch: stack.caFetch,
    cache: stack.cache,
    ...extra,
  }
}

/** An HTTPS server that asks for client certificates but leaves the judgement to the app. */
async function listenTls(handler: Parameters<typeof createServer>[1]): Promise<string> {
  const { server: cert, ca } = stack.op.certificates
  const server = createServer(
    { cert: cert.cert, key: cert.key, ca, requestCert: true, rejectUnauthorized: false },
    handler,
  )
  servers.push(server)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return `https://127.0.0.1:${(server.address() as AddressInfo).port}`
}

/** Calls `url` with the token, presenting `certificate` (or none). */
async function call(
  url: string,
  certificate: { cert: string; key: string } | undefined,
  token = boundToken,
): Promise<{ status: number; body: Record<string, unknown>; challenge: string | null }> {
  const tlsFetch = createTlsFetch({ ...certificate, ca: stack.op.certificates.ca })
  const response = await tlsFetch(url, {
    headers: { authorization: `Bearer ${token}` },
    signal: AbortSignal.timeout(5000),
  })
  return {
    status: response.status,
    body: (await response.json()) as Record<string, unknown>,
    challenge: response.headers.get('www-authenticate'),
  }
}

beforeAll(async () => {
  stack = await startFapiStack()
  const token = await requestClientCredentialsToken({
    address: stack.mtls.token,
    ...fapiClients.tlsClient,
    clientAuthentication: 'tls_client_auth',
    tls: stack.tls,
    scope: 'api:read',
    resource: resources.api,
  })
  if (!token.isSuccessful) throw new Error(`token request failed: ${token.error}`)
  boundToken = token.token.access_token

  const app = express()
  app.get('/accounts', requireToken(rsOptions({ mtls: true })), (req, res) => {
    res.json({ sub: req.userClaims?.sub })
  })
  expressOrigin = await listenTls(app)
  const off = express()
  off.get('/accounts', requireToken(rsOptions()), (_req, res) => {
    res.json({ ok: true })
  })
  expressOff = await listenTls(off)

  const { server: cert, ca } = stack.op.certificates
  fastify = Fastify({
    https: { cert: cert.cert, key: cert.key, ca, requestCert: true, rejectUnauthorized: false },
  })
  await fastify.register(async (api) => {
    await api.register(bearerAuth, rsOptions({ mtls: true }))
    api.get('/accounts', async (request) => ({ sub: request.userClaims?.sub }))
  })
  fastifyOrigin = await fastify.listen({ port: 0, host: '127.0.0.1' })
})

afterAll(async () => {
  await fastify?.close()
  for (const server of servers) {
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  }
  await stack?.op.stop()
})

describe('tls_client_auth and certificate-bound tokens at the provider', () => {
  it('the token is bound to the client certificate (cnf.x5t#S256 = its SHA-256 thumbprint)', () => {
    const { mtlsClient } = stack.op.certificates
    const claims = decodeJwt(boundToken)
    expect(claims.cnf).toEqual({ 'x5t#S256': mtlsClient.thumbprint })
    expect(certificateThumbprint(mtlsClient.der)).toBe(mtlsClient.thumbprint)
    expect(certificateThumbprint(mtlsClient.cert)).toBe(mtlsClient.thumbprint)
  })

  it('discovery exposes the mTLS endpoint aliases', () => {
    expect(stack.disco.mtlsEndpointAliases?.token_endpoint).toBe(`${stack.op.mtlsOrigin}/token`)
    expect(stack.disco.tlsClientCertificateBoundAccessTokens).toBe(true)
  })

  it('without a certificate, or with one the provider did not register, the client is refused', async () => {
    const request = {
      address: stack.mtls.token,
      ...fapiClients.tlsClient,
      clientAuthentication: 'tls_client_auth' as const,
      scope: 'api:read',
      resource: resources.api,
    }
    const noCert = await requestClientCredentialsToken({
      ...request,
      tls: { ca: stack.op.certificates.ca },
    }).catch((error: unknown) => error)
    expect(noCert).toBeInstanceOf(TypeError)
    const { other, ca } = stack.op.certificates
    const otherCert = await requestClientCredentialsToken({
      ...request,
      tls: { cert: other.cert, key: other.key, ca },
    })
    expect(otherCert).toMatchObject({ isSuccessful: false, error: 'invalid_client' })
  })
})

describe('TokenManager with a client certificate', () => {
  it('never hands a manager with another certificate the token cached for the real one', async () => {
    const store = new MemoryStore()
    const { other, ca } = stack.op.certificates
    const request = {
      address: stack.mtls.token,
      ...fapiClients.tlsClient,
      clientAuthentication: 'tls_client_auth' as const,
      scope: 'api:read',
      resource: resources.api,
    }
    const real = new TokenManager({ request: { ...request, tls: stack.tls }, store })
    const wrong = new TokenManager({
      request: { ...request, tls: { cert: other.cert, key: other.key, ca } },
      store,
    })
    expect(wrong.cacheKey).not.toBe(real.cacheKey)
    const token = await real.getAccessToken()
    expect(decodeJwt(token).cnf).toEqual({
      'x5t#S256': stack.op.certificates.mtlsClient.thumbprint,
    })
    await expect(wrong.getAccessToken()).rejects.toThrow(TokenUnavailableError)
  })
})

describe('Express: requireToken({ mtls: true }) reads the TLS socket', () => {
  it('accepts the bound token over a connection with its certificate', async () => {
    const answer = await call(`${expressOrigin}/accounts`, stack.op.certificates.mtlsClient)
    expect(answer).toMatchObject({ status: 200, body: { sub: fapiClients.tlsClient.clientId } })
  })

  it('refuses it with no certificate (401 invalid_token)', async () => {
    const answer = await call(`${expressOrigin}/accounts`, undefined)
    expect(answer.status).toBe(401)
    expect(answer.body.error).toBe('invalid_token')
    expect(answer.challenge).toMatch(/^Bearer .*error="invalid_token"/)
  })

  it('refuses it with another certificate, even one the same CA issued', async () => {
    const answer = await call(`${expressOrigin}/accounts`, stack.op.certificates.other)
    expect(answer).toMatchObject({ status: 401, body: { error: 'invalid_token' } })
  })

  it('with the mtls option off, a bound token is refused, certificate or not', async () => {
    for (const certificate of [stack.op.certificates.mtlsClient, undefined]) {
      const answer = await call(`${expressOff}/accounts`, certificate)
      expect(answer).toMatchObject({ status: 401, body: { error: 'invalid_token' } })
    }
  })
})

describe('Fastify: the bearerAuth plugin with mtls reads the TLS socket', () => {
  it('accepts the bound token with its certificate and refuses it without', async () => {
    const good = await call(`${fastifyOrigin}/accounts`, stack.op.certificates.mtlsClient)
    expect(good).toMatchObject({ status: 200, body: { sub: fapiClients.tlsClient.clientId } })
    const none = await call(`${fastifyOrigin}/accounts`, undefined)
    expect(none).toMatchObject({ status: 401, body: { error: 'invalid_token' } })
    const other = await call(`${fastifyOrigin}/accounts`, stack.op.certificates.other)
    expect(other).toMatchObject({ status: 401, body: { error: 'invalid_token' } })
  })
})

describe('web adapter: the certificate comes from the trusted proxy header', () => {
  const request = (header: string | undefined) =>
    new Request('https://api.example.test/accounts', {
      headers: {
        authorization: `Bearer ${boundToken}`,
        ...(header === undefined ? {} : { 'x-client-cert': header }),
      },
    })

  it('accepts RFC 9440 Client-Cert and URL-encoded PEM forms of the bound certificate', async () => {
    const authenticate = requireTokenWeb(
      rsOptions({ mtls: { certificateHeader: 'X-Client-Cert' } }),
    )
    const { mtlsClient } = stack.op.certificates
    for (const header of [
      `:${mtlsClient.der.toString('base64')}:`,
      encodeURIComponent(mtlsClient.cert),
    ]) {
      const claims = await authenticate(request(header))
      expect(claims).not.toBeInstanceOf(Response)
      expect((claims as { sub?: string }).sub).toBe(fapiClients.tlsClient.clientId)
    }
  })

  it('refuses a missing, unreadable or other certificate (401 invalid_token)', async () => {
    const authenticate = requireTokenWeb(
      rsOptions({ mtls: { certificateHeader: 'x-client-cert' } }),
    )
    const { other } = stack.op.certificates
    for (const header of [undefined, 'garbage!', `:${other.der.toString('base64')}:`]) {
      const answer = await authenticate(request(header))
      expect(answer).toBeInstanceOf(Response)
      expect((answer as Response).status).toBe(401)
      expect(((await (answer as Response).json()) as { error: string }).error).toBe('invalid_token')
    }
  })

  it('refuses mtls: true at construction: a web handler has no TLS socket', () => {
    expect(() => requireTokenWeb(rsOptions({ mtls: true }))).toThrow(/certificateHeader/)
  })
})

describe('where a client certificate cannot be presented', () => {
  it('non-Node runtimes get a ConfigurationError saying what to do', () => {
    expect(() => createUnsupportedTlsFetch({ ca: 'x' })).toThrow(ConfigurationError)
  })

  it('a custom fetch beside tls is a caller mistake', async () => {
    await expect(
      requestClientCredentialsToken({
        address: stack.mtls.token,
        ...fapiClients.tlsClient,
        clientAuthentication: 'tls_client_auth',
        tls: stack.tls,
        fetch: stack.caFetch,
      }),
    ).rejects.toThrow(TypeError)
  })

  it('the TLS fetch refuses plain http', async () => {
    await expect(
      createTlsFetch({ ca: stack.op.certificates.ca })('http://127.0.0.1:9/'),
    ).rejects.toThrow(/not https/)
  })
})
