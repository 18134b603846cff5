/**
 * identity-model/opentelemetry with the OpenTelemetry SDK's in-memory exporters: a validation,
 * a key rotation during a JWKS outage, token requests and the token manager produce the spans
 * and metrics docs/observability.md lists, and nothing secret reaches them.
 */
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics'
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base'
import { afterEach, describe, expect, it } from 'vitest'
import { MemoryStore } from '../../src/cache/memory-store.js'
import {
  ProviderCache,
  requestClientCredentialsToken,
  TokenManager,
  validateToken,
} from '../../src/index.js'
import { instrumentIdentityModel } from '../../src/opentelemetry/index.js'
import { createBearerAuth } from '../../src/resource-server/authenticate.js'
import { metadata } from '../discovery/helpers.js'
import { fakeFetch, json } from '../support/fake-fetch.js'
import { accessClaims, makeKey, NOW, sign } from '../support/tokens.js'

const ISSUER = 'https://id.example.com'
const SECRET = 'client-secret-in-no-span'
const ACCESS_TOKEN = 'opaque-access-token-in-no-metric'

let stop: (() => void) | undefined
afterEach(() => {
  stop?.()
  stop = undefined
})

function telemetry() {
  const spans = new InMemorySpanExporter()
  const tracerProvider = new BasicTracerProvider({
    spanProcessors: [new SimpleSpanProcessor(spans)],
  })
  const metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE)
  const reader = new PeriodicExportingMetricReader({
    exporter: metricExporter,
    exportIntervalMillis: 3_600_000,
  })
  const meterProvider = new MeterProvider({ readers: [reader] })
  stop = instrumentIdentityModel({ tracerProvider, meterProvider })
  return {
    spans: () => spans.getFinishedSpans(),
    metrics: async () => {
      await reader.forceFlush()
      const exported = metricExporter.getMetrics()
      return exported.at(-1)?.scopeMetrics.flatMap((scope) => scope.metrics) ?? []
    },
  }
}

describe('instrumentIdentityModel', () => {
  it('exports spans and metrics for validation, keys, token requests and the token manager', async () => {
    const t = telemetry()
    const key = makeKey('ES256', 'k1')
    const rotated = makeKey('ES256', 'k2')
    let jwksDown = false
    const fake = fakeFetch({
      [`${ISSUER}/.well-known/openid-configuration`]: () => json(metadata(ISSUER)),
      [`${ISSUER}/jwks`]: () =>
        jwksDown ? new Response('down', { status: 503 }) : json({ keys: [key.publicJwk] }),
      [`${ISSUER}/token`]: async (request) => {
        const body = await request.text()
        const basic = request.headers.get('authorization') ?? ''
        if (!basic.startsWith('Basic ') && !body.includes(SECRET)) {
          return json({ error: 'invalid_client', error_description: SECRET }, { status: 401 })
        }
        return json({ access_token: ACCESS_TOKEN, token_type: 'Bearer', expires_in: 600 })
      },
    })
    const cache = new ProviderCache({ now: () => NOW * 1000 })
    const config = {
      performDisco: true as const,
      audience: 'my-api',
      currentDate: new Date(NOW * 1000),
      cache,
      fetch: fake.fetch,
    }
    const token = await sign(key, accessClaims({ iss: ISSUER }))
    await validateToken(token, config, ISSUER)
    await validateToken(token, config, ISSUER)
    jwksDown = true
    const unknownKid = await sign(rotated, accessClaims({ iss: ISSUER }))
    await expect(validateToken(unknownKid, config, ISSUER)).rejects.toMatchObject({
      code: 'provider_unavailable',
    })
    const auth = createBearerAuth({ discoDocAddress: ISSUER, ...config })
    await auth.authenticate({ authorization: 'Bearer x.y.z' })

    await requestClientCredentialsToken({
      address: `${ISSUER}/token`,
      clientId: 'svc',
      clientSecret: 'wrong',
      clientAuthentication: 'client_secret_post',
      fetch: fake.fetch,
    } as never)
    const manager = new TokenManager({
      request: {
        address: `${ISSUER}/token`,
        clientId: 'svc',
        clientSecret: SECRET,
        fetch: fake.fetch,
      },
      store: new MemoryStore(),
    })
    expect(await manager.getAccessToken()).toBe(ACCESS_TOKEN)
    await manager.getAccessToken()

    const spans = t.spans()
    const names = spans.map((span) => span.name)
    // Two valid, one provider_unavailable, one malformed (through the middleware).
    expect(names.filter((n) => n === 'identity-model validate')).toHaveLength(4)
    expect(names).toContain('identity-model discovery')
    expect(names.filter((n) => n === 'identity-model jwks')).toHaveLength(2)
    expect(names.filter((n) => n === 'identity-model token')).toHaveLength(2)
    const failedKeys = spans.find(
      (span) =>
        span.name === 'identity-model jwks' &&
        span.attributes['identity_model.reason'] === 'kid_miss',
    )
    expect(failedKeys?.status.code).toBe(2) // SpanStatusCode.ERROR
    expect(failedKeys?.attributes['http.response.status_code']).toBe(503)
    const valid = spans.find((span) => span.attributes['identity_model.outcome'] === 'valid')
    expect(valid?.attributes).toMatchObject({
      'identity_model.issuer': ISSUER,
      'identity_model.alg': 'ES256',
    })

    const metrics = await t.metrics()
    const byName = new Map(metrics.map((metric) => [metric.descriptor.name, metric]))
    expect([...byName.keys()].sort()).toEqual([
      'identity_model.provider.fetch.duration',
      'identity_model.provider.lookups',
      'identity_model.resource.refusals',
      'identity_model.token_manager.events',
      'identity_model.token_request.duration',
      'identity_model.validation.duration',
    ])
    const validations = byName.get('identity_model.validation.duration')!.dataPoints
    const outcomes = validations.map((point) => point.attributes['identity_model.outcome']).sort()
    expect(outcomes).toEqual(['error', 'invalid', 'valid'])
    const managerEvents = byName.get('identity_model.token_manager.events')!.dataPoints
    expect(
      managerEvents.map((p) => [p.attributes['identity_model.outcome'], p.value]).sort(),
    ).toEqual([
      ['fetched', 1],
      ['hit', 1],
    ])

    // Nothing secret in anything exported: no token, no client secret, no provider description.
    const exported = JSON.stringify({
      spans: spans.map((s) => ({ n: s.name, a: s.attributes, st: s.status, e: s.events })),
      metrics,
    })
    for (const secret of [SECRET, ACCESS_TOKEN, token, unknownKid, 'wrong', 'user-1']) {
      expect(exported).not.toContain(secret)
    }
  })

  it('stops at the call of the function it returns, and survives a failing SDK', async () => {
    const broken = {
      getTracer: () => {
        return {
          startSpan: () => {
            throw new Error('exporter down')
          },
          startActiveSpan: () => {
            throw new Error('exporter down')
          },
        }
      },
    }
    stop = instrumentIdentityModel({ tracerProvider: broken as never })
    const secret = new TextEncoder().encode('a-32-byte-secret-for-hs256-tests!')
    const config = {
      performDisco: false as const,
      key: { kty: 'oct', k: Buffer.from(secret).toString('base64url') },
      issuer: 'https://id.example.com',
      audience: 'my-api',
      currentDate: new Date(NOW * 1000),
    }
    const token = await sign({ secret, alg: 'HS256' }, accessClaims())
    expect((await validateToken(token, config)).sub).toBe('user-1')
    stop()
    stop()
    const t = telemetry()
    stop?.()
    await validateToken(token, config)
    expect(t.spans()).toEqual([])
  })
})
