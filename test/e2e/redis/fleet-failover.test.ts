/**
 * A fleet of 8 real processes x 200 callers on Redis as production runs it (a Cluster, a
 * Sentinel set-up), against the real testbed provider: a failover in the middle costs at most
 * one extra token request, and the renewal promise holds for every call.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createRedisStore } from '../../../src/redis/index.js'
import { clients, startProvider, type TestProvider } from '../../../testbed/provider.js'
import { type FleetWorker, startFleet, stopFleet } from '../../support/fleet.js'
import type { CallerSummary, TimedEvent, WorkerInit } from '../../support/fleet-worker.js'
import {
  startRedis,
  startRedisCluster,
  startRedisSentinel,
  type TestRedis,
  type TestRedisCluster,
  type TestRedisSentinel,
} from '../../support/redis.js'

/** 20 s tokens renewed 10 s before expiry (jittered up to 2.5 s earlier). */
const LIFETIME_S = 20
const MARGIN_S = 10
const PROCESSES = 8
const CALLERS = 200

let op: TestProvider
let workers: FleetWorker[]

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

beforeAll(async () => {
  op = await startProvider({ ttl: { ClientCredentials: LIFETIME_S } })
  // Started once without a store; each test points them at its Redis.
  workers = await startFleet(PROCESSES, init({}))
})
afterAll(async () => {
  await stopFleet(workers)
  await op?.stop()
})

function init(where: Partial<WorkerInit>, provider = op): WorkerInit {
  return {
    tokenEndpoint: `${provider.issuer}/token`,
    clientId: clients.serviceBasic.clientId,
    clientSecret: clients.serviceBasic.clientSecret,
    scope: 'api:read',
    renewBeforeExpirySeconds: MARGIN_S,
    commandTimeoutMs: 500,
    ...where,
  }
}

/**
 * Runs the fleet with a failover `failAtMs` after the first token was issued; returns what the
 * callers saw and how many token requests the provider received.
 */
async function runWithFailover(
  where: Partial<WorkerInit>,
  failover: (cacheKey: string) => Promise<void>,
  failAtMs: number,
): Promise<{ summaries: CallerSummary[]; requests: number; cacheKey: string }> {
  const replies = await Promise.all(workers.map((w) => w.send({ type: 'init', init: init(where) })))
  const cacheKey = replies[0]!.cacheKey!
  op.resetCounts()
  // Cold start: one token for the whole fleet.
  await Promise.all(workers.map((w) => w.send({ type: 'burst', count: 20 })))
  expect(op.counts['/token']).toBe(1)
  const issued = Date.now()
  const running = Promise.all(
    workers.map((w) =>
      w.send({
        type: 'callers',
        callers: CALLERS,
        durationMs: LIFETIME_S * 1000 + 4_000,
        everyMs: 50,
        marginMs: MARGIN_S * 1000,
      }),
    ),
  )
  await sleep(Math.max(0, issued + failAtMs - Date.now()))
  await failover(cacheKey)
  const summaries = (await running).map((reply) => reply.summary!)
  if (process.env.FLEET_DEBUG) {
    const events = (await Promise.all(workers.map((w) => w.send({ type: 'events' })))).flatMap(
      (reply) => reply.events ?? [],
    )
    const counts: Record<string, number> = {}
    for (const e of events) {
      const name = e.type === 'renewal_failed' ? `${e.type}:${e.reason}` : e.type
      counts[name] = (counts[name] ?? 0) + 1
    }
    console.log({
      requests: op.counts['/token'],
      counts,
      breaches: summaries.map((s) => s.breaches),
    })
  }
  return { summaries, requests: op.counts['/token'] ?? 0, cacheKey }
}

/**
 * Token requests beyond the renewals the run needed: the tokens, by issue time, that came less
 * than (lifetime - margin - the most jitter - a second of iat rounding) after the previous one.
 */
function extraRequests(summaries: CallerSummary[], requests: number): number {
  const byIat = new Map<string, number>()
  for (const summary of summaries) for (const t of summary.tokens) byIat.set(t.token, t.iat)
  const iats = [...byIat.values()].sort((a, b) => a - b)
  const spacing = (LIFETIME_S - MARGIN_S - MARGIN_S / 4 - 1) * 1000
  let needed = 1
  let last = iats[0]!
  for (const iat of iats.slice(1)) {
    if (iat - last >= spacing) {
      needed++
      last = iat
    }
  }
  return requests - needed
}

function check(summaries: CallerSummary[]): void {
  const calls = summaries.reduce((sum, s) => sum + s.calls, 0)
  expect(calls).toBeGreaterThan(PROCESSES * CALLERS * 100)
  for (const summary of summaries) {
    expect(summary.failures).toEqual({})
    expect(summary.expired).toBe(0)
  }
}

describe('a failover in the middle of 8 processes x 200 callers', () => {
  let cluster: TestRedisCluster | undefined
  let sentinel: TestRedisSentinel | undefined
  afterAll(async () => {
    await cluster?.dispose()
    await sentinel?.dispose()
  })

  it('Redis Cluster: the master of the token’s slot is killed as renewal comes due', async () => {
    cluster = await startRedisCluster()
    const c = cluster
    const { summaries, requests, cacheKey } = await runWithFailover(
      { cluster: c.rootNodes },
      async (key) => {
        await c.killMasterOf(`identity-model:${key}`)
      },
      // 3 s before the renewal is due: the store is away while it comes due.
      (LIFETIME_S - MARGIN_S - 3) * 1000,
    )
    check(summaries)
    expect(extraRequests(summaries, requests)).toBeLessThanOrEqual(1)
    await c.healed()
    await expectUnlocked(createRedisStore({ cluster: { rootNodes: c.rootNodes } }), cacheKey)
  })

  it('Redis Sentinel: the master is killed as renewal comes due', async () => {
    sentinel = await startRedisSentinel()
    const s = sentinel
    const where = { name: s.name, sentinelRootNodes: s.sentinelRootNodes }
    const { summaries, requests, cacheKey } = await runWithFailover(
      { sentinel: where },
      async () => {
        await s.killMaster()
      },
      (LIFETIME_S - MARGIN_S - 3) * 1000,
    )
    check(summaries)
    expect(extraRequests(summaries, requests)).toBeLessThanOrEqual(1)
    await expectUnlocked(createRedisStore({ sentinel: where }), cacheKey)
  })
})

async function expectUnlocked(opening: ReturnType<typeof createRedisStore>, cacheKey: string) {
  const store = await opening
  try {
    const lock = await store.acquireLock(`lock:${cacheKey}`, 1_000)
    expect(lock, 'a lock was left behind').toBeDefined()
    await lock?.release()
  } finally {
    await store.close()
  }
}

async function takeEvents(): Promise<TimedEvent[]> {
  const replies = await Promise.all(workers.map((w) => w.send({ type: 'events' })))
  return replies.flatMap((reply) => reply.events ?? []).sort((a, b) => a.at - b.at)
}

describe('one Redis node, the real provider with 6 s tokens', () => {
  let redis: TestRedis
  let short: TestProvider
  beforeAll(async () => {
    redis = await startRedis()
    short = await startProvider({ ttl: { ClientCredentials: 6 } })
  })
  afterAll(async () => {
    await short?.stop()
    await redis?.dispose()
  })

  it('keeps the renewal promise (3 s) for every call of 8 processes x 200 callers, one request per token', async () => {
    await Promise.all(
      workers.map((w) =>
        w.send({
          type: 'init',
          init: { ...init({ redisUrl: redis.url }, short), renewBeforeExpirySeconds: 3 },
        }),
      ),
    )
    short.resetCounts()
    const replies = await Promise.all(
      workers.map((w) =>
        w.send({
          type: 'callers',
          callers: CALLERS,
          durationMs: 13_000,
          everyMs: 50,
          marginMs: 3_000,
        }),
      ),
    )
    const summaries = replies.map((reply) => reply.summary!)
    for (const summary of summaries) {
      expect(summary.failures).toEqual({})
      // Every call got a token with at least 3 s to live when the call started.
      expect(summary.breaches).toBe(0)
      expect(summary.expired).toBe(0)
    }
    const tokens = new Set(summaries.flatMap((summary) => summary.tokens.map((t) => t.token)))
    // 13 s of 6 s tokens renewed 3 to 3.75 s before expiry: at least 4 tokens ...
    expect(tokens.size).toBeGreaterThanOrEqual(4)
    // ... and one token request for each, for the whole fleet.
    expect(short.counts['/token']).toBe(tokens.size)
  })

  it('provider stopped, then back: one probe per backoff step for the fleet; one process notices, the rest adopt', async () => {
    await Promise.all(
      workers.map((w) =>
        w.send({
          type: 'init',
          init: {
            ...init({ redisUrl: redis.url }, short),
            renewBeforeExpirySeconds: 3,
            commandTimeoutMs: 1_000,
          },
        }),
      ),
    )
    await Promise.all(workers.map((w) => w.send({ type: 'burst', count: 5 })))
    await takeEvents()
    // Callers go on for 12 s after the provider is back: the fleet's next probe comes at its next
    // backoff step (up to 6 s once no token is valid), after the restart itself, which takes a
    // few seconds on a loaded machine. With 4.5 s (17 s in all) no caller was left to notice in
    // one CI run.
    const running = Promise.all(
      workers.map((w) =>
        w.send({ type: 'callers', callers: 20, durationMs: 25_000, everyMs: 50, marginMs: 0 }),
      ),
    )
    await sleep(500)
    await short.stop()
    await sleep(12_000)
    // Stopped, it counts nothing: what it counts from here on came after the restart.
    const before = short.counts['/token'] ?? 0
    const back = Date.now()
    await short.restart()
    const summaries = (await running).map((reply) => reply.summary!)
    const events = await takeEvents()

    // Probes while it was down: each one after the step the previous one recorded.
    const probes = events.filter(
      (e): e is Extract<TimedEvent, { type: 'renewal_failed' }> =>
        e.type === 'renewal_failed' && e.reason === 'provider',
    )
    expect(probes.length).toBeGreaterThanOrEqual(3)
    for (let i = 1; i < probes.length; i++) {
      expect(probes[i]!.at).toBeGreaterThanOrEqual(probes[i - 1]!.retryAt)
    }
    // 12 s down with steps of 1, 2, then 4-5 s: a handful, not 8 processes' worth.
    expect(probes.length).toBeLessThanOrEqual(7)
    expect(events.some((e) => e.type === 'renewal_failed' && e.reason === 'fleet_backoff')).toBe(
      true,
    )

    // Back: one process fetched, every other one adopted its token. Later fetches are the
    // renewals of that token, each at least 1.25 s after the one before (6 s tokens renewed
    // 3 to 3.75 s before their whole-second exp), never a second process fetching alongside.
    const fetched = events.filter((e) => e.at >= back && e.type === 'fetched')
    expect(fetched.length).toBeGreaterThanOrEqual(1)
    for (let i = 1; i < fetched.length; i++) {
      expect(fetched[i]!.at - fetched[i - 1]!.at).toBeGreaterThanOrEqual(1_000)
    }
    // Every other process adopted that token before the next renewal.
    const firstRound = events.filter(
      (e) => e.at >= back && e.at < (fetched[1]?.at ?? Number.POSITIVE_INFINITY),
    )
    expect(firstRound.filter((e) => e.type === 'adopted').length).toBeGreaterThanOrEqual(
      PROCESSES - 1,
    )
    // From then on, one token request per token for the whole fleet (no process went alone).
    const fresh = new Set(
      summaries.flatMap((summary) =>
        summary.tokens.filter((t) => t.iat >= back - 1_000).map((t) => t.token),
      ),
    )
    expect(fresh.size).toBeGreaterThanOrEqual(1)
    // Every token request the provider saw was one process's fetch, spaced as above; callers saw
    // every fetched token but possibly the last (a renewal as the callers were finishing).
    expect((short.counts['/token'] ?? 0) - before).toBe(fetched.length)
    expect(fresh.size).toBeGreaterThanOrEqual(fetched.length - 1)
    expect(fresh.size).toBeLessThanOrEqual(fetched.length)
    for (const summary of summaries) {
      expect(summary.expired).toBe(0)
      // While no token was valid, callers failed fast with the typed error, and only then.
      expect(Object.keys(summary.failures).filter((code) => code !== 'token_unavailable')).toEqual(
        [],
      )
    }
  })
})
