import { generateKeyPairSync } from 'node:crypto'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { MemoryStore } from '../../src/cache/memory-store.js'
import type { CacheStore } from '../../src/cache/store.js'
import { TokenUnavailableError } from '../../src/errors.js'
import { TokenManager, type TokenManagerEvent } from '../../src/token-manager/token-manager.js'
import { fakeFetch, json } from '../support/fake-fetch.js'

const TOKEN_ENDPOINT = 'https://id.example.test/token'
const SECRET = 'very-secret-value'

/** A token endpoint that hands out t1, t2 ... and can be made to fail. */
function tokenEndpoint(options: { expiresIn?: number | undefined } = {}) {
  const state = {
    issued: 0,
    down: false,
    status: 503,
    retryAfter: undefined as number | undefined,
  }
  const fake = fakeFetch({
    [TOKEN_ENDPOINT]: async () => {
      if (state.down) {
        const headers: Record<string, string> =
          state.retryAfter === undefined ? {} : { 'retry-after': String(state.retryAfter) }
        return json({ error: 'temporarily_unavailable' }, { status: state.status, headers })
      }
      state.issued++
      const body: Record<string, unknown> = {
        access_token: `t${state.issued}`,
        token_type: 'Bearer',
      }
      if (options.expiresIn !== undefined) body.expires_in = options.expiresIn
      return json(body)
    },
  })
  return { ...fake, state, requests: () => fake.count(TOKEN_ENDPOINT) }
}

function manager(
  fetch: typeof globalThis.fetch,
  extra: Record<string, unknown> = {},
  store?: CacheStore,
) {
  return new TokenManager({
    request: {
      address: TOKEN_ENDPOINT,
      clientId: 'svc',
      clientSecret: SECRET,
      scope: 'api:read',
      fetch,
      ...extra,
    },
    store: store ?? new MemoryStore(),
  })
}

beforeEach(() => {
  vi.useFakeTimers({ now: new Date('2030-01-01T00:00:00Z') })
})
afterEach(() => {
  vi.useRealTimers()
  vi.restoreAllMocks()
})

describe('TokenManager: cache and single-flight', () => {
  it('answers 200 concurrent callers on a cold cache with one token request', async () => {
    const op = tokenEndpoint({ expiresIn: 3600 })
    const m = manager(op.fetch)
    const tokens = await Promise.all(Array.from({ length: 200 }, () => m.getAccessToken()))
    expect(new Set(tokens)).toEqual(new Set(['t1']))
    expect(op.requests()).toBe(1)
    expect(await m.getAccessToken()).toBe('t1')
    expect(op.requests()).toBe(1)
  })

  it('sends the client-credentials grant with the configured authentication', async () => {
    const op = tokenEndpoint({ expiresIn: 3600 })
    const m = manager(op.fetch, {
      clientAuthentication: 'client_secret_post',
      resource: 'https://api',
    })
    await m.getAccessToken()
    const body = new URLSearchParams(await op.calls[0]!.text())
    expect(body.get('grant_type')).toBe('client_credentials')
    expect(body.get('client_id')).toBe('svc')
    expect(body.get('client_secret')).toBe(SECRET)
    expect(body.get('scope')).toBe('api:read')
    expect(body.get('resource')).toBe('https://api')
  })

  it('shares one token between managers on the same store, and keeps different requests apart', async () => {
    const op = tokenEndpoint({ expiresIn: 3600 })
    const store = new MemoryStore()
    const a = manager(op.fetch, {}, store)
    const b = manager(op.fetch, {}, store)
    const other = manager(op.fetch, { scope: 'api:write' }, store)
    expect(await a.getAccessToken()).toBe('t1')
    expect(await b.getAccessToken()).toBe('t1')
    expect(await other.getAccessToken()).toBe('t2')
    expect(op.requests()).toBe(2)
  })

  it('rejects a caller mistake at construction', () => {
    expect(() => new TokenManager({ request: { clientId: 'svc' } })).toThrow(TypeError)
    expect(() => new TokenManager({ request: { address: TOKEN_ENDPOINT } })).toThrow(TypeError)
    expect(
      () =>
        new TokenManager({
          request: { address: TOKEN_ENDPOINT, clientId: 'svc' },
          renewBeforeExpirySeconds: -1,
        }),
    ).toThrow(TypeError)
    expect(() => new TokenManager(undefined as never)).toThrow(TypeError)
  })

  it('passes a TypeError from the request (no secret for client_secret_basic) to the caller', async () => {
    const op = tokenEndpoint({ expiresIn: 3600 })
    const m = manager(op.fetch, {
      clientSecret: undefined,
      clientAuthentication: 'client_secret_basic',
    })
    await expect(m.getAccessToken()).rejects.toThrow(TypeError)
    expect(op.requests()).toBe(0)
  })

  it('stops one caller on its signal without cancelling the renewal for the others', async () => {
    const op = tokenEndpoint({ expiresIn: 3600 })
    let release: () => void = () => {}
    const gate = new Promise<void>((resolve) => {
      release = resolve
    })
    const slow = (async (input: string | URL | Request, init?: RequestInit) => {
      await gate
      return op.fetch(input, init)
    }) as typeof fetch
    const m = manager(slow)
    const controller = new AbortController()
    const aborted = m.getAccessToken({ signal: controller.signal })
    const patient = m.getAccessToken()
    controller.abort(new Error('caller gave up'))
    await expect(aborted).rejects.toThrow('caller gave up')
    release()
    expect(await patient).toBe('t1')
  })
})

describe('TokenManager without shared in-flight promises (Workers, Vercel Edge)', () => {
  it('never makes a caller await a renewal another caller started; the store still allows one token request', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0)
    const op = tokenEndpoint({ expiresIn: 3600 })
    let hold = false
    const held: (() => void)[] = []
    const slow = (async (input: string | URL | Request, init?: RequestInit) => {
      // A held request never settles unless released: like one whose request was cancelled.
      if (hold) await new Promise<void>((resolve) => held.push(resolve))
      return op.fetch(input, init)
    }) as typeof fetch
    const edge = new TokenManager({
      request: { address: TOKEN_ENDPOINT, clientId: 'svc', clientSecret: SECRET, fetch: slow },
      store: new MemoryStore(),
      shareInFlight: false,
    })
    expect(await edge.getAccessToken()).toBe('t1')
    // Before the margin: no background renewal at all.
    await vi.advanceTimersByTimeAsync((3600 - 61) * 1000)
    expect(await edge.getAccessToken()).toBe('t1')
    await vi.advanceTimersByTimeAsync(0)
    expect(op.requests()).toBe(1)
    // Inside the margin: the first caller renews and waits; its request hangs.
    await vi.advanceTimersByTimeAsync(2_000)
    hold = true
    let first: string | undefined
    void edge.getAccessToken().then((token) => {
      first = token
    })
    await vi.advanceTimersByTimeAsync(0)
    expect(held).toHaveLength(1)
    // A second caller is not held up by it: it gets the still-valid token at once.
    expect(await edge.getAccessToken()).toBe('t1')
    expect(held).toHaveLength(1)
    hold = false
    held[0]!()
    await vi.advanceTimersByTimeAsync(0)
    expect(first).toBe('t2')
    expect(await edge.getAccessToken()).toBe('t2')
  })

  it('lets concurrent callers on a cold cache each run a round: one token request, the others adopt it', async () => {
    const op = tokenEndpoint({ expiresIn: 3600 })
    const edge = new TokenManager({
      request: { address: TOKEN_ENDPOINT, clientId: 'svc', clientSecret: SECRET, fetch: op.fetch },
      store: new MemoryStore(),
      shareInFlight: false,
    })
    const pending = Promise.all(Array.from({ length: 5 }, () => edge.getAccessToken()))
    await vi.advanceTimersByTimeAsync(5_000)
    expect(new Set(await pending)).toEqual(new Set(['t1']))
    expect(op.requests()).toBe(1)
  })
})

describe('TokenManager: renewal before expiry', () => {
  it('renews in the background shortly before the margin, and serves the current token meanwhile', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0.5)
    const op = tokenEndpoint({ expiresIn: 3600 })
    const m = manager(op.fetch)
    expect(await m.getAccessToken()).toBe('t1')
    // Margin 60 s; jitter moves the start up to 15 s earlier (here 7.5 s): 67.5 s before expiry.
    await vi.advanceTimersByTimeAsync((3600 - 68) * 1000)
    expect(await m.getAccessToken()).toBe('t1')
    await vi.advanceTimersByTimeAsync(0)
    expect(op.requests()).toBe(1)
    await vi.advanceTimersByTimeAsync(1_000)
    const during = await Promise.all([m.getAccessToken(), m.getAccessToken()])
    expect(during).toEqual(['t1', 't1'])
    await vi.advanceTimersByTimeAsync(0)
    expect(op.requests()).toBe(2)
    expect(await m.getAccessToken()).toBe('t2')
    expect(op.requests()).toBe(2)
  })

  it('jitter only ever moves renewal earlier: between the margin and a quarter of it before', async () => {
    const moments: number[] = []
    for (const random of [0, 0.999]) {
      vi.spyOn(Math, 'random').mockReturnValue(random)
      const op = tokenEndpoint({ expiresIn: 3600 })
      const m = manager(op.fetch)
      const start = Date.now()
      await m.getAccessToken()
      while (op.requests() === 1) {
        await vi.advanceTimersByTimeAsync(500)
        await m.getAccessToken()
        await vi.advanceTimersByTimeAsync(0)
      }
      moments.push((start + 3_600_000 - Date.now()) / 1000)
      vi.mocked(Math.random).mockRestore()
    }
    // Seconds before expiry at which each renewed: 60 with no jitter, 75 with the most.
    expect(moments[0]).toBeGreaterThan(59.4)
    expect(moments[0]).toBeLessThanOrEqual(60)
    expect(moments[1]).toBeGreaterThan(74.4)
    expect(moments[1]).toBeLessThanOrEqual(75)
  })

  it('keeps the promise: inside the margin a caller waits for the renewal and gets the new token', async () => {
    // The example: 6 s tokens, renewBeforeExpirySeconds 3, a slow token endpoint.
    const op = tokenEndpoint({ expiresIn: 6 })
    let hold = false
    let release: () => void = () => {}
    const slow = (async (input: string | URL | Request, init?: RequestInit) => {
      if (hold) await new Promise<void>((resolve) => (release = resolve))
      return op.fetch(input, init)
    }) as typeof fetch
    const m = new TokenManager({
      request: { address: TOKEN_ENDPOINT, clientId: 'svc', clientSecret: SECRET, fetch: slow },
      store: new MemoryStore(),
      renewBeforeExpirySeconds: 3,
    })
    expect(await m.getAccessToken()).toBe('t1')
    hold = true
    // 3.6 s after issue, 2.4 s left: the renewal (started in the background at 2.25-3 s) is
    // still in flight, and the caller waits for it rather than taking t1.
    await vi.advanceTimersByTimeAsync(3_600)
    let answer: string | undefined
    const pending = m.getAccessToken().then((token) => {
      answer = token
    })
    await vi.advanceTimersByTimeAsync(500)
    expect(answer).toBeUndefined()
    release()
    await pending
    expect(answer).toBe('t2')
    expect(op.requests()).toBe(2)
  })

  it('renews short-lived tokens after half their lifetime at the latest, not 60 s early', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0)
    const op = tokenEndpoint({ expiresIn: 20 })
    const m = manager(op.fetch)
    await m.getAccessToken()
    await vi.advanceTimersByTimeAsync(9_900)
    await m.getAccessToken()
    await vi.advanceTimersByTimeAsync(0)
    expect(op.requests()).toBe(1)
    await vi.advanceTimersByTimeAsync(200)
    expect(await m.getAccessToken()).toBe('t2')
    expect(op.requests()).toBe(2)
  })

  it('honours renewBeforeExpirySeconds', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0)
    const op = tokenEndpoint({ expiresIn: 3600 })
    const m = new TokenManager({
      request: { address: TOKEN_ENDPOINT, clientId: 'svc', clientSecret: SECRET, fetch: op.fetch },
      store: new MemoryStore(),
      renewBeforeExpirySeconds: 600,
    })
    await m.getAccessToken()
    await vi.advanceTimersByTimeAsync(2_990_000)
    await m.getAccessToken()
    await vi.advanceTimersByTimeAsync(0)
    expect(op.requests()).toBe(1)
    await vi.advanceTimersByTimeAsync(20_000)
    expect(await m.getAccessToken()).toBe('t2')
    expect(op.requests()).toBe(2)
  })
  it('takes the lifetime from a JWT exp when expires_in is absent, else 300 s', async () => {
    // A fresh JWT per request (an already expired one is refused: see the issue-12 tests).
    const jwt = () =>
      `${b64({ alg: 'none' })}.${b64({ exp: Math.floor(Date.now() / 1000) + 120 })}.sig`
    let opaque = 0
    const fake = fakeFetch({
      [TOKEN_ENDPOINT]: async (request) => {
        const scope = new URLSearchParams(await request.text()).get('scope')
        if (scope === 'jwt') return json({ access_token: jwt(), token_type: 'Bearer' })
        opaque++
        return json({ access_token: `opaque${opaque}`, token_type: 'Bearer' })
      },
    })
    const jwtManager = manager(fake.fetch, { scope: 'jwt' })
    const opaqueManager = manager(fake.fetch, { scope: 'opaque' })
    await jwtManager.getAccessToken()
    await opaqueManager.getAccessToken()
    await vi.advanceTimersByTimeAsync(125_000)
    await jwtManager.getAccessToken() // expired: fetched again
    await opaqueManager.getAccessToken() // 300 s: still cached
    expect(fake.count(TOKEN_ENDPOINT)).toBe(3)
    await vi.advanceTimersByTimeAsync(200_000)
    expect(await opaqueManager.getAccessToken()).toBe('opaque2')
  })
})

describe('TokenManager: provider failures', () => {
  it('keeps serving a valid token while renewals fail, backing off between attempts', async () => {
    const op = tokenEndpoint({ expiresIn: 3600 })
    const m = manager(op.fetch)
    await m.getAccessToken()
    op.state.down = true
    await vi.advanceTimersByTimeAsync((3600 - 29) * 1000)
    // Calls every 100 ms for 10 s: with backoff 1, 2, 4 s (+-20 %) that is 3 to 5 attempts.
    for (let i = 0; i < 100; i++) {
      expect(await m.getAccessToken()).toBe('t1')
      await vi.advanceTimersByTimeAsync(100)
    }
    const attempts = op.requests() - 1
    expect(attempts).toBeGreaterThanOrEqual(3)
    expect(attempts).toBeLessThanOrEqual(5)
    op.state.down = false
    await vi.advanceTimersByTimeAsync(20_000)
    await m.getAccessToken()
    await vi.advanceTimersByTimeAsync(0)
    expect(await m.getAccessToken()).toBe('t2')
  })

  it('rejects with TokenUnavailableError once no token is valid, and fails fast until the next attempt', async () => {
    const op = tokenEndpoint({ expiresIn: 60 })
    const m = manager(op.fetch)
    await m.getAccessToken()
    op.state.down = true
    await vi.advanceTimersByTimeAsync(61_000)
    const error = await m.getAccessToken().then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(TokenUnavailableError)
    const typed = error as TokenUnavailableError
    expect(typed.code).toBe('token_unavailable')
    expect(typed.errorType).toBe('protocol')
    expect(typed.httpStatus).toBe(503)
    expect(typed.cause.error).toBe('temporarily_unavailable')
    expect(typed.message).not.toContain(SECRET)
    expect(typed.message).not.toContain('t1')
    const before = op.requests()
    await expect(m.getAccessToken()).rejects.toMatchObject({ code: 'token_unavailable' })
    expect(op.requests()).toBe(before)
    op.state.down = false
    await vi.advanceTimersByTimeAsync(1_300)
    expect(await m.getAccessToken()).toBe('t2')
  })

  it('reports a refused client (invalid_client) as token_unavailable with the OAuth error', async () => {
    const fake = fakeFetch({
      [TOKEN_ENDPOINT]: () => json({ error: 'invalid_client' }, { status: 401 }),
    })
    const m = manager(fake.fetch)
    await expect(m.getAccessToken()).rejects.toMatchObject({
      code: 'token_unavailable',
      errorType: 'protocol',
      httpStatus: 401,
    })
  })
})

describe('TokenManager: refused tokens', () => {
  it('renews once however many callers report the same refused token', async () => {
    const op = tokenEndpoint({ expiresIn: 3600 })
    const m = manager(op.fetch)
    const t1 = await m.getAccessToken()
    const renewed = await Promise.all(
      Array.from({ length: 20 }, () => m.getAccessToken({ rejectedToken: t1 })),
    )
    expect(new Set(renewed)).toEqual(new Set(['t2']))
    expect(op.requests()).toBe(2)
    // A late report of the old token does not renew again.
    expect(await m.getAccessToken({ rejectedToken: t1 })).toBe('t2')
    expect(op.requests()).toBe(2)
  })

  it('does not adopt the refused token from the shared store', async () => {
    const op = tokenEndpoint({ expiresIn: 3600 })
    const store = new MemoryStore()
    const a = manager(op.fetch, {}, store)
    const b = manager(op.fetch, {}, store)
    const t1 = await a.getAccessToken()
    expect(await b.getAccessToken({ rejectedToken: t1 })).toBe('t2')
    // a adopts b's renewal from the store when it sees the 401 in turn.
    expect(await a.getAccessToken({ rejectedToken: t1 })).toBe('t2')
    expect(op.requests()).toBe(2)
  })
})

describe('TokenManager: the fleet protocol on a store', () => {
  it('waits for the lock holder and adopts the token it shares', async () => {
    const op = tokenEndpoint({ expiresIn: 3600 })
    const store = new MemoryStore()
    const m = manager(op.fetch, {}, store)
    const lock = await store.acquireLock(`lock:${m.cacheKey}`, 10_000)
    const pending = m.getAccessToken()
    await vi.advanceTimersByTimeAsync(500)
    expect(op.requests()).toBe(0)
    const now = Date.now()
    await store.set(
      m.cacheKey,
      JSON.stringify({
        access_token: 'from-peer',
        token_type: 'Bearer',
        iat: now,
        exp: now + 3_600_000,
      }),
      3_600_000,
    )
    await vi.advanceTimersByTimeAsync(200)
    expect(await pending).toBe('from-peer')
    expect(op.requests()).toBe(0)
    await lock?.release()
  })

  it('takes over when a crashed holder’s lock expires', async () => {
    const op = tokenEndpoint({ expiresIn: 3600 })
    const store = new MemoryStore()
    const m = manager(op.fetch, { timeoutMs: 1000 }, store)
    await store.acquireLock(`lock:${m.cacheKey}`, 2_000) // never released
    const pending = m.getAccessToken()
    await vi.advanceTimersByTimeAsync(1_900)
    expect(op.requests()).toBe(0)
    await vi.advanceTimersByTimeAsync(300)
    expect(await pending).toBe('t1')
    expect(op.requests()).toBe(1)
  })

  it('works per process when the store fails', async () => {
    const op = tokenEndpoint({ expiresIn: 3600 })
    const broken: CacheStore = {
      get: () => Promise.reject(new Error('down')),
      set: () => Promise.reject(new Error('down')),
      delete: () => Promise.reject(new Error('down')),
      acquireLock: () => Promise.reject(new Error('down')),
    }
    const m = manager(op.fetch, {}, broken)
    const tokens = await Promise.all(Array.from({ length: 50 }, () => m.getAccessToken()))
    expect(new Set(tokens)).toEqual(new Set(['t1']))
    expect(op.requests()).toBe(1)
  })

  it('ignores a malformed shared entry', async () => {
    const op = tokenEndpoint({ expiresIn: 3600 })
    const store = new MemoryStore()
    const m = manager(op.fetch, {}, store)
    await store.set(m.cacheKey, '{"access_token": 42}', 60_000)
    expect(await m.getAccessToken()).toBe('t1')
  })
})

function b64(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url')
}

describe('TokenManager: the credentials are part of the cache key (issue 12)', () => {
  it('does not hand a manager with a wrong secret the token cached by the real client', async () => {
    // The endpoint issues a token to whoever asks: the point is that the wrong manager asks.
    const op = tokenEndpoint({ expiresIn: 3600 })
    const store = new MemoryStore()
    const real = manager(op.fetch, {}, store)
    const wrong = manager(op.fetch, { clientSecret: 'not-the-secret' }, store)
    expect(await real.getAccessToken()).toBe('t1')
    expect(await wrong.getAccessToken()).toBe('t2')
    expect(op.requests()).toBe(2)
    expect(wrong.cacheKey).not.toBe(real.cacheKey)
    // The secret is hashed into the key, never written in clear.
    for (const m of [real, wrong]) {
      expect(m.cacheKey).not.toContain(SECRET)
      expect(m.cacheKey).not.toContain('not-the-secret')
    }
  })

  it('does not hand a manager with another private key the token of the real one', async () => {
    const op = tokenEndpoint({ expiresIn: 3600 })
    const store = new MemoryStore()
    const keyA = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey
    const keyB = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey
    const withKey = (privateKey: unknown) =>
      manager(op.fetch, { clientSecret: undefined, privateKey }, store)
    const a = withKey(keyA)
    const b = withKey(keyB)
    // The same key as a JWK is the same client.
    const aAsJwk = withKey(keyA.export({ format: 'jwk' }))
    expect(a.cacheKey).not.toBe(b.cacheKey)
    expect(aAsJwk.cacheKey).toBe(a.cacheKey)
    expect(a.cacheKey).not.toContain(String(keyA.export({ format: 'jwk' }).d))
    expect(() => withKey({ kty: 'oct', k: 'c2VjcmV0' })).toThrow(TypeError)
  })
})

describe('TokenManager: sane lifetimes (issue 12)', () => {
  it('expires_in: 0 does not turn every call into a token request', async () => {
    const op = tokenEndpoint({ expiresIn: 0 })
    const m = manager(op.fetch)
    for (let i = 0; i < 50; i++) {
      expect(await m.getAccessToken()).toBe('t1')
      await vi.advanceTimersByTimeAsync(100)
    }
    expect(op.requests()).toBe(1)
  })

  it('a huge expires_in never hands out a JWT past its own exp', async () => {
    let issued = 0
    const fake = fakeFetch({
      [TOKEN_ENDPOINT]: () => {
        issued++
        const now = Math.floor(Date.now() / 1000)
        const jwt = `${b64({ alg: 'none' })}.${b64({ iat: now, exp: now + 60, n: issued })}.sig`
        return json({ access_token: jwt, token_type: 'Bearer', expires_in: 1e9 })
      },
    })
    const m = manager(fake.fetch)
    for (let i = 0; i < 300; i++) {
      const token = await m.getAccessToken()
      const { exp } = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString())
      expect(Date.now()).toBeLessThan(exp * 1000)
      await vi.advanceTimersByTimeAsync(1_000)
    }
    expect(issued).toBeGreaterThanOrEqual(5)
  })
})

/**
 * Awaits a promise under fake timers, advancing them 10 ms at a time: processes of a fleet that
 * wait for another's lock poll the store on timers.
 */
async function drive<T>(promise: Promise<T>): Promise<T> {
  let settled = false
  const done = promise.finally(() => {
    settled = true
  })
  done.catch(() => {})
  while (!settled) await vi.advanceTimersByTimeAsync(10)
  return done
}

describe('TokenManager: a failed renewal inside the margin', () => {
  it('serves the old token while it is valid, and says so once per failure in an event', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0)
    const op = tokenEndpoint({ expiresIn: 3600 })
    const events: TokenManagerEvent[] = []
    const m = new TokenManager({
      request: { address: TOKEN_ENDPOINT, clientId: 'svc', clientSecret: SECRET, fetch: op.fetch },
      store: new MemoryStore(),
      onEvent: (event) => events.push(event),
    })
    await m.getAccessToken()
    op.state.down = true
    await vi.advanceTimersByTimeAsync((3600 - 59) * 1000)
    expect(await m.getAccessToken()).toBe('t1')
    expect(await m.getAccessToken()).toBe('t1')
    expect(events.map((e) => e.type)).toEqual(['fetched', 'renewal_failed', 'stale_served'])
    const failed = events[1] as Extract<TokenManagerEvent, { type: 'renewal_failed' }>
    expect(failed).toMatchObject({ reason: 'provider', errorType: 'protocol', httpStatus: 503 })
    expect(failed.retryAt).toBeGreaterThan(Date.now())
    expect(JSON.stringify(events)).not.toContain('t1')
    expect(JSON.stringify(events)).not.toContain(SECRET)
    // Provider back: the next attempt (after the backoff step) renews, and callers wait for it.
    op.state.down = false
    await vi.advanceTimersByTimeAsync(1_300)
    expect(await m.getAccessToken()).toBe('t2')
    expect(events.at(-1)?.type).toBe('fetched')
  })

  it('an observer that throws or rejects changes nothing', async () => {
    const op = tokenEndpoint({ expiresIn: 3600 })
    for (const onEvent of [
      () => {
        throw new Error('observer down')
      },
      () => Promise.reject(new Error('observer down')),
    ]) {
      const m = new TokenManager({
        request: {
          address: TOKEN_ENDPOINT,
          clientId: 'svc',
          clientSecret: SECRET,
          fetch: op.fetch,
        },
        store: new MemoryStore(),
        onEvent: onEvent as never,
      })
      expect(await m.getAccessToken()).toMatch(/^t\d$/)
    }
  })
})

describe('TokenManager: one backoff for the fleet', () => {
  function fleet(size: number, op: ReturnType<typeof tokenEndpoint>, store = new MemoryStore()) {
    const events: TokenManagerEvent[][] = []
    const managers = Array.from({ length: size }, (_, i) => {
      events.push([])
      return new TokenManager({
        request: {
          address: TOKEN_ENDPOINT,
          clientId: 'svc',
          clientSecret: SECRET,
          fetch: op.fetch,
        },
        store,
        onEvent: (event) => events[i]!.push(event),
      })
    })
    return { managers, events, store }
  }

  it('the first process to see the provider fail records when to try again; the others wait for it', async () => {
    const op = tokenEndpoint({ expiresIn: 60 })
    const { managers, events } = fleet(8, op)
    await drive(Promise.all(managers.map((m) => m.getAccessToken())))
    expect(op.requests()).toBe(1)
    op.state.down = true
    await vi.advanceTimersByTimeAsync(61_000)
    // No token anywhere; every process is asked, one after the other, for 30 s.
    const outcomes: string[] = []
    for (let t = 0; t < 300; t++) {
      for (const m of managers) {
        outcomes.push(await m.getAccessToken().catch((e: { code: string }) => e.code))
      }
      await vi.advanceTimersByTimeAsync(100)
    }
    expect(new Set(outcomes)).toEqual(new Set(['token_unavailable']))
    // Steps of 1, 2, 4, 5, 5 ... s (±20 %) for the whole fleet: 7 to 10 probes in 30 s, not 8 x that.
    const probes = op.requests() - 1
    expect(probes).toBeGreaterThanOrEqual(7)
    expect(probes).toBeLessThanOrEqual(10)
    // The processes that did not probe say why they did not.
    const reasons = events.flat().filter((e) => e.type === 'renewal_failed')
    expect(reasons.some((e) => e.reason === 'fleet_backoff')).toBe(true)
    expect(reasons.filter((e) => e.reason === 'provider')).toHaveLength(probes)
  })

  it('honours Retry-After for the whole fleet', async () => {
    const op = tokenEndpoint({ expiresIn: 60 })
    const { managers } = fleet(4, op)
    await managers[0]!.getAccessToken()
    op.state.down = true
    op.state.retryAfter = 20
    await vi.advanceTimersByTimeAsync(61_000)
    for (let t = 0; t < 190; t++) {
      for (const m of managers) await m.getAccessToken().catch(() => {})
      await vi.advanceTimersByTimeAsync(100)
    }
    // 19 s: one probe, then everyone waits for the 20 s the provider asked for.
    expect(op.requests() - 1).toBe(1)
    await vi.advanceTimersByTimeAsync(1_100)
    for (const m of managers) await m.getAccessToken().catch(() => {})
    expect(op.requests() - 1).toBe(2)
  })

  it('a provider that answers again is noticed by one process; the others adopt its token', async () => {
    const op = tokenEndpoint({ expiresIn: 60 })
    const { managers, events } = fleet(8, op)
    await managers[0]!.getAccessToken()
    op.state.down = true
    await vi.advanceTimersByTimeAsync(61_000)
    for (const m of managers) await m.getAccessToken().catch(() => {})
    const before = op.requests()
    op.state.down = false
    await vi.advanceTimersByTimeAsync(1_300)
    const tokens = await drive(Promise.all(managers.map((m) => m.getAccessToken())))
    expect(new Set(tokens)).toEqual(new Set(['t2']))
    expect(op.requests() - before).toBe(1)
    const sources = events.map((list) => list.at(-1)?.type)
    expect(sources.filter((type) => type === 'fetched')).toHaveLength(1)
    expect(sources.filter((type) => type === 'adopted')).toHaveLength(7)
  })

  it('while a valid token is served, backs off up to 30 s, and tries again as the token runs out', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0.5)
    const op = tokenEndpoint({ expiresIn: 3600 })
    const { managers } = fleet(4, op)
    await drive(Promise.all(managers.map((m) => m.getAccessToken())))
    op.state.down = true
    await vi.advanceTimersByTimeAsync((3600 - 300) * 1000)
    // 300 s before expiry, well before the margin: nobody needs a renewal yet.
    for (const m of managers) expect(await m.getAccessToken()).toBe('t1')
    expect(op.requests()).toBe(1)
    // Into the margin: 60 s of calls (every 100 ms) by 4 processes; old token served.
    await vi.advanceTimersByTimeAsync(240_000)
    for (let t = 0; t < 540; t++) {
      for (const m of managers) expect(await m.getAccessToken()).toBe('t1')
      await vi.advanceTimersByTimeAsync(100)
    }
    // Steps 1, 2, 4, 8, 16, then the token's last seconds: 6 or 7 probes for the fleet.
    expect(op.requests() - 1).toBeGreaterThanOrEqual(5)
    expect(op.requests() - 1).toBeLessThanOrEqual(7)
  })
})

describe('TokenManager: the store fails during a renewal', () => {
  function flaky() {
    const inner = new MemoryStore()
    const state = { down: false }
    const guard =
      <A extends unknown[], R>(f: (...args: A) => Promise<R>) =>
      (...args: A): Promise<R> =>
        state.down ? Promise.reject(new Error('store down')) : f(...args)
    const store: CacheStore = {
      get: guard((key: string) => inner.get(key)),
      set: guard((key: string, value: string, ttl: number) => inner.set(key, value, ttl)),
      delete: guard((key: string) => inner.delete(key)),
      acquireLock: guard((key: string, ttl: number) => inner.acquireLock(key, ttl)),
    }
    return { store, state }
  }

  it('waits for the store while the old token is good for a while (one request for the fleet), then goes alone', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0)
    const op = tokenEndpoint({ expiresIn: 60 })
    const { store, state } = flaky()
    const events: TokenManagerEvent[] = []
    const managers = [0, 1, 2].map(
      () =>
        new TokenManager({
          request: {
            address: TOKEN_ENDPOINT,
            clientId: 'svc',
            clientSecret: SECRET,
            fetch: op.fetch,
          },
          store,
          onEvent: (event) => events.push(event),
        }),
    )
    await drive(Promise.all(managers.map((m) => m.getAccessToken())))
    expect(op.requests()).toBe(1)
    // Margin 30 s (half of 60), usable until 54 s: the store fails from 25 s to 40 s.
    await vi.advanceTimersByTimeAsync(25_000)
    state.down = true
    for (let t = 0; t < 150; t++) {
      for (const m of managers) expect(await m.getAccessToken()).toBe('t1')
      await vi.advanceTimersByTimeAsync(100)
    }
    expect(op.requests()).toBe(1)
    expect(
      events.some((e) => e.type === 'renewal_failed' && e.reason === 'store_unavailable'),
    ).toBe(true)
    state.down = false
    await vi.advanceTimersByTimeAsync(2_100)
    const renewed = await drive(Promise.all(managers.map((m) => m.getAccessToken())))
    expect(new Set(renewed)).toEqual(new Set(['t2']))
    expect(op.requests()).toBe(2)

    // Down again through the next margin: past its half (45 s + 60 s), each process goes alone.
    state.down = true
    await vi.advanceTimersByTimeAsync(43_000)
    for (let t = 0; t < 60; t++) {
      for (const m of managers) await m.getAccessToken()
      await vi.advanceTimersByTimeAsync(100)
    }
    expect(op.requests()).toBe(2 + managers.length)
  })
})
