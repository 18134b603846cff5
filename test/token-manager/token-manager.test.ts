import { generateKeyPairSync } from 'node:crypto'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { MemoryStore } from '../../src/cache/memory-store.js'
import type { CacheStore } from '../../src/cache/store.js'
import { TokenUnavailableError } from '../../src/errors.js'
import { TokenManager } from '../../src/token-manager/token-manager.js'
import { fakeFetch, json } from '../support/fake-fetch.js'

const TOKEN_ENDPOINT = 'https://id.example.test/token'
const SECRET = 'very-secret-value'

/** A token endpoint that hands out t1, t2 ... and can be made to fail. */
function tokenEndpoint(options: { expiresIn?: number | undefined } = {}) {
  const state = { issued: 0, down: false, status: 503 }
  const fake = fakeFetch({
    [TOKEN_ENDPOINT]: async () => {
      if (state.down) return json({ error: 'temporarily_unavailable' }, { status: state.status })
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

describe('TokenManager: renewal before expiry', () => {
  it('renews once in the background inside the last minute, with jitter, and serves the old token meanwhile', async () => {
    const op = tokenEndpoint({ expiresIn: 3600 })
    const m = manager(op.fetch)
    expect(await m.getAccessToken()).toBe('t1')
    await vi.advanceTimersByTimeAsync((3600 - 61) * 1000)
    expect(await m.getAccessToken()).toBe('t1')
    expect(op.requests()).toBe(1)
    // Renewal starts between 60 s and 30 s before expiry, whatever the jitter picked.
    await vi.advanceTimersByTimeAsync(31_000)
    const during = await Promise.all([m.getAccessToken(), m.getAccessToken()])
    expect(during).toEqual(['t1', 't1'])
    await vi.advanceTimersByTimeAsync(0)
    expect(op.requests()).toBe(2)
    expect(await m.getAccessToken()).toBe('t2')
    expect(op.requests()).toBe(2)
  })

  it('spreads the renewal moment over the first half of the window (jitter)', async () => {
    const moments: number[] = []
    for (const random of [0, 0.999]) {
      vi.spyOn(Math, 'random').mockReturnValue(random)
      const op = tokenEndpoint({ expiresIn: 3600 })
      const m = manager(op.fetch)
      const start = Date.now()
      await m.getAccessToken()
      while (op.requests() === 1) {
        await vi.advanceTimersByTimeAsync(1_000)
        await m.getAccessToken()
        await vi.advanceTimersByTimeAsync(0)
      }
      moments.push((start + 3_600_000 - Date.now()) / 1000)
      vi.mocked(Math.random).mockRestore()
    }
    // Seconds before expiry at which each renewed: 60 with no jitter, about 30 with the most.
    expect(moments[0]).toBeGreaterThanOrEqual(59)
    expect(moments[0]).toBeLessThanOrEqual(60)
    expect(moments[1]).toBeGreaterThanOrEqual(29)
    expect(moments[1]).toBeLessThanOrEqual(31)
  })

  it('renews short-lived tokens in the second half of their lifetime, not 60 s early', async () => {
    const op = tokenEndpoint({ expiresIn: 20 })
    const m = manager(op.fetch)
    await m.getAccessToken()
    await vi.advanceTimersByTimeAsync(9_900)
    await m.getAccessToken()
    expect(op.requests()).toBe(1)
    await vi.advanceTimersByTimeAsync(5_200)
    await m.getAccessToken()
    await vi.advanceTimersByTimeAsync(0)
    expect(op.requests()).toBe(2)
    expect(await m.getAccessToken()).toBe('t2')
  })

  it('honours renewBeforeExpirySeconds', async () => {
    const op = tokenEndpoint({ expiresIn: 3600 })
    const m = new TokenManager({
      request: { address: TOKEN_ENDPOINT, clientId: 'svc', clientSecret: SECRET, fetch: op.fetch },
      store: new MemoryStore(),
      renewBeforeExpirySeconds: 600,
    })
    await m.getAccessToken()
    await vi.advanceTimersByTimeAsync(2_990_000)
    await m.getAccessToken()
    expect(op.requests()).toBe(1)
    await vi.advanceTimersByTimeAsync(310_000)
    await m.getAccessToken()
    await vi.advanceTimersByTimeAsync(0)
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
