import { beforeAll, describe, expect, it } from 'vitest'
import { MemoryStore } from '../../src/cache/memory-store.js'
import type { CacheStore } from '../../src/cache/store.js'
import { ProviderCache, type ProviderCacheEvent } from '../../src/provider/provider-cache.js'
import { validateToken } from '../../src/validation/validate-token.js'
import { fakeFetch, json } from '../support/fake-fetch.js'
import { accessClaims, makeKey, NOW, sign, type TestKey } from '../support/tokens.js'

const ISSUER = 'https://id.example.com'
const JWKS_URI = `${ISSUER}/jwks`
const DISCO_URL = `${ISSUER}/.well-known/openid-configuration`

const document = {
  issuer: ISSUER,
  authorization_endpoint: `${ISSUER}/authorize`,
  token_endpoint: `${ISSUER}/token`,
  jwks_uri: JWKS_URI,
  response_types_supported: ['code'],
  subject_types_supported: ['public'],
  id_token_signing_alg_values_supported: ['RS256'],
}

let first: TestKey
let second: TestKey

beforeAll(() => {
  first = makeKey('RS256', 'k1')
  second = makeKey('RS256', 'k2')
})

/** A provider behind an injected fetch, a shared clock, and a store that counts reads. */
function fleet(store?: CacheStore) {
  const state = { clock: NOW * 1000, keys: [] as TestKey[], down: false }
  const fake = fakeFetch({
    [DISCO_URL]: () => (state.down ? new Response('', { status: 500 }) : json(document)),
    [JWKS_URI]: () =>
      state.down
        ? new Response('', { status: 500 })
        : json({ keys: state.keys.map((key) => key.publicJwk) }),
  })
  const now = () => state.clock
  const memory = new MemoryStore({ now })
  const reads = { count: 0 }
  const shared: CacheStore = store ?? {
    get: (key) => {
      reads.count++
      return memory.get(key)
    },
    set: (key, value, ttl) => memory.set(key, value, ttl),
    delete: (key) => memory.delete(key),
    acquireLock: (key, ttl) => memory.acquireLock(key, ttl),
  }
  /** One "process": its own cache, the shared store. */
  const process = (events: ProviderCacheEvent[] = []) => {
    const cache = new ProviderCache({
      now,
      store: shared,
      failureBackoffSeconds: 0,
      onEvent: (event) => events.push(event),
    })
    return (token: string, at = state.clock) =>
      validateToken(
        token,
        {
          performDisco: true,
          audience: 'my-api',
          cache,
          fetch: fake.fetch,
          currentDate: new Date(at),
        },
        ISSUER,
      )
  }
  return { state, fake, process, reads, memory }
}

describe('ProviderCache with a store', () => {
  it('lets a second process validate without fetching discovery or keys', async () => {
    const f = fleet()
    f.state.keys = [first]
    const token = await sign(first, accessClaims())
    expect((await f.process()(token)).sub).toBe('user-1')
    expect([f.fake.count(DISCO_URL), f.fake.count(JWKS_URI)]).toEqual([1, 1])
    expect((await f.process()(token)).sub).toBe('user-1')
    expect((await f.process()(token)).sub).toBe('user-1')
    expect([f.fake.count(DISCO_URL), f.fake.count(JWKS_URI)]).toEqual([1, 1])
  })

  it('does not read the store while the in-memory copy is fresh', async () => {
    const f = fleet()
    f.state.keys = [first]
    const token = await sign(first, accessClaims())
    const validate = f.process()
    await validate(token)
    const reads = f.reads.count
    for (let i = 0; i < 20; i++) await validate(token)
    expect(f.reads.count).toBe(reads)
  })

  it('asks the provider on an unknown kid, and shares the new set', async () => {
    const f = fleet()
    f.state.keys = [first]
    const a = f.process()
    const b = f.process()
    await a(await sign(first, accessClaims()))
    await b(await sign(first, accessClaims()))
    expect(f.fake.count(JWKS_URI)).toBe(1)
    f.state.keys = [first, second]
    const rotated = await sign(second, accessClaims())
    // b's copy (and the store's) lack k2: the refresh goes to the provider.
    expect((await b(rotated)).sub).toBe('user-1')
    expect(f.fake.count(JWKS_URI)).toBe(2)
    // A process starting now gets the new set from the store.
    expect((await f.process()(rotated)).sub).toBe('user-1')
    expect(f.fake.count(JWKS_URI)).toBe(2)
  })

  it('serves another process’s copy past its lifetime while the provider fails (stale-if-error)', async () => {
    const f = fleet()
    f.state.keys = [first]
    const token = await sign(first, accessClaims({ exp: NOW + 100_000 }))
    await f.process()(token)
    f.state.down = true
    f.state.clock += 2 * 3600 * 1000 // past the 1 h default lifetime, inside the 6 h window
    const events: ProviderCacheEvent[] = []
    expect((await f.process(events)(token)).sub).toBe('user-1')
    expect(events.map((event) => `${event.kind}:${event.type}`)).toContain('discovery:stale_served')
    f.state.clock += 6 * 3600 * 1000 // past the window as well
    await expect(f.process()(token)).rejects.toMatchObject({ code: 'provider_unavailable' })
  })

  it('refreshes from the store when another process already refreshed', async () => {
    const f = fleet()
    f.state.keys = [first]
    const token = await sign(first, accessClaims({ exp: NOW + 100_000 }))
    const a = f.process()
    await a(token)
    f.state.clock += 2 * 3600 * 1000
    await f.process()(token) // a new process fetches the expired entries afresh
    expect([f.fake.count(DISCO_URL), f.fake.count(JWKS_URI)]).toEqual([2, 2])
    await a(token) // a's copies expired: it finds the fresh ones in the store
    expect([f.fake.count(DISCO_URL), f.fake.count(JWKS_URI)]).toEqual([2, 2])
  })

  it('ignores entries in the store that do not decode', async () => {
    const token = await sign(first, accessClaims())
    const garbage: CacheStore = {
      get: async () => '{"v":{"keys":"nope","isSuccessful":false},"e":1e15,"s":1e15}',
      set: async () => {},
      delete: async () => {},
      acquireLock: async () => undefined,
    }
    const g = fleet(garbage)
    g.state.keys = [first]
    expect((await g.process()(token)).sub).toBe('user-1')
    expect([g.fake.count(DISCO_URL), g.fake.count(JWKS_URI)]).toEqual([1, 1])
  })

  it('works per process when the store fails', async () => {
    const broken: CacheStore = {
      get: () => Promise.reject(new Error('down')),
      set: () => Promise.reject(new Error('down')),
      delete: () => Promise.reject(new Error('down')),
      acquireLock: () => Promise.reject(new Error('down')),
    }
    const f = fleet(broken)
    f.state.keys = [first]
    const token = await sign(first, accessClaims())
    const validate = f.process()
    await Promise.all(Array.from({ length: 10 }, () => validate(token)))
    expect([f.fake.count(DISCO_URL), f.fake.count(JWKS_URI)]).toEqual([1, 1])
  })
})
