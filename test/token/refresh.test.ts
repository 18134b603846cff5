import { describe, expect, it } from 'vitest'
import {
  createSingleFlightRefresh,
  RefreshTokenRequest,
  requestRefreshToken,
  type TokenResponse,
} from '../../src/index.js'
import { fakeFetch, json } from '../support/fake-fetch.js'

const TOKEN = 'https://id.example.com/token'

async function form(request: Request): Promise<URLSearchParams> {
  return new URLSearchParams(await request.clone().text())
}

/** A token endpoint that rotates: each refresh token works once and yields the next. */
function rotatingProvider() {
  let generation = 1
  const live = new Set(['rt-1'])
  let release: (() => void) | undefined
  let gate: Promise<void> | undefined
  const fake = fakeFetch({
    [TOKEN]: async (request) => {
      const presented = (await form(request)).get('refresh_token') ?? ''
      if (gate) await gate
      if (!live.delete(presented)) {
        return json(
          { error: 'invalid_grant', error_description: 'refresh token reused' },
          { status: 400 },
        )
      }
      generation++
      live.add(`rt-${generation}`)
      return json({
        access_token: `at-${generation}`,
        token_type: 'Bearer',
        expires_in: 300,
        refresh_token: `rt-${generation}`,
      })
    },
  })
  return {
    fake,
    hold() {
      gate = new Promise((resolve) => {
        release = resolve
      })
    },
    release() {
      gate = undefined
      release?.()
    },
  }
}

describe('requestRefreshToken', () => {
  it('posts grant_type=refresh_token with the token, scope and resource', async () => {
    const fake = fakeFetch({
      [TOKEN]: () => json({ access_token: 'at-2', token_type: 'Bearer', refresh_token: 'rt-2' }),
    })
    const result = await requestRefreshToken(
      new RefreshTokenRequest({
        address: TOKEN,
        clientId: 'web-app',
        clientSecret: 's',
        refreshToken: 'rt-1',
        scope: ['openid', 'api:read'],
        resource: 'https://api.example.com',
        fetch: fake.fetch,
      }),
    )
    expect(result).toMatchObject({
      isSuccessful: true,
      token: { access_token: 'at-2', refresh_token: 'rt-2' },
    })
    expect(Object.fromEntries(await form(fake.calls[0]!))).toEqual({
      grant_type: 'refresh_token',
      refresh_token: 'rt-1',
      scope: 'openid api:read',
      resource: 'https://api.example.com',
    })
  })

  it('returns invalid_grant as a protocol failure', async () => {
    const fake = fakeFetch({ [TOKEN]: () => json({ error: 'invalid_grant' }, { status: 400 }) })
    const result = await requestRefreshToken({
      address: TOKEN,
      clientId: 'public-app',
      refreshToken: 'gone',
      fetch: fake.fetch,
    })
    expect(result).toMatchObject({
      isSuccessful: false,
      errorType: 'protocol',
      error: 'invalid_grant',
    })
  })

  it('throws a TypeError without a refresh token', () => {
    expect(() => requestRefreshToken({ address: TOKEN, clientId: 'x' })).toThrow(TypeError)
  })

  it('shows the rotation race: two concurrent refreshes of one token, the second fails', async () => {
    const op = rotatingProvider()
    const request = {
      address: TOKEN,
      clientId: 'public-app',
      refreshToken: 'rt-1',
      fetch: op.fake.fetch,
    }
    const [a, b] = await Promise.all([requestRefreshToken(request), requestRefreshToken(request)])
    expect([a.isSuccessful, b.isSuccessful].sort()).toEqual([false, true])
    expect([a.error, b.error]).toContain('invalid_grant')
  })
})

describe('createSingleFlightRefresh', () => {
  it('sends one request for concurrent callers with the same token, and all get the rotated token', async () => {
    const op = rotatingProvider()
    const refresh = createSingleFlightRefresh()
    const request = {
      address: TOKEN,
      clientId: 'public-app',
      refreshToken: 'rt-1',
      fetch: op.fake.fetch,
    }
    op.hold()
    const pending = [refresh(request), refresh(request), refresh({ ...request })]
    await new Promise((resolve) => setImmediate(resolve))
    op.release()
    const results = await Promise.all(pending)
    expect(op.fake.calls).toHaveLength(1)
    for (const result of results) {
      expect(result).toMatchObject({ isSuccessful: true, token: { refresh_token: 'rt-2' } })
    }
  })

  it('without shared promises (Workers), concurrent callers still send one request: the others poll for its result', async () => {
    const op = rotatingProvider()
    const refresh = createSingleFlightRefresh({ shareInFlight: false })
    const request = {
      address: TOKEN,
      clientId: 'public-app',
      refreshToken: 'rt-1',
      fetch: op.fake.fetch,
    }
    op.hold()
    const pending = [refresh(request), refresh(request)]
    await new Promise((resolve) => setTimeout(resolve, 60))
    expect(op.fake.calls).toHaveLength(1)
    op.release()
    const results = await Promise.all(pending)
    expect(op.fake.calls).toHaveLength(1)
    for (const result of results) {
      expect(result).toMatchObject({ isSuccessful: true, token: { refresh_token: 'rt-2' } })
    }
  })

  it('answers a late caller still holding the rotated-away token from memory, within the window', async () => {
    let clock = 1_000_000
    const op = rotatingProvider()
    const refresh = createSingleFlightRefresh({ reuseWindowSeconds: 30, now: () => clock })
    const request = {
      address: TOKEN,
      clientId: 'public-app',
      refreshToken: 'rt-1',
      fetch: op.fake.fetch,
    }
    const first = await refresh(request)
    clock += 10_000
    const late = await refresh(request)
    expect(late).toBe(first)
    expect(op.fake.calls).toHaveLength(1)
    clock += 25_000 // past the window: the old token is sent, and the provider refuses it
    const tooLate = await refresh(request)
    expect(tooLate).toMatchObject({ isSuccessful: false, error: 'invalid_grant' })
    expect(op.fake.calls).toHaveLength(2)
  })

  it('chains: the next refresh with the rotated token is a new request', async () => {
    const op = rotatingProvider()
    const refresh = createSingleFlightRefresh()
    const base = { address: TOKEN, clientId: 'public-app', fetch: op.fake.fetch }
    const first = await refresh({ ...base, refreshToken: 'rt-1' })
    const second = await refresh({ ...base, refreshToken: first.token!.refresh_token! })
    expect(second).toMatchObject({ isSuccessful: true, token: { refresh_token: 'rt-3' } })
    expect(op.fake.calls).toHaveLength(2)
  })

  it('keeps different tokens, clients and endpoints apart', async () => {
    const fake = fakeFetch({
      [TOKEN]: async (request) =>
        json({
          access_token: `for-${(await form(request)).get('refresh_token')}`,
          token_type: 'Bearer',
        }),
    })
    const refresh = createSingleFlightRefresh()
    const [a, b] = await Promise.all([
      refresh({ address: TOKEN, clientId: 'c', refreshToken: 'x', fetch: fake.fetch }),
      refresh({ address: TOKEN, clientId: 'c', refreshToken: 'y', fetch: fake.fetch }),
    ])
    const c = await refresh({
      address: TOKEN,
      clientId: 'other',
      refreshToken: 'x',
      fetch: fake.fetch,
    })
    expect(a.token?.access_token).toBe('for-x')
    expect(b.token?.access_token).toBe('for-y')
    expect(c.token?.access_token).toBe('for-x')
    expect(fake.calls).toHaveLength(3)
  })

  it('does not remember failures: a later call tries again', async () => {
    let fail = true
    const fake = fakeFetch({
      [TOKEN]: () =>
        fail
          ? new Response('down', { status: 502 })
          : json({ access_token: 'at', token_type: 'Bearer' }),
    })
    const refresh = createSingleFlightRefresh()
    const request = { address: TOKEN, clientId: 'c', refreshToken: 'rt', fetch: fake.fetch }
    expect(await refresh(request)).toMatchObject({ isSuccessful: false, errorType: 'http' })
    fail = false
    expect(await refresh(request)).toMatchObject({ isSuccessful: true })
    expect(fake.calls).toHaveLength(2)
  })

  it('an aborting caller rejects with its reason while the others get the result', async () => {
    const op = rotatingProvider()
    const refresh = createSingleFlightRefresh()
    const request = {
      address: TOKEN,
      clientId: 'public-app',
      refreshToken: 'rt-1',
      fetch: op.fake.fetch,
    }
    const controller = new AbortController()
    op.hold()
    const leaving = refresh({ ...request, signal: controller.signal })
    const staying = refresh(request)
    const reason = new Error('user navigated away')
    controller.abort(reason)
    await expect(leaving).rejects.toBe(reason)
    op.release()
    expect(await staying).toMatchObject({ isSuccessful: true })
  })

  it('evicts the oldest remembered result past maxEntries', async () => {
    const fake = fakeFetch({ [TOKEN]: () => json({ access_token: 'at', token_type: 'Bearer' }) })
    const refresh = createSingleFlightRefresh({ maxEntries: 2 })
    const call = (refreshToken: string): Promise<TokenResponse> =>
      refresh({ address: TOKEN, clientId: 'c', refreshToken, fetch: fake.fetch })
    await call('a')
    await call('b')
    await call('c') // evicts a
    await call('b')
    expect(fake.calls).toHaveLength(3)
    await call('a')
    expect(fake.calls).toHaveLength(4)
  })

  it('throws TypeErrors for bad options and a missing refresh token', () => {
    expect(() => createSingleFlightRefresh({ maxEntries: 0 })).toThrow(TypeError)
    expect(() => createSingleFlightRefresh({ reuseWindowSeconds: -1 })).toThrow(TypeError)
    expect(() => createSingleFlightRefresh()({ address: TOKEN, clientId: 'c' })).toThrow(TypeError)
  })
})
