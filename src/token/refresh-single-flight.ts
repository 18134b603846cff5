/**
 * Single-flight refresh: one refresh request per refresh token at a time, shared by every
 * caller, so refresh-token rotation does not turn concurrent refreshes into `invalid_grant`.
 */

import { DEFAULT_TIMEOUT_MS } from '../http/options.js'
import { raceSignal } from '../internal/abort.js'
import { promisesCrossRequests } from '../internal/runtime.js'
import { sleep } from '../internal/sleep.js'
import { hashKey } from '../kernel/digest.js'
import { type RefreshTokenRequestInit, requestRefreshToken } from './refresh.js'
import type { TokenResponse } from './token-response.js'

/** Options of {@link createSingleFlightRefresh}. */
export interface SingleFlightRefreshOptions {
  /**
   * For this long after a refresh succeeded, a caller that still presents the refresh token it
   * replaced gets the same result instead of redeeming a rotated-away token (default 30 s;
   * 0 turns it off). The results are kept in memory for that long.
   */
  reuseWindowSeconds?: number | undefined
  /** At most this many remembered results; the oldest go first (default 1000). */
  maxEntries?: number | undefined
  /** The clock in milliseconds (tests). */
  now?: (() => number) | undefined
  /**
   * Whether callers wait on the refresh another caller started (default true, except on
   * Cloudflare Workers and Vercel's Edge runtime, where a request must not await another
   * request's I/O). Without it, a caller presenting a token that is being refreshed polls for
   * the remembered result instead (every 25 ms, for at most the request's timeout), and refreshes
   * itself only when none comes.
   */
  shareInFlight?: boolean | undefined
}

/** How often a caller that may not share the promise looks for the other refresh's result. */
const POLL_MS = 25

/** A `requestRefreshToken` that shares work between callers holding the same refresh token. */
export type SingleFlightRefresh = (request: RefreshTokenRequestInit) => Promise<TokenResponse>

/**
 * Creates a refresh function that sends at most one refresh request per refresh token at a time.
 * Callers presenting the same token (same endpoint and client) while a refresh is in flight
 * share its result; callers arriving within `reuseWindowSeconds` after it succeeded get the same
 * result too. Everything else is {@link requestRefreshToken}.
 *
 * It works within one process. Several processes or machines sharing one token family need a
 * shared lock instead (for example a Redis `SET NX` around the refresh, keyed like this one).
 *
 * Each caller's `signal` stops only that caller's wait; the shared request is sent without a
 * signal (with the first caller's `fetch` and `timeoutMs`) so that one caller leaving does not
 * fail the others.
 *
 * @example
 * ```ts
 * const refresh = createSingleFlightRefresh()   // one per process, shared by every request handler
 * const result = await refresh({ address: disco.tokenEndpoint, clientId, clientSecret, refreshToken: session.refreshToken })
 * if (result.isSuccessful) session.refreshToken = result.token.refresh_token ?? session.refreshToken
 * ```
 * @see RFC 9700 §4.14.2 (refresh token rotation), RFC 6749 §6
 */
export function createSingleFlightRefresh(
  options: SingleFlightRefreshOptions = {},
): SingleFlightRefresh {
  const windowMs = (options.reuseWindowSeconds ?? 30) * 1000
  const maxEntries = options.maxEntries ?? 1000
  if (!(windowMs >= 0)) throw new TypeError('reuseWindowSeconds must be >= 0')
  if (!(Number.isInteger(maxEntries) && maxEntries > 0)) {
    throw new TypeError('maxEntries must be a positive integer')
  }
  const now = options.now ?? Date.now
  const share = options.shareInFlight ?? promisesCrossRequests()
  const inFlight = new Map<string, Promise<TokenResponse>>()
  const recent = new Map<string, { readonly result: TokenResponse; readonly until: number }>()
  /** Without shared promises: refreshes under way, by key, with how long they may take. */
  const claimed = new Map<string, number>()

  const remember = (key: string, result: TokenResponse): void => {
    if (!result.isSuccessful || windowMs === 0) return
    if (recent.size >= maxEntries) recent.delete(recent.keys().next().value as string)
    recent.set(key, { result, until: now() + windowMs })
  }
  const fresh = (key: string): TokenResponse | undefined => {
    const remembered = recent.get(key)
    if (remembered === undefined) return undefined
    if (remembered.until > now()) return remembered.result
    recent.delete(key)
    return undefined
  }

  /** Where promises may not cross requests: values are shared, never the promise. */
  const alone = async (key: string, request: RefreshTokenRequestInit): Promise<TokenResponse> => {
    const waitMs = (request.timeoutMs ?? DEFAULT_TIMEOUT_MS) + 1000
    for (let waited = 0; claimed.has(key) && waited < waitMs; waited += POLL_MS) {
      await sleep(POLL_MS, request.signal)
      const result = fresh(key)
      if (result !== undefined) return result
    }
    claimed.set(key, now())
    // As when shared: the caller's signal stops its wait, not the refresh (whose result the
    // other callers of this token need).
    const { signal: _callerSignal, ...withoutSignal } = request
    const own = requestRefreshToken(withoutSignal)
      .then((result) => {
        remember(key, result)
        return result
      })
      .finally(() => claimed.delete(key))
    return raceSignal(own, request.signal)
  }

  return (request) => {
    if (typeof request?.refreshToken !== 'string' || request.refreshToken.length === 0) {
      throw new TypeError('refreshToken is required')
    }
    // A digest, so that the maps hold no refresh token as a key.
    const key = hashKey(
      `${request.address ?? ''}\n${request.clientId ?? ''}\n${request.refreshToken}`,
    )

    const remembered = fresh(key)
    if (remembered !== undefined) return Promise.resolve(remembered)
    if (!share) return alone(key, request)
    let shared = inFlight.get(key)
    if (shared === undefined) {
      const { signal: _callerSignal, ...withoutSignal } = request
      shared = requestRefreshToken(withoutSignal).finally(() => inFlight.delete(key))
      shared.then(
        (result) => remember(key, result),
        () => {}, // a caller mistake (TypeError) reaches every caller through `shared` itself
      )
      inFlight.set(key, shared)
    }
    return Promise.resolve(raceSignal(shared, request.signal))
  }
}
