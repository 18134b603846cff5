/**
 * A small, bounded, in-memory memory of DPoP proof `jti`s, for resource servers (RFC 9449 §11.1).
 */

/** What a replay check learns about a proof besides its `jti`. */
export interface DpopReplayContext {
  /** The thumbprint of the proof's key: `jti`s are unique per key, not across clients. */
  readonly jkt: string
  /** Until when (seconds since the epoch) the proof could be accepted: remember it that long. */
  readonly until: number
}

/**
 * Decides whether a proof was seen before, and remembers it if not: `true` means replayed.
 * Runs only for proofs that passed every other check.
 */
export type DpopReplayCheck = (
  jti: string,
  context: DpopReplayContext,
) => boolean | Promise<boolean>

/** Options of {@link createDpopReplayCache}. */
export interface DpopReplayCacheOptions {
  /** At most this many proofs are remembered (default 10 000). */
  maxEntries?: number | undefined
  /** The clock in milliseconds (tests). */
  now?: (() => number) | undefined
}

/**
 * Creates an in-memory replay check for DPoP proofs: a `jti` already seen with the same key
 * (while its proof could still be accepted) is a replay; otherwise it is remembered until then.
 *
 * Bounded: past `maxEntries`, expired entries are dropped first, then the oldest. It protects
 * one process only: behind a load balancer, use a check backed by a shared store (for example
 * Redis `SET dpop:<jkt>:<jti> 1 NX EXAT <until>`: a replay when it answers nil).
 *
 * @example
 * ```ts
 * const isReplay = createDpopReplayCache({ maxEntries: 100_000 })
 * await validateDpopProof(proof, { htm: 'GET', htu, accessToken, expectedJkt, isReplay })
 * ```
 * @see RFC 9449 §11.1 (DPoP proof replay)
 * @throws TypeError for a `maxEntries` that is not a positive integer.
 */
export function createDpopReplayCache(options: DpopReplayCacheOptions = {}): DpopReplayCheck {
  const maxEntries = options.maxEntries ?? 10_000
  if (!(Number.isInteger(maxEntries) && maxEntries > 0)) {
    throw new TypeError('maxEntries must be a positive integer')
  }
  const now = options.now ?? Date.now
  const seen = new Map<string, number>()

  return (jti, { jkt, until }) => {
    const nowSeconds = now() / 1000
    const key = `${jkt}:${jti}`
    const remembered = seen.get(key)
    if (remembered !== undefined && remembered >= nowSeconds) return true
    if (remembered !== undefined) seen.delete(key)
    if (seen.size >= maxEntries) {
      for (const [entry, expiry] of seen) if (expiry < nowSeconds) seen.delete(entry)
      if (seen.size >= maxEntries) seen.delete(seen.keys().next().value as string)
    }
    seen.set(key, until)
    return false
  }
}
