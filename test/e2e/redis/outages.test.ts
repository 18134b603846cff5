/**
 * Outages: Redis restarted under a running fleet, and the provider going away.
 */
import { createClient } from 'redis'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { ProviderCache } from '../../../src/provider/provider-cache.js'
import { validateToken } from '../../../src/validation/validate-token.js'
import { clients, startProvider, type TestProvider } from '../../../testbed/provider.js'
import { type FleetWorker, startFleet, stopFleet } from '../../support/fleet.js'
import { startRedis, type TestRedis } from '../../support/redis.js'

let redis: TestRedis
let workers: FleetWorker[] | undefined

beforeAll(async () => {
  redis = await startRedis()
})
afterEach(async () => {
  await stopFleet(workers)
  workers = undefined
})
afterAll(async () => {
  await redis?.dispose()
})

function init(op: TestProvider) {
  return {
    redisUrl: redis.url,
    tokenEndpoint: `${op.issuer}/token`,
    clientId: clients.serviceBasic.clientId,
    clientSecret: clients.serviceBasic.clientSecret,
    scope: 'api:read',
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe('outages', () => {
  it('Redis restarted mid-run: callers keep getting valid tokens, one warning each, nothing left locked', async () => {
    // 6 s tokens: renewal is due 3-4.5 s in, while Redis is down.
    const op = await startProvider({ ttl: { ClientCredentials: 6 } })
    try {
      workers = await startFleet(4, init(op))
      const running = Promise.all(
        workers.map((w) => w.send({ type: 'loop', durationMs: 9_000, everyMs: 25 })),
      )
      await sleep(2_000)
      await redis.stop()
      await sleep(3_000)
      await redis.start()
      const replies = await running
      const outcomes = replies.flatMap((reply) => reply.outcomes ?? [])
      expect(outcomes.length).toBeGreaterThan(100)
      expect(outcomes.filter((o) => o.token === undefined)).toEqual([])

      // Every token handed out is one the API accepts.
      const cache = new ProviderCache()
      for (const token of new Set(outcomes.map((o) => o.token as string))) {
        const claims = await validateToken(
          token,
          { performDisco: true, audience: 'my-api', cache },
          op.issuer,
        )
        expect(claims.client_id).toBe(clients.serviceBasic.clientId)
      }

      for (const reply of replies) {
        expect(reply.warnings).toHaveLength(1)
        expect(reply.warnings[0]).toContain('is unavailable')
        expect(reply.warnings[0]).not.toContain(clients.serviceBasic.clientSecret)
        for (const token of new Set(outcomes.map((o) => o.token as string))) {
          expect(reply.warnings[0]).not.toContain(token)
        }
      }

      const plain = createClient({ url: redis.url })
      plain.on('error', () => {})
      await plain.connect()
      try {
        // A renewal may be finishing; a leaked lock would stay for its whole lifetime (12 s).
        const deadline = Date.now() + 1_000
        let locks = await plain.keys('identity-model:lock:*')
        while (locks.length > 0 && Date.now() < deadline) {
          await sleep(50)
          locks = await plain.keys('identity-model:lock:*')
        }
        expect(locks).toEqual([])
      } finally {
        await plain.close()
      }
    } finally {
      await op.stop()
    }
  })

  it('provider stopped: the valid token keeps being served, then token_unavailable after it expires', async () => {
    const op = await startProvider({ ttl: { ClientCredentials: 4 } })
    try {
      workers = await startFleet(2, init(op))
      const first = await workers[0]!.send({ type: 'burst', count: 1 })
      const token = first.outcomes?.[0]?.token as string
      const exp = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()).exp * 1000
      await op.stop()
      const replies = await Promise.all(
        workers.map((w) => w.send({ type: 'loop', durationMs: 5_000, everyMs: 50 })),
      )
      for (const reply of replies) {
        const outcomes = reply.outcomes ?? []
        const served = outcomes.filter((o) => o.token !== undefined)
        const failed = outcomes.filter((o) => o.token === undefined)
        // The same token while it lasts (the second process adopts it from Redis) ...
        expect(served.length).toBeGreaterThan(0)
        expect(new Set(served.map((o) => o.token))).toEqual(new Set([token]))
        for (const o of served) expect(o.at).toBeLessThan(exp)
        // ... then the typed error, and never the token again.
        expect(failed.length).toBeGreaterThan(0)
        for (const o of failed)
          expect(o).toMatchObject({ code: 'token_unavailable', errorType: 'network' })
        const lastServed = Math.max(...served.map((o) => o.at))
        expect(Math.min(...failed.map((o) => o.at))).toBeGreaterThan(lastServed)
      }
    } finally {
      await op.stop()
    }
  })
})
