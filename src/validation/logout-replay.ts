/**
 * A small, bounded, in-memory memory of logout-token `jti`s, the default replay check of
 * `validateLogoutToken`.
 */

/** Decides whether a logout token's `jti` was seen before, and remembers it if not. */
export type LogoutReplayCheck = (jti: string, exp: number) => boolean | Promise<boolean>

/** Options of {@link createLogoutReplayCache}. */
export interface LogoutReplayCacheOptions {
  /** At most this many `jti`s are remembered (default 10 000). */
  maxEntries?: number | undefined
  /** The clock in milliseconds (tests). */
  now?: (() => number) | undefined
}

/**
 * Creates an in-memory replay check: `isReplay(jti, exp)` answers `true` for a `jti` already
 * seen whose `exp` (seconds since the epoch) has not passed, else remembers it until `exp` and
 * answers `false`.
 *
 * Bounded: past `maxEntries`, expired entries are dropped first, then the oldest. It protects
 * one process only: behind a load balancer, give `validateLogoutToken` an `isReplay` backed by
 * a shared store (for example Redis `SET <jti> 1 NX EXAT <exp>`: a replay when it answers nil).
 *
 * @example
 * ```ts
 * const isReplay = createLogoutReplayCache({ maxEntries: 50_000 })
 * await validateLogoutToken(token, { performDisco: true, clientId, isReplay }, issuer)
 * ```
 * @see OpenID Connect Back-Channel Logout 1.0 §2.6 (jti replay)
 */
export function createLogoutReplayCache(options: LogoutReplayCacheOptions = {}): LogoutReplayCheck {
  const maxEntries = options.maxEntries ?? 10_000
  if (!(Number.isInteger(maxEntries) && maxEntries > 0)) {
    throw new TypeError('maxEntries must be a positive integer')
  }
  const now = options.now ?? Date.now
  const seen = new Map<string, number>()

  return (jti, exp) => {
    const nowSeconds = now() / 1000
    const until = seen.get(jti)
    if (until !== undefined && until > nowSeconds) return true
    if (until !== undefined) seen.delete(jti)
    if (seen.size >= maxEntries) {
      for (const [key, value] of seen) if (value <= nowSeconds) seen.delete(key)
      if (seen.size >= maxEntries) seen.delete(seen.keys().next().value as string)
    }
    seen.set(jti, exp)
    return false
  }
}

/** The process-wide default used when `validateLogoutToken` is given no `isReplay`. */
export const defaultLogoutReplayCheck: LogoutReplayCheck = createLogoutReplayCache()
