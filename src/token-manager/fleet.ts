/**
 * The fleet protocol shared by the service-token and user-token managers: one renewal in flight
 * across every process on a {@link CacheStore}, and one backoff for the whole fleet while the
 * provider fails.
 *
 * - The value, its lock and its failure marker share a `{...}` hash tag, so that a partitioned
 *   store (Redis Cluster) keeps them in one slot.
 * - A round: read the shared value (adopt it when acceptable); read the failure marker (while it
 *   says "not before T", fail without asking the provider); take the lock and produce the value;
 *   while another process holds the lock, poll for its value or its failure marker.
 * - The process that sees the provider fail records the marker: when to try again (exponential,
 *   honouring `Retry-After`) and the failure, so that the others wait for that moment instead of
 *   probing. A success deletes it.
 */
import type { CacheStore, StoreLock } from '../cache/store.js'
import type { ErrorType, RequestFailure } from '../http/result.js'
import { failure } from '../http/result.js'

/** The keys of one shared value. */
export interface FleetKeys {
  readonly value: string
  readonly lock: string
  readonly backoff: string
}

/** `kind:{digest}`, `lock:kind:{digest}` and `backoff:kind:{digest}`: one hash slot. */
export function fleetKeys(kind: string, digest: string): FleetKeys {
  const value = `${kind}:{${digest}}`
  return { value, lock: `lock:${value}`, backoff: `backoff:${value}` }
}

/** The shared failure marker: nobody asks the provider before `until`. */
export interface Backoff {
  /** Epoch milliseconds. */
  readonly until: number
  /** Failures in a row, fleet-wide (the exponent of the next step). */
  readonly failures: number
  /** The last failure, without its cause. */
  readonly failure: RequestFailure
}

const FIRST_STEP_MS = 1_000
/** The longest step while the prober still had a valid token (no hurry). */
export const MAX_STEP_WITH_TOKEN_MS = 30_000
/** The longest step while callers fail: soon, but not once per call. */
export const MAX_STEP_WITHOUT_TOKEN_MS = 5_000
/** A `Retry-After` longer than this is cut to it. */
export const MAX_RETRY_AFTER_MS = 300_000
const MAX_ERROR_CHARS = 300
const POLL_FIRST_MS = 10
const POLL_MAX_MS = 100

/**
 * When to try again after `failures` failures in a row: 1 s doubling up to `capMs`, jittered
 * (±20 %), but never before the provider's `Retry-After`.
 */
export function backoffDelay(
  failures: number,
  retryAfterSeconds: number | undefined,
  capMs: number,
): number {
  const step = Math.min(capMs, FIRST_STEP_MS * 2 ** Math.min(Math.max(failures, 1) - 1, 20))
  const jittered = step * (0.8 + Math.random() * 0.4)
  const retryAfter =
    typeof retryAfterSeconds === 'number' && retryAfterSeconds > 0
      ? Math.min(MAX_RETRY_AFTER_MS, retryAfterSeconds * 1000)
      : 0
  return Math.max(jittered, retryAfter)
}

export function serializeBackoff(backoff: Backoff): string {
  const f = backoff.failure
  return JSON.stringify({
    until: backoff.until,
    failures: backoff.failures,
    error: f.error.slice(0, MAX_ERROR_CHARS),
    errorType: f.errorType,
    httpStatus: f.httpStatus,
    retryAfter: f.retryAfter,
  })
}

const ERROR_TYPES: ReadonlySet<string> = new Set<ErrorType>([
  'network',
  'timeout',
  'http',
  'invalid_json',
  'invalid_response',
  'protocol',
  'policy',
])

/** The marker read back; anything malformed is no marker. */
export function deserializeBackoff(text: string | undefined): Backoff | undefined {
  if (text === undefined) return undefined
  let json: Record<string, unknown>
  try {
    json = JSON.parse(text) as Record<string, unknown>
  } catch {
    return undefined
  }
  if (json === null || typeof json !== 'object') return undefined
  const { until, failures, error, errorType, httpStatus, retryAfter } = json
  if (typeof until !== 'number' || !Number.isFinite(until)) return undefined
  if (typeof failures !== 'number' || !(failures >= 1)) return undefined
  if (typeof error !== 'string' || typeof errorType !== 'string' || !ERROR_TYPES.has(errorType)) {
    return undefined
  }
  return {
    until,
    failures: Math.min(failures, 1000),
    failure: failure(errorType as ErrorType, error.slice(0, MAX_ERROR_CHARS), {
      httpStatus: typeof httpStatus === 'number' ? httpStatus : undefined,
      retryAfter: typeof retryAfter === 'number' ? retryAfter : undefined,
    }),
  }
}

/** A request the provider refused or failed, carried to the waiting callers. */
export class ProducerFailed {
  readonly failure: RequestFailure
  constructor(failure: RequestFailure) {
    this.failure = failure
  }
}

/** How one round of the protocol ended. */
export type RoundOutcome<V> =
  | { readonly kind: 'adopted'; readonly value: V }
  | { readonly kind: 'produced'; readonly value: V }
  /** The fleet is backing off: nobody asks the provider before `backoff.until`. */
  | { readonly kind: 'backoff'; readonly backoff: Backoff }
  /** This process saw the provider fail, and recorded the marker (or tried to). */
  | { readonly kind: 'failed'; readonly backoff: Backoff }
  /** The store did not answer: the caller decides whether to act alone. */
  | { readonly kind: 'store_unavailable' }

/** What a round needs from its user. */
export interface Round<V> {
  readonly store: CacheStore
  readonly keys: FleetKeys
  /** The lock's lifetime: the producer's longest run, plus slack. */
  readonly lockTtlMs: number
  /** Reads a stored value; `undefined` for a malformed one. */
  parse(text: string): V | undefined
  /** Whether a stored value ends the round. */
  accept(value: V): boolean
  /**
   * Asks the provider and shares the value (through `lock.set` when the caller wants the write
   * fenced). Throws {@link ProducerFailed} for a failed request; anything else is a caller
   * mistake and passes through.
   */
  produce(lock: StoreLock | undefined): Promise<V>
  /** The longest backoff step for this failure (with or without a valid value to serve). */
  stepCapMs(): number
}

/**
 * One round of the fleet protocol. A store that fails counts as `store_unavailable` (never as a
 * free lock): the caller then decides whether to wait or act alone.
 */
export async function runRound<V>(round: Round<V>): Promise<RoundOutcome<V>> {
  const { store, keys } = round
  const deadline = Date.now() + 2 * round.lockTtlMs
  let pause = POLL_FIRST_MS
  for (;;) {
    const seen = await readShared(round)
    if (seen === undefined) return { kind: 'store_unavailable' }
    if (seen.value !== undefined) return { kind: 'adopted', value: seen.value }
    if (seen.backoff !== undefined && Date.now() < seen.backoff.until) {
      return { kind: 'backoff', backoff: seen.backoff }
    }
    let lock: StoreLock | undefined
    try {
      lock = await store.acquireLock(keys.lock, round.lockTtlMs)
    } catch {
      return { kind: 'store_unavailable' }
    }
    if (lock !== undefined) {
      try {
        // Someone may have shared a value (or recorded a failure) and let go of the lock since.
        const again = await readShared(round)
        if (again?.value !== undefined) return { kind: 'adopted', value: again.value }
        const marker = again?.backoff ?? seen.backoff
        if (marker !== undefined && Date.now() < marker.until) {
          return { kind: 'backoff', backoff: marker }
        }
        return await produce(round, lock, marker)
      } finally {
        await lock.release().catch(() => {})
      }
    }
    // A holder that neither finishes nor lets its lock expire: do not wait for ever.
    if (Date.now() >= deadline) return produce(round, undefined, seen.backoff)
    await new Promise((resolve) => setTimeout(resolve, pause))
    pause = Math.min(POLL_MAX_MS, pause * 2)
  }
}

/** Asks the provider without the store (it is down): no marker is read or written. */
export async function produceAlone<V>(round: Round<V>): Promise<V> {
  return round.produce(undefined)
}

async function produce<V>(
  round: Round<V>,
  lock: StoreLock | undefined,
  previous: Backoff | undefined,
): Promise<RoundOutcome<V>> {
  let value: V
  try {
    value = await round.produce(lock)
  } catch (error) {
    if (!(error instanceof ProducerFailed)) throw error
    const failures = (previous?.failures ?? 0) + 1
    const delay = backoffDelay(failures, error.failure.retryAfter, round.stepCapMs())
    const backoff: Backoff = { until: Date.now() + delay, failures, failure: error.failure }
    // Kept past `until` so that the next failure continues the series; a success deletes it.
    const ttlMs = delay + Math.max(60_000, 2 * delay)
    await round.store.set(round.keys.backoff, serializeBackoff(backoff), ttlMs).catch(() => {})
    return { kind: 'failed', backoff }
  }
  if (previous !== undefined) await round.store.delete(round.keys.backoff).catch(() => {})
  return { kind: 'produced', value }
}

/**
 * The shared value (when acceptable) and the failure marker, or `undefined` when the store
 * failed.
 */
async function readShared<V>(
  round: Round<V>,
): Promise<{ value: V | undefined; backoff: Backoff | undefined } | undefined> {
  try {
    const [text, marker] = await Promise.all([
      round.store.get(round.keys.value),
      round.store.get(round.keys.backoff),
    ])
    const parsed = text === undefined ? undefined : round.parse(text)
    return {
      value: parsed !== undefined && round.accept(parsed) ? parsed : undefined,
      backoff: deserializeBackoff(marker),
    }
  } catch {
    return undefined
  }
}

const MAX_EXPIRY_SKEW_MS = 5_000

/**
 * A token is not handed out in its last 10 % of lifetime (at most 5 s): room for clock
 * differences and latency.
 */
export function usableUntil(token: {
  readonly issuedAt: number
  readonly expiresAt: number
}): number {
  return token.expiresAt - Math.min(MAX_EXPIRY_SKEW_MS, (token.expiresAt - token.issuedAt) / 10)
}

/** An option in seconds, as milliseconds; `TypeError` for a negative or non-finite number. */
export function seconds(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback * 1000
  if (!(Number.isFinite(value) && value >= 0)) {
    throw new TypeError(`${name} must be a number of seconds >= 0`)
  }
  return value * 1000
}
