/**
 * The one polling loop for grants that wait on a user elsewhere: the device flow (RFC 8628
 * §3.5) and CIBA (OpenID Connect CIBA Core §7.3, §10.3). It waits `interval` seconds before
 * each poll; `authorization_pending` polls again, `slow_down` adds 5 seconds to the interval for
 * good; a network failure, timeout or 5xx doubles the interval, up to three times in a row; any
 * other answer ends the loop. Past the deadline it resolves to a `timeout` failure; an aborted
 * signal rejects with its reason.
 */
import { failure } from '../../http/result.js'
import { raceSignal } from '../../internal/abort.js'
import { sleep } from '../../internal/sleep.js'
import type { TokenResponse } from '../../token/token-response.js'

/** `slow_down` adds this many seconds to the interval (RFC 8628 §3.5, CIBA Core §11). */
const SLOW_DOWN_SECONDS = 5
/** Consecutive network failures (or timeouts, 5xx) tolerated, each doubling the interval. */
const MAX_UNREACHABLE_POLLS = 3

export interface PollLoopOptions {
  /** Seconds between polls. */
  readonly interval: number
  /** Seconds until the code or request expires; polling stops then. */
  readonly expiresIn?: number | undefined
  readonly signal?: AbortSignal | undefined
  /** The `timeout` failure's message when `expiresIn` has passed. */
  readonly expiredMessage: string
  /**
   * Wait for this instead of the first interval (a CIBA ping notification): the first poll
   * happens when it settles (or at the deadline), later ones at the interval.
   */
  readonly firstWait?: PromiseLike<unknown> | undefined
}

/** Checks an interval (seconds >= 0). */
export function checkInterval(interval: number): number {
  if (!(Number.isFinite(interval) && interval >= 0)) {
    throw new TypeError('interval must be a number of seconds >= 0')
  }
  return interval
}

/** Polls with `poll` until it answers something other than "not yet". */
export async function pollForToken(
  poll: () => Promise<TokenResponse>,
  options: PollLoopOptions,
): Promise<TokenResponse> {
  let interval = checkInterval(options.interval)
  const deadline =
    options.expiresIn === undefined ? undefined : Date.now() + options.expiresIn * 1000
  let unreachable = 0
  let first = options.firstWait
  for (;;) {
    if (first !== undefined) {
      const waits: Promise<unknown>[] = [Promise.resolve(first).catch(() => {})]
      if (deadline !== undefined) waits.push(sleep(Math.max(0, deadline - Date.now())))
      await raceSignal(Promise.race(waits), options.signal)
      first = undefined
    } else {
      await sleep(interval * 1000, options.signal)
    }
    if (deadline !== undefined && Date.now() >= deadline) {
      return failure('timeout', options.expiredMessage)
    }
    const result = await poll()
    if (result.isSuccessful) return result
    if (result.errorType === 'protocol' && result.error === 'authorization_pending') {
      unreachable = 0
      continue
    }
    if (result.errorType === 'protocol' && result.error === 'slow_down') {
      unreachable = 0
      interval += SLOW_DOWN_SECONDS
      continue
    }
    const serverTrouble =
      result.errorType === 'network' ||
      result.errorType === 'timeout' ||
      (result.errorType === 'http' && (result.httpStatus ?? 0) >= 500)
    if (serverTrouble && ++unreachable <= MAX_UNREACHABLE_POLLS) {
      interval = Math.max(interval * 2, 1)
      continue
    }
    return result
  }
}
