/**
 * The default replay checks of DPoP proofs (RFC 9449 §11.1) and back-channel logout tokens
 * (Back-Channel Logout 1.0 §2.6), over the kernel's one bounded replay memory. Each protects one
 * process; behind a load balancer, pass a check backed by a shared store instead.
 */
import { createReplayMemory } from '../kernel/replay.js'

/** What a DPoP replay check learns about a proof besides its `jti`. */
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
 * Bounded: past `maxEntries`, expired entries are dropped first, then the oldest, and proofs
 * that would expire no later than a dropped one are refused from then on (they might be
 * replays the memory can no longer see). So a flood of proofs, from one client or from many
 * keys, never opens the door to replaying a captured proof; fresh proofs keep passing. For a
 * fleet, use a check backed by a shared store (for example Redis
 * `SET dpop:<jkt>:<jti> 1 NX EXAT <until>`: a replay when it answers nil; `until` is a whole
 * number of seconds).
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
  const memory = createReplayMemory(options)
  return (jti, { jkt, until }) => memory(`${jkt}:${jti}`, until) !== 'fresh'
}

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
 * Bounded like {@link createDpopReplayCache}. It protects one process only: behind a load
 * balancer, give `validateLogoutToken` an `isReplay` backed by a shared store (for example Redis
 * `SET <jti> 1 NX EXAT <exp>`: a replay when it answers nil).
 *
 * @example
 * ```ts
 * const isReplay = createLogoutReplayCache({ maxEntries: 50_000 })
 * await validateLogoutToken(token, { performDisco: true, clientId, isReplay }, issuer)
 * ```
 * @see OpenID Connect Back-Channel Logout 1.0 §2.6 (jti replay)
 * @throws TypeError for a `maxEntries` that is not a positive integer.
 */
export function createLogoutReplayCache(options: LogoutReplayCacheOptions = {}): LogoutReplayCheck {
  const memory = createReplayMemory(options)
  return (jti, exp) => memory(jti, exp) !== 'fresh'
}

let defaultLogoutCheck: LogoutReplayCheck | undefined

/** The process-wide default used when `validateLogoutToken` is given no `isReplay`. */
export function defaultLogoutReplayCheck(): LogoutReplayCheck {
  defaultLogoutCheck ??= createLogoutReplayCache()
  return defaultLogoutCheck
}
