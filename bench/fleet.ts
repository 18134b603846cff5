/**
 * Fleet benchmark: token-endpoint calls per 10,000 `getAccessToken()` calls across 8 real
 * processes (shared Redis store vs a memory store per process vs no cache), and the cost of a
 * cached `getAccessToken()` relative to a Redis `GET` round trip measured in the same run.
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
import type { Outcome } from '../test/support/fleet-worker.js'
import { startRedis } from '../test/support/redis.js'
import { clients, startProvider, type TestProvider } from '../testbed/provider.js'

const PROCESSES = 8
const CALLS = 10_000
const EVERY_MS = 8
/** Short-lived tokens so that the run spans several lifetimes. */
const LIFETIME_S = 5
const RENEW_BEFORE_S = 1
const ROUNDS = 5

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
  const redis = await startRedis()
  const shared = await startProvider({ ttl: { ClientCredentials: LIFETIME_S } })
  const local = await startProvider({ ttl: { ClientCredentials: LIFETIME_S } })
  try {
    // The two fleets run side by side: only request counts are compared, not times.
    const [withRedis, perProcess] = await Promise.all([
      runFleet(shared, redis.url),
      runFleet(local, undefined),
    ])
    const cost = await cachedCost(redis.url, shared)
    const lifetimes = (run: FleetRun) => run.seconds / LIFETIME_S
    const row = (name: string, run: FleetRun) =>
      `| ${name} | ${run.requests} | ${run.tokens} | ${(run.requests / run.tokens).toFixed(2)} | ${(run.requests / lifetimes(run)).toFixed(2)} | ${run.failures} |`
    return [
      '## Fleet: one token for 8 processes',
      '',
      `${CALLS.toLocaleString('en')} \`getAccessToken()\` calls across ${PROCESSES} forked processes (${CALLS / PROCESSES} each, one every ${EVERY_MS} ms, about ${withRedis.seconds.toFixed(0)} s), ${LIFETIME_S} s client-credentials tokens from the testbed provider, \`renewBeforeExpirySeconds: ${RENEW_BEFORE_S}\` (renewal 1 to 0.5 s before expiry, jittered per process). Target: one token request per token lifetime for the whole fleet, and exactly one request per token issued.`,
      '',
      '| setup | token-endpoint calls | distinct tokens | calls per token | calls per token lifetime | failed calls |',
      '|---|---|---|---|---|---|',
      `| no cache (a request per call) | ${CALLS.toLocaleString('en')} | | | ${(CALLS / lifetimes(withRedis)).toFixed(0)} | |`,
      row('TokenManager, memory store per process', perProcess),
      row('TokenManager, shared Redis store', withRedis),
      '',
      `Cached \`getAccessToken()\` (awaited, token in process memory): ${cost.tokenNs.toFixed(0)} ns per call; a Redis \`GET\` round trip to the same loopback redis-server: ${(cost.getNs / 1000).toFixed(1)} µs. A cached call costs **${((cost.tokenNs / cost.getNs) * 100).toFixed(2)} %** of one GET (${(cost.getNs / cost.tokenNs).toFixed(0)}x cheaper): the hot path never touches Redis. Medians of ${ROUNDS} interleaved rounds.`,
    ].join('\n')
  } finally {
    await shared.stop()
    await local.stop()
    await redis.dispose()
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.log(await runFleetBench())
}
