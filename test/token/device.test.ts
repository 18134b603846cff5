import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import {
  DEVICE_CODE_GRANT_TYPE,
  DeviceTokenRequest,
  pollDeviceToken,
  requestDeviceToken,
  type TokenResponse,
} from '../../src/index.js'
import { fakeFetch, json } from '../support/fake-fetch.js'

const TOKEN = 'https://id.example.com/token'
const tokens = { access_token: 'at-1', token_type: 'Bearer', expires_in: 600 }
const START = Date.UTC(2025, 0, 1)

type Step = () => Response | Promise<Response>
const pending: Step = () => json({ error: 'authorization_pending' }, { status: 400 })
const slowDown: Step = () => json({ error: 'slow_down' }, { status: 400 })
const granted: Step = () => json(tokens)
const unreachable: Step = () => {
  throw new TypeError('fetch failed', { cause: new Error('connect ECONNREFUSED') })
}

/**
 * A token endpoint answering the scripted steps in order (the last one repeats), recording when
 * each poll came, in seconds since it was created.
 */
function scripted(steps: Step[]) {
  const times: number[] = []
  const start = Date.now()
  const fake = fakeFetch({
    [TOKEN]: () => {
      times.push((Date.now() - start) / 1000)
      const step = steps[Math.min(times.length - 1, steps.length - 1)]!
      return step()
    },
  })
  return { fake, times }
}

/** Runs the poll to completion under fake timers, recording whether it settled. */
async function settle(promise: Promise<TokenResponse>, maxMs = 600_000): Promise<TokenResponse> {
  let done = false
  const tracked = promise.finally(() => {
    done = true
  })
  for (let elapsed = 0; !done && elapsed < maxMs; elapsed += 1000) {
    await vi.advanceTimersByTimeAsync(1000)
  }
  return tracked
}

describe('requestDeviceToken', () => {
  it('posts the device_code grant with the client id', async () => {
    const { fake } = scripted([granted])
    const result = await requestDeviceToken(
      new DeviceTokenRequest({
        address: TOKEN,
        clientId: 'my-cli',
        deviceCode: 'dc-1',
        fetch: fake.fetch,
      }),
    )
    expect(result).toMatchObject({ isSuccessful: true, token: tokens })
    expect(Object.fromEntries(new URLSearchParams(await fake.calls[0]!.clone().text()))).toEqual({
      grant_type: DEVICE_CODE_GRANT_TYPE,
      device_code: 'dc-1',
      client_id: 'my-cli',
    })
  })

  it('returns authorization_pending as a protocol failure', async () => {
    const { fake } = scripted([pending])
    const result = await requestDeviceToken({
      address: TOKEN,
      clientId: 'c',
      deviceCode: 'd',
      fetch: fake.fetch,
    })
    expect(result).toMatchObject({
      isSuccessful: false,
      errorType: 'protocol',
      error: 'authorization_pending',
    })
  })

  it('throws a TypeError at once without a device code', () => {
    expect(() => requestDeviceToken({ address: TOKEN, clientId: 'c' })).toThrow(TypeError)
  })
})

describe('pollDeviceToken', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: START })
  })
  afterEach(() => {
    vi.useRealTimers()
  })
  const base = { address: TOKEN, clientId: 'my-cli', deviceCode: 'dc-1' }

  it('waits the interval before each poll while authorization is pending, then returns the tokens', async () => {
    const { fake, times } = scripted([pending, pending, granted])
    const result = await settle(pollDeviceToken({ ...base, interval: 3, fetch: fake.fetch }))
    expect(result).toMatchObject({ isSuccessful: true, token: tokens })
    expect(times).toEqual([3, 6, 9])
  })

  it('defaults to a 5 s interval', async () => {
    const { fake, times } = scripted([pending, granted])
    await settle(pollDeviceToken({ ...base, fetch: fake.fetch }))
    expect(times).toEqual([5, 10])
  })

  it('adds 5 s to the interval for good on each slow_down', async () => {
    const { fake, times } = scripted([slowDown, pending, slowDown, pending, granted])
    const result = await settle(pollDeviceToken({ ...base, interval: 2, fetch: fake.fetch }))
    expect(result.isSuccessful).toBe(true)
    // 2 → slow_down → 7 → pending → 7 → slow_down → 12 → pending → 12 → granted
    expect(times).toEqual([2, 9, 16, 28, 40])
  })

  it.each([
    ['expired_token', 'the device code expired'],
    ['access_denied', 'the user denied'],
    ['invalid_client', 'bad client'],
  ])('stops at %s and returns it as a protocol failure', async (error, description) => {
    const { fake, times } = scripted([
      pending,
      () => json({ error, error_description: description }, { status: 400 }),
    ])
    const result = await settle(pollDeviceToken({ ...base, interval: 1, fetch: fake.fetch }))
    expect(result).toMatchObject({
      isSuccessful: false,
      errorType: 'protocol',
      error,
      errorDescription: description,
    })
    expect(times).toEqual([1, 2])
  })

  it('stops when expiresIn has passed, with a timeout failure', async () => {
    const { fake, times } = scripted([pending])
    const result = await settle(
      pollDeviceToken({ ...base, interval: 5, expiresIn: 12, fetch: fake.fetch }),
    )
    expect(result).toMatchObject({ isSuccessful: false, errorType: 'timeout' })
    expect(times).toEqual([5, 10])
  })

  it('doubles the interval on network failures (RFC 8628 §3.5) and gives up after three in a row', async () => {
    const recovered = scripted([unreachable, unreachable, pending, granted])
    const ok = await settle(pollDeviceToken({ ...base, interval: 2, fetch: recovered.fake.fetch }))
    expect(ok.isSuccessful).toBe(true)
    // 2 → fail → 4 → fail → 8 → pending → 8 → granted
    expect(recovered.times).toEqual([2, 6, 14, 22])

    const down = scripted([unreachable])
    const failed = await settle(pollDeviceToken({ ...base, interval: 1, fetch: down.fake.fetch }))
    expect(failed).toMatchObject({ isSuccessful: false, errorType: 'network' })
    expect(down.times).toEqual([1, 3, 7, 15])
  })

  it('treats a 5xx like a network failure, and stops at once on a 4xx without an OAuth error', async () => {
    const flaky = scripted([() => new Response('oops', { status: 502 }), granted])
    const ok = await settle(pollDeviceToken({ ...base, interval: 1, fetch: flaky.fake.fetch }))
    expect(ok.isSuccessful).toBe(true)
    expect(flaky.times).toEqual([1, 3])

    const broken = scripted([() => new Response('nope', { status: 404 })])
    const failed = await settle(pollDeviceToken({ ...base, interval: 1, fetch: broken.fake.fetch }))
    expect(failed).toMatchObject({ isSuccessful: false, errorType: 'http', httpStatus: 404 })
    expect(broken.times).toEqual([1])
  })

  it('rejects with the abort reason while waiting, without polling again', async () => {
    const { fake, times } = scripted([pending])
    const controller = new AbortController()
    const polling = pollDeviceToken({
      ...base,
      interval: 5,
      signal: controller.signal,
      fetch: fake.fetch,
    })
    const outcome = polling.then(
      () => 'resolved',
      (error: unknown) => error,
    )
    await vi.advanceTimersByTimeAsync(7000)
    const reason = new Error('user pressed Ctrl-C')
    controller.abort(reason)
    expect(await outcome).toBe(reason)
    await vi.advanceTimersByTimeAsync(60_000)
    expect(times).toEqual([5])
  })

  it('rejects with the abort reason during a poll', async () => {
    const controller = new AbortController()
    const reason = new Error('stop')
    const fake = fakeFetch({
      [TOKEN]: (request) =>
        new Promise<Response>((_, reject) => {
          request.signal.addEventListener('abort', () => reject(request.signal.reason))
          controller.abort(reason)
        }),
    })
    const polling = pollDeviceToken({
      ...base,
      interval: 1,
      signal: controller.signal,
      fetch: fake.fetch,
    })
    const outcome = polling.then(
      () => 'resolved',
      (error: unknown) => error,
    )
    await vi.advanceTimersByTimeAsync(1000)
    expect(await outcome).toBe(reason)
  })

  it('rejects at once when the signal is already aborted', async () => {
    const { fake, times } = scripted([granted])
    const reason = new Error('already gone')
    await expect(
      pollDeviceToken({ ...base, signal: AbortSignal.abort(reason), fetch: fake.fetch }),
    ).rejects.toBe(reason)
    expect(times).toEqual([])
  })

  it.each([
    ['no device code', { deviceCode: undefined }],
    ['a negative interval', { interval: -1 }],
    ['a non-numeric interval', { interval: Number.NaN }],
  ])('rejects with a TypeError for %s', async (_, override) => {
    await expect(pollDeviceToken({ ...base, ...override })).rejects.toThrow(TypeError)
  })
})
