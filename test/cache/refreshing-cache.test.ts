/**
 * The refreshing cache with and without shared in-flight promises. Without (`shareInFlight:
 * false`, the default on Cloudflare Workers and Vercel's Edge runtime), no caller ever awaits a
 * promise another caller started: a fetch that never settles (its request was cancelled) must not
 * hold anyone else up, and no refresh runs in the background. The clock is frozen; loads are
 * controlled by the test.
 */
import { describe, expect, it } from 'vitest'
import { type Loaded, RefreshingCache } from '../../src/cache/refreshing-cache.js'
import type { RequestFailure } from '../../src/http/result.js'

interface Pending {
  readonly background: boolean
  resolve(value: Loaded<string> | RequestFailure): void
}

function setup(shareInFlight: boolean) {
  let clock = 1_000_000
  const loads: Pending[] = []
  const cache = new RefreshingCache<string>({
    maxEntries: 10,
    staleIfErrorMs: 60_000,
    failureBackoffMs: 1000,
    now: () => clock,
    shareInFlight,
    refreshClaimMs: 5000,
  })
  const load = (background: boolean) =>
    new Promise<Loaded<string> | RequestFailure>((resolve) => {
      loads.push({ background, resolve })
    })
  return {
    cache,
    loads,
    get: () => Promise.resolve(cache.get('k', load)),
    refresh: () => Promise.resolve(cache.refresh('k', load, 30_000)),
    advance: (ms: number) => {
      clock += ms
    },
  }
}

const value = (text: string): Loaded<string> => ({ value: text, ttlMs: 1000 })
/** Lets pending callbacks run (the cache reads no store here, so a few turns are enough). */
const settle = async () => {
  for (let i = 0; i < 5; i++) await Promise.resolve()
}

describe('RefreshingCache sharing in-flight promises (Node, Bun, Deno, browsers)', () => {
  it('makes one fetch for concurrent callers and refreshes an expired value in the background', async () => {
    const t = setup(true)
    const first = t.get()
    const second = t.get()
    await settle()
    expect(t.loads).toHaveLength(1)
    t.loads[0]!.resolve(value('v1'))
    expect((await first).value).toBe('v1')
    expect((await second).value).toBe('v1')

    t.advance(1500)
    const stale = await t.get()
    expect(stale).toMatchObject({ value: 'v1', stale: true })
    await settle()
    expect(t.loads).toHaveLength(2)
    expect(t.loads[1]!.background).toBe(true)
  })
})

describe('RefreshingCache without shared in-flight promises (Workers, Vercel Edge)', () => {
  it('lets each concurrent caller fetch for itself, and shares the value once there is one', async () => {
    const t = setup(false)
    const first = t.get()
    const second = t.get()
    await settle()
    expect(t.loads).toHaveLength(2)
    // The first caller's fetch never settles (its request was cancelled): the second is not held up.
    t.loads[1]!.resolve(value('v1'))
    expect((await second).value).toBe('v1')
    void first
    expect(t.cache.peek('k')).toBe('v1')
    expect((await t.get()).value).toBe('v1')
    expect(t.loads).toHaveLength(2)
  })

  it('refreshes an expired value in the caller that saw it first, and serves the others the old one', async () => {
    const t = setup(false)
    const initial = t.get()
    await settle()
    t.loads[0]!.resolve(value('v1'))
    await initial

    t.advance(1500)
    const refreshing = t.get()
    await settle()
    expect(t.loads).toHaveLength(2)
    expect(t.loads[1]!.background).toBe(false)
    // Meanwhile another caller gets the old value at once, and starts nothing.
    expect(await t.get()).toMatchObject({ value: 'v1', stale: true })
    expect(t.loads).toHaveLength(2)
    t.loads[1]!.resolve(value('v2'))
    expect(await refreshing).toMatchObject({ value: 'v2', stale: false })
    expect((await t.get()).value).toBe('v2')
  })

  it('lets another caller refresh once a claimed refresh never finished', async () => {
    const t = setup(false)
    const initial = t.get()
    await settle()
    t.loads[0]!.resolve(value('v1'))
    await initial

    t.advance(1500)
    void t.get() // claims the refresh; its load never settles
    await settle()
    expect(await t.get()).toMatchObject({ value: 'v1', stale: true })
    expect(t.loads).toHaveLength(2)
    t.advance(5000) // past the claim
    const retried = t.get()
    await settle()
    expect(t.loads).toHaveLength(3)
    t.loads[2]!.resolve(value('v2'))
    expect((await retried).value).toBe('v2')
  })

  it('never joins a forced refresh another caller started', async () => {
    const t = setup(false)
    const initial = t.get()
    await settle()
    t.loads[0]!.resolve(value('v1'))
    await initial

    void t.refresh() // a kid miss; never settles
    await settle()
    expect(t.loads).toHaveLength(2)
    // Within the cooldown a second kid miss is answered from what is there, without waiting.
    expect(await t.refresh()).toMatchObject({ value: 'v1' })
    expect(t.loads).toHaveLength(2)
  })
})
