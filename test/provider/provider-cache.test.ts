/**
 * The provider cache as discovery uses it: TTL from Cache-Control (clamped, default when
 * absent), no-store, LRU bound, single flight, failure backoff, stale-if-error, `cache: false`,
 * and documents fetched under different policies kept apart. The clock is frozen.
 */
import { describe, expect, it, vi } from 'vitest'
import {
  getDiscoveryDocument,
  ProviderCache,
  type ProviderCacheEvent,
  type ProviderCacheOptions,
  validateToken,
} from '../../src/index.js'
import { metadata } from '../discovery/helpers.js'
import { fakeFetch, type Handler, json } from '../support/fake-fetch.js'
import { accessClaims, makeKey, NOW, sign } from '../support/tokens.js'

const HOST = 'https://id.example.com'
const URL_ = `${HOST}/.well-known/openid-configuration`

/** A provider at HOST whose answer the test can change, a frozen clock and a cache. */
function setup(options: ProviderCacheOptions = {}, handler?: Handler) {
  let clock = 1_000_000
  let answer: Handler = handler ?? (() => json(metadata(HOST)))
  const fake = fakeFetch({ [URL_]: (request) => answer(request) })
  const events: ProviderCacheEvent[] = []
  const cache = new ProviderCache({ now: () => clock, onEvent: (e) => events.push(e), ...options })
  return {
    fake,
    cache,
    events,
    get: (address = HOST, extra: { policy?: object; signal?: AbortSignal } = {}) =>
      getDiscoveryDocument({ address, fetch: fake.fetch, cache, ...extra }),
    advance: (seconds: number) => {
      clock += seconds * 1000
    },
    answer: (next: Handler) => {
      answer = next
    },
    fetches: () => fake.calls.length,
  }
}

const withCacheControl = (value: string) => () =>
  json(metadata(HOST), { headers: { 'cache-control': value } })

/** Lets a background refresh started by a stale read finish. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 0))

describe('ProviderCache.ttlMs', () => {
  const cache = new ProviderCache()
  const ttl = (value?: string) =>
    cache.ttlMs(new Headers(value === undefined ? {} : { 'cache-control': value }))

  it.each([
    [undefined, 3_600_000],
    ['', 3_600_000],
    ['public', 3_600_000],
    ['max-age=300', 300_000],
    ['public, max-age=600, must-revalidate', 600_000],
    ['MAX-AGE="900"', 900_000],
    ['s-maxage=120', 120_000],
    ['max-age=0', 60_000],
    ['max-age=5', 60_000],
    ['no-store', 60_000],
    ['no-cache', 60_000],
    ['private, no-store, max-age=0', 60_000],
    ['max-age=300, no-store', 60_000],
    ['no-cache, max-age=900', 60_000],
    ['max-age=99999999', 86_400_000],
  ])('Cache-Control %j lives %i ms', (value, expected) => {
    expect(ttl(value)).toBe(expected)
  })

  it('takes its bounds and default from the options', () => {
    const custom = new ProviderCache({
      minTtlSeconds: 10,
      maxTtlSeconds: 100,
      defaultTtlSeconds: 50,
    })
    expect(custom.ttlMs(new Headers())).toBe(50_000)
    expect(custom.ttlMs(new Headers({ 'cache-control': 'max-age=1' }))).toBe(10_000)
    expect(custom.ttlMs(new Headers({ 'cache-control': 'max-age=1000' }))).toBe(100_000)
    expect(custom.ttlMs(new Headers({ 'cache-control': 'no-store' }))).toBe(10_000)
  })
})

describe('discovery cache lifetime', () => {
  it('keeps a document for its max-age, then refreshes it in the background', async () => {
    const p = setup({}, withCacheControl('max-age=300'))
    await p.get()
    p.advance(299)
    expect((await p.get()).isSuccessful).toBe(true)
    expect(p.fetches()).toBe(1)
    p.advance(1)
    // Expired: the last value answers at once, a refresh runs behind it.
    expect((await p.get()).isSuccessful).toBe(true)
    await settle()
    expect(p.fetches()).toBe(2)
    expect((await p.get()).isSuccessful).toBe(true)
    expect(p.fetches()).toBe(2)
  })

  it('clamps a tiny max-age up to the minimum (default 60 s)', async () => {
    const p = setup({}, withCacheControl('max-age=1'))
    await p.get()
    p.advance(59)
    await p.get()
    expect(p.fetches()).toBe(1)
    p.advance(1)
    await p.get()
    await settle()
    expect(p.fetches()).toBe(2)
  })

  it('clamps a huge max-age down to the maximum (default one day)', async () => {
    const p = setup({}, withCacheControl('max-age=31536000'))
    await p.get()
    p.advance(86_399)
    await p.get()
    expect(p.fetches()).toBe(1)
    p.advance(1)
    await p.get()
    await settle()
    expect(p.fetches()).toBe(2)
  })

  it('uses the default lifetime (one hour) when there is no max-age', async () => {
    const p = setup()
    await p.get()
    p.advance(3599)
    await p.get()
    expect(p.fetches()).toBe(1)
    p.advance(1)
    await p.get()
    await settle()
    expect(p.fetches()).toBe(2)
  })

  it('caches a no-store answer for the minimum lifetime only', async () => {
    const p = setup({ minTtlSeconds: 30 }, withCacheControl('no-store'))
    await p.get()
    p.advance(29)
    await p.get()
    expect(p.fetches()).toBe(1)
    p.advance(1)
    await p.get()
    await settle()
    expect(p.fetches()).toBe(2)
  })

  it('forgets everything on clear()', async () => {
    const p = setup()
    await p.get()
    p.cache.clear()
    await p.get()
    expect(p.fetches()).toBe(2)
  })
})

describe('discovery cache bounds and sharing', () => {
  it('evicts the least recently used address beyond maxEntries', async () => {
    const fake = fakeFetch()
    const tenants = ['a', 'b', 'c'].map((name) => `${HOST}/${name}`)
    for (const issuer of tenants) {
      fake.route(`${issuer}/.well-known/openid-configuration`, () => json(metadata(issuer)))
    }
    const cache = new ProviderCache({ maxEntries: 2, now: () => 0 })
    const get = (issuer: string) =>
      getDiscoveryDocument({ address: issuer, fetch: fake.fetch, cache })
    const [a, b, c] = tenants as [string, string, string]
    const count = (issuer: string) => fake.count(`${issuer}/.well-known/openid-configuration`)

    await get(a)
    await get(b)
    await get(a) // a is now the most recently used
    await get(c) // evicts b
    expect(cache.discovery.size).toBe(2)
    await get(a)
    expect(count(a)).toBe(1)
    await get(b)
    expect(count(b)).toBe(2)
    // Fetching b again evicted c, the least recently used of a and c after a's last read.
    await get(a)
    expect(count(a)).toBe(1)
    await get(c)
    expect(count(c)).toBe(2)
  })

  it('makes one request for 100 concurrent callers and gives them all the answer', async () => {
    let release!: () => void
    const gate = new Promise<void>((resolve) => {
      release = resolve
    })
    const p = setup({}, async () => {
      await gate
      return json(metadata(HOST))
    })
    const pending = Array.from({ length: 100 }, () => p.get())
    release()
    const results = await Promise.all(pending)
    expect(p.fetches()).toBe(1)
    expect(new Set(results).size).toBe(1)
    expect(results[0]?.issuer).toBe(HOST)
  })

  it('lets one caller abort without cancelling the shared fetch for the others', async () => {
    let release!: () => void
    const gate = new Promise<void>((resolve) => {
      release = resolve
    })
    const p = setup({}, async () => {
      await gate
      return json(metadata(HOST))
    })
    const controller = new AbortController()
    const impatient = p.get(HOST, { signal: controller.signal })
    const patient = p.get()
    controller.abort(new Error('user left'))
    await expect(impatient).rejects.toThrow('user left')
    release()
    expect((await patient).isSuccessful).toBe(true)
    expect(p.fetches()).toBe(1)
  })

  it('remembers a failure for the backoff, then tries again', async () => {
    const p = setup({ failureBackoffSeconds: 5 }, () => new Response('down', { status: 500 }))
    const first = await p.get()
    expect(first).toMatchObject({ isSuccessful: false, errorType: 'http', httpStatus: 500 })
    p.answer(() => json(metadata(HOST)))
    p.advance(4.999)
    const second = await p.get()
    expect(second).toBe(first)
    expect(p.fetches()).toBe(1)
    p.advance(0.001)
    expect((await p.get()).isSuccessful).toBe(true)
    expect(p.fetches()).toBe(2)
  })

  it('keeps serving the last good document through an outage, for staleIfErrorSeconds', async () => {
    const p = setup({ staleIfErrorSeconds: 600 }, withCacheControl('max-age=100'))
    await p.get()
    p.answer(() => new Response('down', { status: 503 }))
    p.advance(100)
    const stale = await p.get()
    expect(stale.isSuccessful).toBe(true)
    // The background refresh retries the 503 (a GET) before it gives up and reports.
    await vi.waitFor(() => expect(p.events).toHaveLength(1))
    expect(p.events[0]).toMatchObject({
      type: 'stale_served',
      kind: 'discovery',
      url: URL_,
      error: { errorType: 'http', httpStatus: 503 },
    })
    p.advance(599)
    expect((await p.get()).isSuccessful).toBe(true)
    p.advance(1) // 100 s fresh + 600 s stale are over
    const gone = await p.get()
    expect(gone).toMatchObject({ isSuccessful: false, errorType: 'http', httpStatus: 503 })
  })

  it('does not cache a policy failure as a document', async () => {
    const p = setup({}, () => json(metadata(`${HOST}/other`)))
    expect((await p.get()).errorType).toBe('policy')
    p.answer(() => json(metadata(HOST)))
    p.advance(1)
    expect((await p.get()).isSuccessful).toBe(true)
  })

  it('fetches afresh and caches nothing with cache: false', async () => {
    const p = setup()
    for (let i = 0; i < 3; i++) {
      const result = await getDiscoveryDocument({
        address: HOST,
        fetch: p.fake.fetch,
        cache: false,
      })
      expect(result.isSuccessful).toBe(true)
    }
    expect(p.fetches()).toBe(3)
    expect(p.cache.discovery.size).toBe(0)
  })

  it('caches documents fetched under different policies apart', async () => {
    const foreign = metadata(HOST, { token_endpoint: 'https://other.example.net/token' })
    const p = setup({}, () => json(foreign))
    const strict = await p.get()
    expect(strict.errorType).toBe('policy')
    const lax = await p.get(HOST, { policy: { validateEndpoints: false } })
    expect(lax.isSuccessful ? lax.tokenEndpoint : lax.error).toBe('https://other.example.net/token')
    // Each policy reads its own entry: the strict one is not served the lax document.
    p.advance(1)
    expect((await p.get()).errorType).toBe('policy')
    await p.get(HOST, { policy: { validateEndpoints: false } })
    expect(p.fetches()).toBe(3)
  })
})

describe('validateToken and the discovery cache key of a policy', () => {
  const a = 'https://a.example.com'
  const b = 'https://b.example.com'

  /** Two providers with their own keys, one cache, one policy object shared by both configs. */
  async function twoProviders() {
    const keyA = makeKey('ES256', 'key-a')
    const keyB = makeKey('ES256', 'key-b')
    const fake = fakeFetch({
      [`${a}/.well-known/openid-configuration`]: () => json(metadata(a)),
      [`${a}/jwks`]: () => json({ keys: [keyA.publicJwk] }),
      [`${b}/.well-known/openid-configuration`]: () => json(metadata(b)),
      [`${b}/jwks`]: () => json({ keys: [keyB.publicJwk] }),
    })
    const cache = new ProviderCache({ now: () => NOW * 1000 })
    const policy = { validateEndpoints: true }
    const config = {
      performDisco: true,
      audience: 'my-api',
      currentDate: new Date(NOW * 1000),
      cache,
      fetch: fake.fetch,
      policy,
    }
    const tokenOfA = await sign(keyA, accessClaims({ iss: a }))
    return { config, tokenOfA }
  }

  it('accepts a token of A at A with a shared policy object', async () => {
    const { config, tokenOfA } = await twoProviders()
    expect((await validateToken(tokenOfA, config, a)).iss).toBe(a)
  })

  it('refuses a token of A at B when no policy is set', async () => {
    const { config, tokenOfA } = await twoProviders()
    const { policy: _, ...noPolicy } = config
    await validateToken(tokenOfA, noPolicy, a)
    await expect(validateToken(tokenOfA, noPolicy, b)).rejects.toMatchObject({
      code: 'key_not_found',
    })
  })

  // Regression: the discovery cache key was once memoised per policy object alone, so after A a
  // shared policy made B read A's document and trust A's issuer and keys.
  it('refuses a token of A at B when both configs share one policy object', async () => {
    const { config, tokenOfA } = await twoProviders()
    await validateToken(tokenOfA, config, a)
    await expect(validateToken(tokenOfA, config, b)).rejects.toMatchObject({
      code: 'key_not_found',
    })
  })
})
