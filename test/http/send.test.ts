/**
 * The HTTP layer (src/http/send.ts): timeout, size cap, no redirects, GET-only retry with
 * Retry-After inside the 30 s budget, the caller's abort, the custom fetch, no query in messages.
 */
import { afterEach, describe, expect, it, vi } from 'vitest'
import { isFailure } from '../../src/http/json.js'
import type { RequestFailure } from '../../src/http/result.js'
import { parseRetryAfter, send } from '../../src/http/send.js'

const URL_ = 'https://id.example.com/resource'

/** A fetch that answers with the given responses in turn and records when (fake clock) it ran. */
function sequence(...responses: (() => Response | Promise<Response>)[]) {
  const calls: { at: number; init: RequestInit | undefined; url: string }[] = []
  const fetchImpl = async (input: string | URL | Request, init?: RequestInit) => {
    calls.push({ at: Date.now(), init, url: String(input) })
    const next = responses[Math.min(calls.length, responses.length) - 1]
    if (!next) throw new Error('no response configured')
    return next()
  }
  return { fetch: fetchImpl as typeof fetch, calls }
}

/** A fetch that never answers, but honours its signal like the real one. */
const hanging: typeof fetch = (_input, init) =>
  new Promise((_resolve, reject) => {
    const signal = init?.signal
    signal?.addEventListener('abort', () => reject(signal.reason), { once: true })
  })

function expectFailure(result: Response | RequestFailure): RequestFailure {
  if (!isFailure(result)) throw new Error(`expected a failure, got HTTP ${result.status}`)
  return result
}

const status =
  (code: number, headers: Record<string, string> = {}) =>
  () =>
    new Response(code === 204 ? null : 'x', { status: code, headers })

afterEach(() => {
  vi.useRealTimers()
  vi.restoreAllMocks()
})

describe('send: the answer', () => {
  it('buffers the body and keeps status and headers', async () => {
    const { fetch } = sequence(() =>
      Response.json({ a: 1 }, { status: 201, headers: { 'x-extra': 'y' } }),
    )
    const response = await send({ url: URL_, method: 'GET' }, { fetch })
    if (isFailure(response)) throw new Error(response.error)
    expect(response.status).toBe(201)
    expect(response.headers.get('x-extra')).toBe('y')
    expect(await response.json()).toEqual({ a: 1 })
  })

  it('uses the custom fetch, never the global one, with redirect manual and accept json', async () => {
    const global = vi.spyOn(globalThis, 'fetch')
    const { fetch, calls } = sequence(() => new Response('{}'))
    await send({ url: URL_, method: 'GET' }, { fetch })
    expect(calls).toHaveLength(1)
    expect(global).not.toHaveBeenCalled()
    expect(calls[0]?.init?.redirect).toBe('manual')
    expect(new Headers(calls[0]?.init?.headers).get('accept')).toBe('application/json')
  })

  it('refuses a 3xx without following it, naming the target without its query', async () => {
    const { fetch, calls } = sequence(
      () =>
        new Response(null, {
          status: 302,
          headers: { location: 'https://elsewhere.example.com/login?code=SECRET-CODE' },
        }),
    )
    const failure = expectFailure(
      await send({ url: `${URL_}?access_token=SECRET-AT`, method: 'GET' }, { fetch }),
    )
    expect(failure.errorType).toBe('invalid_response')
    expect(failure.httpStatus).toBe(302)
    expect(failure.error).toContain('redirect')
    expect(failure.error).toContain('https://elsewhere.example.com/login')
    expect(failure.error).not.toContain('SECRET')
    expect(calls).toHaveLength(1) // not followed, not retried
  })

  it.each([301, 303, 307, 308])('refuses a %i too', async (code) => {
    const { fetch } = sequence(
      () => new Response(null, { status: code, headers: { location: '/x' } }),
    )
    const failure = expectFailure(await send({ url: URL_, method: 'POST', body: 'a=b' }, { fetch }))
    expect(failure.errorType).toBe('invalid_response')
    expect(failure.httpStatus).toBe(code)
  })

  it('refuses a body over the cap announced by content-length', async () => {
    let pulled = 0
    const { fetch } = sequence(
      () =>
        new Response(
          new ReadableStream({
            pull(controller) {
              pulled++
              controller.enqueue(new Uint8Array(10))
            },
          }),
          { headers: { 'content-length': '5000' } },
        ),
    )
    const failure = expectFailure(
      await send({ url: URL_, method: 'POST', body: '' }, { fetch, maxBodyBytes: 100 }),
    )
    expect(failure.errorType).toBe('invalid_response')
    expect(failure.httpStatus).toBe(200)
    expect(failure.error).toContain('100-byte size cap')
    expect(pulled).toBeLessThanOrEqual(1) // refused on the header, not read to the end
  })

  it('refuses a streamed body over the cap without content-length, and stops reading', async () => {
    let pulled = 0
    const { fetch } = sequence(
      () =>
        new Response(
          new ReadableStream({
            pull(controller) {
              pulled++
              controller.enqueue(new Uint8Array(64))
            },
          }),
        ),
    )
    const failure = expectFailure(
      await send({ url: URL_, method: 'POST', body: '' }, { fetch, maxBodyBytes: 100 }),
    )
    expect(failure.errorType).toBe('invalid_response')
    expect(failure.error).toContain('size cap')
    expect(pulled).toBeLessThan(5)
  })

  it('applies the default 1 MiB cap and accepts a body exactly at the cap', async () => {
    const mib = 1024 * 1024
    const over = sequence(() => new Response(new Uint8Array(mib + 1)))
    expect(
      expectFailure(await send({ url: URL_, method: 'POST' }, { fetch: over.fetch })).errorType,
    ).toBe('invalid_response')
    const at = sequence(() => new Response(new Uint8Array(100)))
    const ok = await send({ url: URL_, method: 'POST' }, { fetch: at.fetch, maxBodyBytes: 100 })
    if (isFailure(ok)) throw new Error(ok.error)
    expect((await ok.arrayBuffer()).byteLength).toBe(100)
  })

  it('returns a 204 with no body', async () => {
    const { fetch } = sequence(status(204))
    const response = await send({ url: URL_, method: 'POST' }, { fetch })
    if (isFailure(response)) throw new Error(response.error)
    expect(response.status).toBe(204)
    expect(await response.text()).toBe('')
  })
})

describe('send: failures of the connection', () => {
  it('times out each attempt after timeoutMs', async () => {
    const failure = expectFailure(
      await send({ url: URL_, method: 'POST', body: '' }, { fetch: hanging, timeoutMs: 20 }),
    )
    expect(failure.errorType).toBe('timeout')
    expect(failure.error).toBe(`POST ${URL_} timed out after 20 ms`)
  })

  it('times out even when the custom fetch ignores its signal', async () => {
    const deaf: typeof fetch = () => new Promise<Response>(() => {})
    const failure = expectFailure(
      await send({ url: URL_, method: 'POST' }, { fetch: deaf, timeoutMs: 20 }),
    )
    expect(failure.errorType).toBe('timeout')
    const silentBody: typeof fetch = async () =>
      new Response(new ReadableStream({ pull: () => new Promise<void>(() => {}) }))
    const stalled = expectFailure(
      await send({ url: URL_, method: 'POST' }, { fetch: silentBody, timeoutMs: 20 }),
    )
    expect(stalled.errorType).toBe('timeout')
  })

  it('times out a body that stalls after the headers', async () => {
    const stalled: typeof fetch = async (_input, init) =>
      new Response(
        new ReadableStream({
          start(controller) {
            controller.enqueue(new Uint8Array(1))
            init?.signal?.addEventListener('abort', () => controller.error(init.signal?.reason))
          },
        }),
      )
    const failure = expectFailure(
      await send({ url: URL_, method: 'POST' }, { fetch: stalled, timeoutMs: 20 }),
    )
    expect(failure.errorType).toBe('timeout')
  })

  it('retries a GET that times out, then gives up with timeout', async () => {
    let attempts = 0
    const counting: typeof fetch = (input, init) => {
      attempts++
      return hanging(input, init)
    }
    const failure = expectFailure(
      await send({ url: URL_, method: 'GET' }, { fetch: counting, timeoutMs: 10 }),
    )
    expect(failure.errorType).toBe('timeout')
    expect(attempts).toBe(3)
  })

  it('reports a network error as network, with a readable reason', async () => {
    const refused: typeof fetch = async () => {
      throw new TypeError('fetch failed', {
        cause: Object.assign(new Error('connect ECONNREFUSED 10.0.0.1:443'), {
          code: 'ECONNREFUSED',
        }),
      })
    }
    const failure = expectFailure(
      await send({ url: URL_, method: 'POST' }, { fetch: refused, maxRetries: 0 }),
    )
    expect(failure.errorType).toBe('network')
    expect(failure.error).toBe(`POST ${URL_} failed: connect ECONNREFUSED 10.0.0.1:443`)
    expect(failure.cause).toBeInstanceOf(TypeError)
  })

  it('adds the error code when the message lacks it, and copes with a non-Error', async () => {
    const dns: typeof fetch = async () => {
      throw new TypeError('fetch failed', {
        cause: Object.assign(new Error('getaddrinfo failed for id.example.com'), {
          code: 'ENOTFOUND',
        }),
      })
    }
    const named = expectFailure(await send({ url: URL_, method: 'POST' }, { fetch: dns }))
    expect(named.error).toBe(`POST ${URL_} failed: ENOTFOUND getaddrinfo failed for id.example.com`)

    const odd: typeof fetch = async () => {
      throw 'socket hang up'
    }
    const weird = expectFailure(await send({ url: URL_, method: 'POST' }, { fetch: odd }))
    expect(weird.errorType).toBe('network')
    expect(weird.error).toBe(`POST ${URL_} failed: socket hang up`)
  })

  it('retries a GET after a network error and succeeds', async () => {
    const { fetch, calls } = sequence(
      () => Promise.reject(new TypeError('fetch failed')),
      () => new Response('{}'),
    )
    const response = await send({ url: URL_, method: 'GET' }, { fetch })
    expect(isFailure(response)).toBe(false)
    expect(calls).toHaveLength(2)
  })

  it('never puts the query string into an error message', async () => {
    const url = `${URL_}?token=SECRET-TOKEN#frag-SECRET`
    const refused: typeof fetch = async () => {
      throw new TypeError('fetch failed')
    }
    for (const [fetchImpl, options] of [
      [refused, {}],
      [hanging, { timeoutMs: 10 }],
      [sequence(status(302, { location: `${url}&more=SECRET` })).fetch, {}],
      [sequence(() => new Response(new Uint8Array(200))).fetch, { maxBodyBytes: 10 }],
    ] as const) {
      const failure = expectFailure(
        await send({ url, method: 'POST' }, { fetch: fetchImpl, ...options }),
      )
      expect(failure.error).toContain(URL_)
      expect(failure.error).not.toContain('SECRET')
    }
  })
})

describe('send: the caller aborts', () => {
  it('rejects with the signal reason when aborted during the request', async () => {
    const controller = new AbortController()
    const reason = new Error('caller gave up')
    const pending = send(
      { url: URL_, method: 'GET' },
      { fetch: hanging, signal: controller.signal },
    )
    controller.abort(reason)
    await expect(pending).rejects.toBe(reason)
  })

  it('rejects at once when the signal is already aborted, without calling fetch', async () => {
    // `hanging` only listens for a future abort, as a hand-written fetch might.
    let attempts = 0
    const counting: typeof fetch = (input, init) => {
      attempts++
      return hanging(input, init)
    }
    const reason = new Error('already')
    await expect(
      send({ url: URL_, method: 'GET' }, { fetch: counting, signal: AbortSignal.abort(reason) }),
    ).rejects.toBe(reason)
    expect(attempts).toBe(0)
  })

  it('rejects with the reason even when the custom fetch ignores the signal', async () => {
    const controller = new AbortController()
    const deaf: typeof fetch = () => new Promise<Response>(() => {})
    const pending = send({ url: URL_, method: 'POST' }, { fetch: deaf, signal: controller.signal })
    controller.abort('enough')
    await expect(pending).rejects.toBe('enough')
  })

  it('rejects with the reason when aborted while waiting to retry', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] })
    const controller = new AbortController()
    const { fetch, calls } = sequence(status(503, { 'retry-after': '5' }))
    const pending = send({ url: URL_, method: 'GET' }, { fetch, signal: controller.signal })
    const outcome = pending.then(
      () => 'resolved',
      (error: unknown) => error,
    )
    await vi.advanceTimersByTimeAsync(1000)
    expect(calls).toHaveLength(1)
    controller.abort('stop')
    expect(await outcome).toBe('stop')
    expect(calls).toHaveLength(1)
  })
})

describe('send: retries', () => {
  it.each([503, 429])('retries a GET on %i after Retry-After seconds', async (code) => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] })
    const { fetch, calls } = sequence(status(code, { 'retry-after': '2' }), () =>
      Response.json({ ok: true }),
    )
    const pending = send({ url: URL_, method: 'GET' }, { fetch })
    await vi.runAllTimersAsync()
    const response = await pending
    if (isFailure(response)) throw new Error(response.error)
    expect(response.status).toBe(200)
    expect(calls).toHaveLength(2)
    expect(calls[1]!.at - calls[0]!.at).toBe(2000)
  })

  it('honours Retry-After as an HTTP date', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] })
    vi.setSystemTime(new Date('2030-01-01T00:00:00Z'))
    const { fetch, calls } = sequence(
      status(503, { 'retry-after': 'Tue, 01 Jan 2030 00:00:03 GMT' }),
      () => new Response('{}'),
    )
    const pending = send({ url: URL_, method: 'GET' }, { fetch })
    await vi.runAllTimersAsync()
    expect(isFailure(await pending)).toBe(false)
    expect(calls[1]!.at - calls[0]!.at).toBe(3000)
  })

  it('gives up after maxRetries (default 2) and returns the last answer', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] })
    const { fetch, calls } = sequence(status(503))
    const pending = send({ url: URL_, method: 'GET' }, { fetch })
    await vi.runAllTimersAsync()
    const response = await pending
    expect(isFailure(response) ? response.error : response.status).toBe(503)
    expect(calls).toHaveLength(3)
    // Jittered exponential backoff without Retry-After: 50-100 ms, then 100-200 ms.
    const first = calls[1]!.at - calls[0]!.at
    const second = calls[2]!.at - calls[1]!.at
    expect(first).toBeGreaterThanOrEqual(50)
    expect(first).toBeLessThanOrEqual(100)
    expect(second).toBeGreaterThanOrEqual(100)
    expect(second).toBeLessThanOrEqual(200)
  })

  it.each([408, 502, 504])('retries a GET on %i', async (code) => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] })
    const { fetch, calls } = sequence(status(code), () => new Response('{}'))
    const pending = send({ url: URL_, method: 'GET' }, { fetch })
    await vi.runAllTimersAsync()
    expect(isFailure(await pending)).toBe(false)
    expect(calls).toHaveLength(2)
  })

  it.each([400, 401, 404, 500, 501])('does not retry a GET on %i', async (code) => {
    const { fetch, calls } = sequence(status(code))
    const response = await send({ url: URL_, method: 'GET' }, { fetch })
    expect(isFailure(response) ? 0 : response.status).toBe(code)
    expect(calls).toHaveLength(1)
  })

  it('falls back to the backoff for an invalid Retry-After such as "-1"', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] })
    const { fetch, calls } = sequence(
      status(503, { 'retry-after': '-1' }),
      () => new Response('{}'),
    )
    const pending = send({ url: URL_, method: 'GET' }, { fetch })
    await vi.runAllTimersAsync()
    expect(isFailure(await pending)).toBe(false)
    expect(calls[1]!.at - calls[0]!.at).toBeGreaterThanOrEqual(50)
  })

  it('does not retry when Retry-After asks for more than 10 s', async () => {
    const { fetch, calls } = sequence(status(503, { 'retry-after': '11' }))
    const response = await send({ url: URL_, method: 'GET' }, { fetch })
    expect(isFailure(response) ? 0 : response.status).toBe(503)
    expect(calls).toHaveLength(1)
  })

  it('does not retry past the 30 s budget of the whole operation', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] })
    // Each attempt takes 9 s and asks to retry after 10 s.
    const calls: number[] = []
    const slow: typeof fetch = async () => {
      calls.push(Date.now())
      await new Promise((resolve) => setTimeout(resolve, 9000))
      return new Response('busy', { status: 503, headers: { 'retry-after': '10' } })
    }
    const started = Date.now()
    const pending = send({ url: URL_, method: 'GET' }, { fetch: slow, maxRetries: 5 })
    await vi.runAllTimersAsync()
    const response = await pending
    expect(isFailure(response) ? 0 : response.status).toBe(503)
    // 0 s: attempt, 9 s: wait 10 s, 19 s: attempt, 28 s: another wait would pass 30 s.
    expect(calls.map((at) => at - started)).toEqual([0, 19_000])
    expect(Date.now() - started).toBeLessThanOrEqual(30_000)
  })

  it('never retries a POST, whatever the answer', async () => {
    for (const answer of [
      status(503, { 'retry-after': '1' }),
      status(429),
      () => Promise.reject(new TypeError('fetch failed')),
    ]) {
      const { fetch, calls } = sequence(answer)
      await send({ url: URL_, method: 'POST', body: 'grant_type=x' }, { fetch, maxRetries: 5 })
      expect(calls).toHaveLength(1)
    }
    let attempts = 0
    const counting: typeof fetch = (input, init) => {
      attempts++
      return hanging(input, init)
    }
    const timedOut = expectFailure(
      await send({ url: URL_, method: 'POST' }, { fetch: counting, timeoutMs: 10 }),
    )
    expect(timedOut.errorType).toBe('timeout')
    expect(attempts).toBe(1)
  })
})

describe('parseRetryAfter', () => {
  it('reads delta-seconds and HTTP dates, and ignores garbage', () => {
    expect(parseRetryAfter(null)).toBeUndefined()
    expect(parseRetryAfter('0')).toBe(0)
    expect(parseRetryAfter(' 7 ')).toBe(7000)
    expect(parseRetryAfter('soon')).toBeUndefined()
    expect(parseRetryAfter('-3')).toBeUndefined()
    expect(parseRetryAfter('1.5')).toBeUndefined()
    expect(parseRetryAfter(new Date(Date.now() - 60_000).toUTCString())).toBe(0)
    const ahead = parseRetryAfter(new Date(Date.now() + 60_000).toUTCString())
    expect(ahead).toBeGreaterThan(58_000)
    expect(ahead).toBeLessThanOrEqual(60_000)
  })
})
