/**
 * The one in-memory replay memory, behind the default replay checks of DPoP proofs
 * (RFC 9449 §11.1) and back-channel logout tokens (Back-Channel Logout 1.0 §2.6).
 *
 * Bounded in entries. When full, the oldest entry is dropped, and a *floor* rises to the moment
 * it would have been remembered until: from then on any token that would expire no later than
 * that floor is refused as possibly replayed, because the memory that could prove otherwise is
 * gone. So a flood of fresh tokens (one client's, or many clients') can never evict a captured
 * token's entry and then replay it: at worst it shortens the window in which old-but-valid
 * tokens are accepted. Fresh tokens keep passing.
 */

/** The answer of a replay memory. */
export type ReplayVerdict = 'fresh' | 'replayed' | 'evicted'

/** Options of {@link createReplayMemory}. */
export interface ReplayMemoryOptions {
  /** At most this many identifiers are remembered (default 10 000). */
  readonly maxEntries?: number | undefined
  /** The clock in milliseconds (tests). */
  readonly now?: (() => number) | undefined
}

/**
 * Remembers `id` until `until` (seconds since the epoch). Answers `'replayed'` for an id still
 * remembered, `'evicted'` for a token that expires no later than what the memory had to forget,
 * else remembers it and answers `'fresh'`.
 */
export type ReplayMemory = (id: string, until: number) => ReplayVerdict

/**
 * Creates a bounded replay memory.
 *
 * @throws TypeError for a `maxEntries` that is not a positive integer.
 */
export function createReplayMemory(options: ReplayMemoryOptions = {}): ReplayMemory {
  const maxEntries = options.maxEntries ?? 10_000
  if (!(Number.isInteger(maxEntries) && maxEntries > 0)) {
    throw new TypeError('maxEntries must be a positive integer')
  }
  const now = options.now ?? Date.now
  const seen = new Map<string, number>()
  let floor = Number.NEGATIVE_INFINITY

  return (id, until) => {
    const nowSeconds = now() / 1000
    const remembered = seen.get(id)
    if (remembered !== undefined && remembered >= nowSeconds) return 'replayed'
    if (remembered !== undefined) seen.delete(id)
    if (until <= floor) return 'evicted'
    if (seen.size >= maxEntries) {
      for (const [entry, expiry] of seen) if (expiry < nowSeconds) seen.delete(entry)
      while (seen.size >= maxEntries) {
        const [oldest, expiry] = seen.entries().next().value as [string, number]
        seen.delete(oldest)
        if (expiry > floor) floor = expiry
      }
      if (until <= floor) return 'evicted'
    }
    seen.set(id, until)
    return 'fresh'
  }
}
