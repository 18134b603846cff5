/**
 * Fault injection on the shared store (issue 12): a real redis-server frozen (SIGSTOP) and
 * killed (SIGKILL) under a real token manager. The documented outcome (docs/fleet.md, "When Redis
 * goes away"): Redis is a cache, not a dependency. Commands give up after `commandTimeoutMs`,
 * the process goes on alone with a warning, and sharing resumes when Redis is back.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createRedisStore } from '../../../src/redis/index.js'
import { TokenManager } from '../../../src/token-manager/token-manager.js'
import { clients, startProvider, type TestProvider } from '../../../testbed/provider.js'
import { startRedis, type TestRedis } from '../../support/redis.js'

let redis: TestRedis
let op: TestProvider

beforeAll(async () => {
  redis = await startRedis()
  op = await startProvider()
})
afterAll(async () => {
  await op?.stop()
  await redis?.dispose()
})

const request = () => ({
  address: `${op.issuer}/token`,
  clientId: clients.serviceBasic.clientId,
  clientSecret: clients.serviceBasic.clientSecret,
  scope: 'api:read',
})

describe('Redis faults under the token manager', () => {
  it('a frozen Redis (SIGSTOP): a new process gets a valid token on its own, with a warning; shared again once thawed', async () => {
    const warnings: string[] = []
    const store = await createRedisStore({
      url: redis.url,
      commandTimeoutMs: 300,
      onWarning: (message) => warnings.push(message),
    })
    try {
      const first = await new TokenManager({ request: request(), store }).getAccessToken()
      const before = op.counts['/token'] ?? 0
      redis.pause()
      try {
        // Another process (a fresh manager: nothing in memory) while Redis answers nothing.
        const alone = await new TokenManager({ request: request(), store }).getAccessToken()
        expect(alone).not.toBe(first)
        expect((op.counts['/token'] ?? 0) - before).toBe(1)
        expect(warnings.length).toBeGreaterThanOrEqual(1)
        for (const warning of warnings) {
          expect(warning).not.toContain(first)
          expect(warning).not.toContain(alone)
          expect(warning).not.toContain(clients.serviceBasic.clientSecret)
        }
      } finally {
        redis.resume()
      }
      // Thawed: a third process finds a shared token again, without asking the provider.
      let shared: string | undefined
      for (let attempt = 0; attempt < 50 && shared === undefined; attempt++) {
        const counted = op.counts['/token'] ?? 0
        const token = await new TokenManager({ request: request(), store }).getAccessToken()
        if ((op.counts['/token'] ?? 0) === counted) shared = token
        else await new Promise((resolve) => setTimeout(resolve, 100))
      }
      expect(shared).toBeDefined()
    } finally {
      await store.close()
    }
  })

  it('a killed Redis (SIGKILL): the process keeps its token and gets new ones; back empty, sharing resumes', async () => {
    const warnings: string[] = []
    const store = await createRedisStore({
      url: redis.url,
      commandTimeoutMs: 300,
      onWarning: (message) => warnings.push(message),
    })
    try {
      const manager = new TokenManager({ request: request(), store })
      const token = await manager.getAccessToken()
      await redis.kill()
      // In memory: the same token, no provider call, no wait for a dead Redis.
      const counted = op.counts['/token'] ?? 0
      expect(await manager.getAccessToken()).toBe(token)
      expect(op.counts['/token'] ?? 0).toBe(counted)
      // A fresh process while Redis is gone: a token of its own.
      const alone = await new TokenManager({ request: request(), store }).getAccessToken()
      expect(alone).toEqual(expect.any(String))
      expect(warnings.length).toBeGreaterThanOrEqual(1)
      await redis.start()
      let shared = false
      for (let attempt = 0; attempt < 50 && !shared; attempt++) {
        await new Promise((resolve) => setTimeout(resolve, 100))
        const before = op.counts['/token'] ?? 0
        const first = await new TokenManager({ request: request(), store }).getAccessToken()
        const second = await new TokenManager({ request: request(), store }).getAccessToken()
        // Back and empty: one process fetches and stores, the next adopts it.
        shared = first === second && (op.counts['/token'] ?? 0) - before <= 1
      }
      expect(shared).toBe(true)
    } finally {
      await store.close()
    }
  })
})
