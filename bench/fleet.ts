/**
 * Fleet benchmark: token-endpoint calls per 10,000 `getAccessToken()` calls across 8 real
 * processes (shared Redis store vs a memory store per process vs no cache), provider probes
 * during a 60 s provider outage (the fleet's shared backoff vs each process on its own), and the
 * cost of a cached `getAccessToken()` relative to a Redis `GET` round trip measured in the same
 * run.
 *
 *   npx tsx bench/fleet.ts
 *
 * Needs Debian's redis-server. `runFleetBench()` returns the markdown section for bench/run.ts.
 */
import { pathToFileURL } from 'node:url'
import { createClient } from 'redis'
import { createRedisStore } from '../src/redis/index.js'
import { TokenManager } from '../src/token-manager/token-manager.js'
import { type FleetWorker, startFleet, stopFleet } from '../test/support/fleet.js'
import type { Outcome, TimedEvent } from '../test/support/fleet-worker.js'
import { startRedis } from '../test/support/redis.js'
import { clients, startProvider, type TestProvider } from '../testbed/provider.js'

const PROCESSES = 8
const CALLS = 10_000
const EVERY_MS = 8
/** Short-lived tokens so that the run spans several lifetimes. */
const LIFETIME_S = 5
const RENEW_BEFORE_S = 1
const ROUNDS = 5
/** The outage: 60 s, real time (not scaled), with 20 s tokens that run out a third of the way in. */
const OUTAGE_S = 60
const OUTAGE_LIFETIME_S = 20

interface OutageRun {
  readonly probes: number
  /** Probes that came before the step the previous probe recorded (target 0). */
  readonly early: number
  /**
   * Steps of the backoff schedule in the outage: the schedule's (jitter at its middle), or the
   * steps the fleet's probes opened, whichever is more.
   */
  readonly steps: number
  readonly served: number
  readonly failed: number
}

/** 8 processes x 20 callers through a 60 s outage (503 without Retry-After). */
async function runOutage(op: TestProvider, redisUrl: string | undefined): Promise<OutageRun> {
  let workers: FleetWorker[] | undefined
  try {
    workers = await startFleet(PROCESSES, {
      ...(redisUrl === undefined ? {} : { redisUrl }),
      tokenEndpoint: `${op.issuer}/token`,
      clientId: clients.serviceBasic.clientId,
      clientSecret: clients.serviceBasic.clientSecret,
      scope: 'api:read',
    })
    await Promise.all(workers.map((w) => w.send({ type: 'burst', count: 5 })))
    await Promise.all(workers.map((w) => w.send({ type: 'events' })))
    op.resetCounts()
    op.setDown(true)
    const started = Date.now()
    const replies = await Promise.all(
      workers.map((w) =>
        w.send({
          type: 'callers',
          callers: 20,
          durationMs: OUTAGE_S * 1000,
          everyMs: 50,
          marginMs: 0,
        }),
      ),
    )
    op.setDown(false)
    const events: TimedEvent[] = (await Promise.all(workers.map((w) => w.send({ type: 'events' }))))
      .flatMap((reply) => reply.events ?? [])
      .sort((a, b) => a.at - b.at)
    const probes = events.filter(
      (e): e is Extract<TimedEvent, { type: 'renewal_failed' }> =>
        e.type === 'renewal_failed' && e.reason === 'provider',
    )
    let early = 0
    for (let i = 1; i < probes.length; i++) {
      if (probes[i]!.at < probes[i - 1]!.retryAt) early++
    }
    // The steps the backoff schedule has in this outage, from the first failure on (jitter at
    // its middle): 1 s doubling, capped at 30 s and at the token's end while it is valid, 5 s
    // after that. One prober for the whole fleet makes one probe per step.
    const tokenEnd = started + OUTAGE_LIFETIME_S * 900
    const end = started + OUTAGE_S * 1000
    let steps = 0
    let t = probes[0]?.at ?? end
    for (let k = 1; t < end; k++) {
      steps++
      const cap = t < tokenEnd ? Math.min(30_000, tokenEnd - t) : 5_000
      t += Math.max(1, Math.min(cap, 1000 * 2 ** (k - 1)))
    }
    // The jitter (±20 %) can fit a step or two more than the schedule at its middle: the steps the
    // fleet itself recorded (each probe not early opened one) count when there are more of them.
    // With one backoff for the fleet that is the number of on-time probes; each process backing
    // off alone opens no step of the others', and the schedule counts.
    steps = Math.max(steps, probes.length - early)
    const summaries = replies.map((reply) => reply.summary!)
    return {
      probes: op.counts['/token'] ?? 0,
      early,
      steps,
      served: summaries.reduce(
        (sum, s) => sum + s.calls - Object.values(s.failures).reduce((a, b) => a + b, 0),
        0,
      ),
      failed: summaries.reduce(
        (sum, s) => sum + Object.values(s.failures).reduce((a, b) => a + b, 0),
        0,
      ),
    }
  } finally {
    await stopFleet(workers)
  }
}

interface FleetRun {
  readonly requests: number
  readonly tokens: number
  readonly failures: number
  readonly seconds: number
}

async function runFleet(op: TestProvider, redisUrl: string | undefined): Promise<FleetRun> {
  let workers: FleetWorker[] | undefined
  try {
    workers = await startFleet(PROCESSES, {
      ...(redisUrl === undefined ? {} : { redisUrl }),
      tokenEndpoint: `${op.issuer}/token`,
      clientId: clients.serviceBasic.clientId,
      clientSecret: clients.serviceBasic.clientSecret,
      scope: 'api:read',
      renewBeforeExpirySeconds: RENEW_BEFORE_S,
    })
    op.resetCounts()
    const started = performance.now()
    const replies = await Promise.all(
      workers.map((w) => w.send({ type: 'series', count: CALLS / PROCESSES, everyMs: EVERY_MS })),
    )
    const seconds = (performance.now() - started) / 1000
    const outcomes: Outcome[] = replies.flatMap((reply) => reply.outcomes ?? [])
    return {
      requests: op.counts['/token'] ?? 0,
      tokens: new Set(outcomes.map((o) => o.token).filter(Boolean)).size,
      failures: outcomes.filter((o) => o.token === undefined).length,
      seconds,
    }
  } finally {
    await stopFleet(workers)
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN
}

/** Nanoseconds per awaited cached `getAccessToken()` and per Redis `GET`, interleaved rounds. */
async function cachedCost(
  redisUrl: string,
  op: TestProvider,
): Promise<{ tokenNs: number; getNs: number }> {
  const store = await createRedisStore({ url: redisUrl, prefix: 'bench:' })
  const plain = createClient({ url: redisUrl })
  plain.on('error', () => {})
  await plain.connect()
  try {
    const manager = new TokenManager({
      request: {
        address: `${op.issuer}/token`,
        clientId: clients.serviceBasic.clientId,
        clientSecret: clients.serviceBasic.clientSecret,
        scope: 'api:read',
      },
      store,
    })
    await manager.getAccessToken()
    await plain.set('bench:probe', 'x'.repeat(900)) // about the size of a stored token
    const tokenNs: number[] = []
    const getNs: number[] = []
    for (let round = 0; round < ROUNDS; round++) {
      let start = process.hrtime.bigint()
      const n = 200_000
      for (let i = 0; i < n; i++) await manager.getAccessToken()
      tokenNs.push(Number(process.hrtime.bigint() - start) / n)
      start = process.hrtime.bigint()
      const m = 5_000
      for (let i = 0; i < m; i++) await plain.get('bench:probe')
      getNs.push(Number(process.hrtime.bigint() - start) / m)
    }
    return { tokenNs: median(tokenNs), getNs: median(getNs) }
  } finally {
    await plain.close()
    await store.close()
  }
}

/** Runs the fleet benchmark and returns its markdown section. */
export async function runFleetBench(): Promise<string> {
  return (await fleetBench()).markdown
}

/** The markdown section and the target lines for bench/run.ts's summary. */
export async function fleetBench(): Promise<{ markdown: string; checks: string[] }> {
  const redis = await startRedis()
  const shared = await startProvider({ ttl: { ClientCredentials: LIFETIME_S } })
  const local = await startProvider({ ttl: { ClientCredentials: LIFETIME_S } })
  const downShared = await startProvider({ ttl: { ClientCredentials: OUTAGE_LIFETIME_S } })
  const downLocal = await startProvider({ ttl: { ClientCredentials: OUTAGE_LIFETIME_S } })
  try {
    // The two fleets run side by side: only request counts are compared, not times.
    const [withRedis, perProcess] = await Promise.all([
      runFleet(shared, redis.url),
      runFleet(local, undefined),
    ])
    const [outageShared, outageLocal] = await Promise.all([
      runOutage(downShared, redis.url),
      runOutage(downLocal, undefined),
    ])
    const cost = await cachedCost(redis.url, shared)
    const renewalPeriod = LIFETIME_S - Math.min(RENEW_BEFORE_S, LIFETIME_S / 2)
    const lifetimes = (run: FleetRun) => run.seconds / LIFETIME_S
    // One token at the start, then one per renewal period (the earliest jitter shortens it).
    const ideal = (run: FleetRun) => 1 + run.seconds / (renewalPeriod - RENEW_BEFORE_S / 4)
    const row = (name: string, run: FleetRun) =>
      `| ${name} | ${run.requests} | ${run.tokens} | **${(run.requests / run.tokens).toFixed(2)}** | ${(run.requests / lifetimes(run)).toFixed(2)} | ${ideal(run).toFixed(1)} | ${run.failures} |`
    const outageRow = (name: string, run: OutageRun) =>
      `| ${name} | ${run.probes} | ${run.steps} | **${(run.probes / run.steps).toFixed(2)}** | ${run.early} | ${run.served} | ${run.failed} |`
    const checks = [
      `fleet: ${(withRedis.requests / withRedis.tokens).toFixed(2)} token requests per token lifetime for ${PROCESSES} processes on Redis (target 1.00; ${perProcess.requests} requests with a memory store per process vs ${withRedis.requests})`,
      `fleet: ${(outageShared.probes / outageShared.steps).toFixed(2)} provider probes per backoff step during a ${OUTAGE_S} s outage for ${PROCESSES} processes (target <= 1.00; ${outageShared.early} before their step; each process alone: ${(outageLocal.probes / outageLocal.steps).toFixed(2)})`,
      `fleet: a cached getAccessToken() costs ${cost.tokenNs.toFixed(0)} ns, ${((cost.tokenNs / cost.getNs) * 100).toFixed(2)} % of one Redis GET`,
    ]
    const markdown = [
      '## Fleet: one token for 8 processes',
      '',
      `${CALLS.toLocaleString('en')} \`getAccessToken()\` calls across ${PROCESSES} forked processes (${CALLS / PROCESSES} each, one every ${EVERY_MS} ms, about ${withRedis.seconds.toFixed(0)} s), ${LIFETIME_S} s client-credentials tokens from the testbed provider, \`renewBeforeExpirySeconds: ${RENEW_BEFORE_S}\` (callers wait for a renewal once fewer than ${RENEW_BEFORE_S} s remain; the background renewal starts up to ${(RENEW_BEFORE_S / 4).toFixed(2)} s earlier, jittered per process). Target: **1.00 token request per token lifetime for the whole fleet**, i.e. one request per token issued; since each token is renewed ${RENEW_BEFORE_S} s before its end, the ideal per ${LIFETIME_S} s of wall time is ${(LIFETIME_S / renewalPeriod).toFixed(2)} (one per ${renewalPeriod} s renewal period).`,
      '',
      '| setup | token-endpoint calls | distinct tokens | calls per token (target 1.00) | calls per ' +
        LIFETIME_S +
        ' s | ideal for the run (1 + one per renewal period) | failed calls |',
      '|---|---|---|---|---|---|---|',
      `| no cache (a request per call) | ${CALLS.toLocaleString('en')} | | | ${(CALLS / lifetimes(withRedis)).toFixed(0)} | | |`,
      row('TokenManager, memory store per process', perProcess),
      row('TokenManager, shared Redis store', withRedis),
      '',
      `**Provider outage.** ${PROCESSES} processes x 20 callers (one call every 50 ms each) through a ${OUTAGE_S} s outage of the token endpoint (503 without \`Retry-After\`; real time, not scaled), starting with a valid ${OUTAGE_LIFETIME_S} s token. Backoff: 1 s doubling, up to 30 s while a valid token is served (never past its end) and 5 s once none is. With Redis, the process that sees a failure records the next step in the store and every other process waits for it. Target: at most 1 probe per backoff step for the whole fleet.`,
      '',
      "| setup | probes of the token endpoint | backoff steps in the outage (schedule) | probes per step (target <= 1.00) | probes before the previous one's step ended | calls served (old token) | calls failed fast (token_unavailable) |",
      '|---|---|---|---|---|---|---|',
      outageRow('shared Redis store (one backoff for the fleet)', outageShared),
      outageRow('memory store per process (each backs off alone)', outageLocal),
      '',
      `Cached \`getAccessToken()\` (awaited, token in process memory): ${cost.tokenNs.toFixed(0)} ns per call; a Redis \`GET\` round trip to the same loopback redis-server: ${(cost.getNs / 1000).toFixed(1)} µs. A cached call costs **${((cost.tokenNs / cost.getNs) * 100).toFixed(2)} %** of one GET (${(cost.getNs / cost.tokenNs).toFixed(0)}x cheaper): the hot path never touches Redis. Medians of ${ROUNDS} interleaved rounds.`,
    ].join('\n')
    return { markdown, checks }
  } finally {
    await shared.stop()
    await local.stop()
    await downShared.stop()
    await downLocal.stop()
    await redis.dispose()
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.log(await runFleetBench())
}
