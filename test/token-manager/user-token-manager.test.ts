import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { MemoryStore } from '../../src/cache/memory-store.js'
import type { CacheStore } from '../../src/cache/store.js'
import {
  type UserTokenEvent,
  UserTokenManager,
} from '../../src/token-manager/user-token-manager.js'
import { fakeFetch, json } from '../support/fake-fetch.js'

const TOKEN_ENDPOINT = 'https://id.example.test/token'
const REVOCATION_ENDPOINT = 'https://id.example.test/revoke'
const SESSION = 'session-id-8f3a2c'

/**
 * A provider with refresh-token rotation and reuse detection, as RFC 9700 §4.14.2 describes: a
 * refresh token works once; presenting a used one revokes the whole family.
 */
function provider(options: { expiresIn?: number } = {}) {
  const state = {
    issued: 0,
    refreshes: 0,
    valid: new Set<string>(['rt0']),
    used: new Set<string>(),
    revoked: [] as string[],
    familyRevoked: false,
    down: false,
    hold: undefined as Promise<void> | undefined,
  }
  const fake = fakeFetch({
    [TOKEN_ENDPOINT]: async (request) => {
      const form = new URLSearchParams(await request.text())
      if (state.hold) await state.hold
      if (state.down) return json({ error: 'temporarily_unavailable' }, { status: 503 })
      state.refreshes++
      const rt = form.get('refresh_token') ?? ''
      if (!state.valid.has(rt)) {
        if (state.used.has(rt)) {
          state.familyRevoked = true
          state.valid.clear()
        }
        return json({ error: 'invalid_grant' }, { status: 400 })
      }
      state.valid.delete(rt)
      state.used.add(rt)
      state.issued++
      const next = `rt${state.issued}`
      state.valid.add(next)
      return json({
        access_token: `at${state.issued}`,
        token_type: 'Bearer',
        expires_in: options.expiresIn ?? 300,
        refresh_token: next,
      })
    },
    [REVOCATION_ENDPOINT]: async (request) => {
      const token = new URLSearchParams(await request.text()).get('token') ?? ''
      state.revoked.push(token)
      state.valid.delete(token)
      return new Response(null, { status: 200 })
    },
  })
  return { ...fake, state }
}

function manager(fetch: typeof globalThis.fetch, store: CacheStore, events: UserTokenEvent[] = []) {
  return new UserTokenManager({
    client: { address: TOKEN_ENDPOINT, clientId: 'web', clientSecret: 'web-secret', fetch },
    revocationEndpoint: REVOCATION_ENDPOINT,
    store,
    onEvent: (event) => events.push(event),
  })
}

const signedIn = {
  access_token: 'at0',
  token_type: 'Bearer',
  expires_in: 300,
  refresh_token: 'rt0',
}

async function drive<T>(promise: Promise<T>): Promise<T> {
  let settled = false
  const done = promise.finally(() => {
    settled = true
  })
  done.catch(() => {})
  while (!settled) await vi.advanceTimersByTimeAsync(10)
  return done
}

beforeEach(() => {
  vi.useFakeTimers({ now: new Date('2030-01-01T00:00:00Z') })
})
afterEach(() => {
  vi.useRealTimers()
})

describe('UserTokenManager', () => {
  it('hands out the stored access token without asking the provider while it is fresh', async () => {
    const op = provider()
    const m = manager(op.fetch, new MemoryStore())
    await m.storeTokens(SESSION, signedIn)
    expect(await m.getAccessToken(SESSION)).toMatchObject({
      isSuccessful: true,
      accessToken: 'at0',
    })
    expect(op.state.refreshes).toBe(0)
  })

  it('refreshes once per token family for a fleet of processes and many callers, storing the rotated refresh token first', async () => {
    const op = provider()
    const store = new MemoryStore()
    const events: UserTokenEvent[] = []
    const fleet = [0, 1, 2, 3].map(() => manager(op.fetch, store, events))
    await fleet[0]!.storeTokens(SESSION, signedIn)
    // Into the margin (60 s before expiry): every process, 25 callers each, at once.
    await vi.advanceTimersByTimeAsync(241_000)
    const results = await drive(
      Promise.all(
        fleet.flatMap((m) => Array.from({ length: 25 }, () => m.getAccessToken(SESSION))),
      ),
    )
    expect(new Set(results.map((r) => (r.isSuccessful ? r.accessToken : r.reason)))).toEqual(
      new Set(['at1']),
    )
    expect(op.state.refreshes).toBe(1)
    expect(op.state.familyRevoked).toBe(false)
    expect(events.filter((e) => e.type === 'refreshed')).toEqual([
      expect.objectContaining({ rotated: true }),
    ])
    // The next refresh redeems the rotated token, not the used one.
    await vi.advanceTimersByTimeAsync(241_000)
    const again = await drive(Promise.all(fleet.map((m) => m.getAccessToken(SESSION))))
    expect(new Set(again.map((r) => (r.isSuccessful ? r.accessToken : r.reason)))).toEqual(
      new Set(['at2']),
    )
    expect(op.state.refreshes).toBe(2)
    expect(op.state.familyRevoked).toBe(false)
  })

  it('keeps the session id and the tokens out of the store keys', async () => {
    const op = provider()
    const store = new MemoryStore()
    const keys: string[] = []
    const seen = (key: string): string => {
      keys.push(key)
      return key
    }
    const spying: CacheStore = {
      get: (key) => store.get(seen(key)),
      set: (key, value, ttl) => store.set(seen(key), value, ttl),
      delete: (key) => store.delete(seen(key)),
      acquireLock: (key, ttl) => store.acquireLock(seen(key), ttl),
    }
    const m = manager(op.fetch, spying)
    await m.storeTokens(SESSION, signedIn)
    await m.getAccessToken(SESSION, { forceRefresh: true })
    expect(keys.length).toBeGreaterThan(0)
    for (const key of keys) {
      expect(key).toMatch(/^(lock:|backoff:)?user-token:\{[\w-]{43}\}$/)
      expect(key).not.toContain(SESSION)
    }
  })

  it('a refused refresh token (the family was revoked) asks for sign-in and forgets the tokens', async () => {
    const op = provider()
    const m = manager(op.fetch, new MemoryStore())
    await m.storeTokens(SESSION, signedIn)
    op.state.valid.clear()
    const refused = await m.getAccessToken(SESSION, { forceRefresh: true })
    expect(refused).toMatchObject({
      isSuccessful: false,
      reason: 'refresh_refused',
      signInRequired: true,
      failure: { error: 'invalid_grant' },
    })
    expect(await m.getAccessToken(SESSION)).toMatchObject({
      reason: 'no_tokens',
      signInRequired: true,
    })
  })

  it('while the provider is down: the old access token while valid, then unavailable (not sign-in)', async () => {
    const op = provider()
    const m = manager(op.fetch, new MemoryStore())
    await m.storeTokens(SESSION, signedIn)
    op.state.down = true
    await vi.advanceTimersByTimeAsync(250_000)
    expect(await drive(m.getAccessToken(SESSION))).toMatchObject({
      isSuccessful: true,
      accessToken: 'at0',
    })
    await vi.advanceTimersByTimeAsync(60_000)
    expect(await drive(m.getAccessToken(SESSION))).toMatchObject({
      isSuccessful: false,
      reason: 'unavailable',
      signInRequired: false,
    })
    op.state.down = false
    await vi.advanceTimersByTimeAsync(6_000)
    expect(await drive(m.getAccessToken(SESSION))).toMatchObject({
      isSuccessful: true,
      accessToken: 'at1',
    })
  })

  it('sign-out revokes the refresh token and forgets the session', async () => {
    const op = provider()
    const events: UserTokenEvent[] = []
    const m = manager(op.fetch, new MemoryStore(), events)
    await m.storeTokens(SESSION, signedIn)
    const result = await m.signOut(SESSION)
    expect(result).toMatchObject({ hadTokens: true, revocation: { isSuccessful: true } })
    expect(op.state.revoked).toEqual(['rt0'])
    expect(await m.getAccessToken(SESSION)).toMatchObject({ reason: 'no_tokens' })
    expect(events.at(-1)).toMatchObject({ type: 'signed_out', revoked: true })
    expect(JSON.stringify(events)).not.toContain(SESSION)
  })

  it('a sign-out during a refresh waits for it, then revokes the rotated token; nothing comes back', async () => {
    const op = provider()
    const store = new MemoryStore()
    const a = manager(op.fetch, store)
    const b = manager(op.fetch, store)
    await a.storeTokens(SESSION, signedIn)
    let release: () => void = () => {}
    op.state.hold = new Promise<void>((resolve) => {
      release = resolve
    })
    const refreshing = a.getAccessToken(SESSION, { forceRefresh: true })
    await vi.advanceTimersByTimeAsync(10)
    const signingOut = b.signOut(SESSION)
    await vi.advanceTimersByTimeAsync(200)
    release()
    op.state.hold = undefined
    await drive(refreshing)
    await drive(signingOut)
    // The refresh finished first and stored rt1; the sign-out revoked rt1, the live one.
    expect(op.state.revoked).toEqual(['rt1'])
    expect(await a.getAccessToken(SESSION)).toMatchObject({ reason: 'no_tokens' })
  })

  it('a refresh that lost its lock cannot overwrite what came after it (fenced write)', async () => {
    const op = provider()
    const store = new MemoryStore()
    const m = new UserTokenManager({
      client: {
        address: TOKEN_ENDPOINT,
        clientId: 'web',
        clientSecret: 's',
        fetch: op.fetch,
        timeoutMs: 1_000,
      },
      store,
    })
    await m.storeTokens(SESSION, signedIn)
    let release: () => void = () => {}
    op.state.hold = new Promise<void>((resolve) => {
      release = resolve
    })
    const slow = m.getAccessToken(SESSION, { forceRefresh: true })
    // The refresh outlives its lock (timeout 1 s + 2 s); meanwhile the user signs in again.
    await vi.advanceTimersByTimeAsync(3_500)
    const other = new UserTokenManager({
      client: { address: TOKEN_ENDPOINT, clientId: 'web', clientSecret: 's', fetch: op.fetch },
      store,
    })
    await drive(
      other.storeTokens(SESSION, {
        ...signedIn,
        access_token: 'fresh-sign-in',
        refresh_token: 'rt-new',
      }),
    )
    release()
    op.state.hold = undefined
    await drive(slow)
    expect(await other.getAccessToken(SESSION)).toMatchObject({ accessToken: 'fresh-sign-in' })
  })

  it('refuses caller mistakes at once', async () => {
    const op = provider()
    expect(() => new UserTokenManager({ client: { clientId: 'x' } })).toThrow(TypeError)
    expect(() => new UserTokenManager({ client: { address: TOKEN_ENDPOINT } })).toThrow(TypeError)
    const m = manager(op.fetch, new MemoryStore())
    expect(() => m.getAccessToken('')).toThrow(TypeError)
    await expect(m.storeTokens(SESSION, {} as never)).rejects.toThrow(TypeError)
  })
})
