/**
 * `TokenManager`: one valid client-credentials token per distinct request, renewed before it
 * expires, shared through a {@link CacheStore} by every process that uses the same store.
 */

import { defaultMemoryStore } from '../cache/memory-store.js'
import type { CacheStore } from '../cache/store.js'
import { publishTokenManager, tokenManagerObserved } from '../diagnostics/events.js'
import type { DpopHandle } from '../dpop/handle.js'
import { TokenUnavailableError } from '../errors.js'
import { DEFAULT_TIMEOUT_MS } from '../http/options.js'
import { type ErrorType, failure, type RequestFailure } from '../http/result.js'
import { raceSignal } from '../internal/abort.js'
import { promisesCrossRequests } from '../internal/runtime.js'
import {
  type ClientCredentialsTokenRequestInit,
  requestClientCredentialsToken,
} from '../token/client-credentials.js'
import { tokenCacheDigest } from './cache-key.js'
import { type CachedToken, cachedToken, deserializeToken, serializeToken } from './cached-token.js'
import {
  backoffDelay,
  type FleetKeys,
  fleetKeys,
  MAX_STEP_WITH_TOKEN_MS,
  MAX_STEP_WITHOUT_TOKEN_MS,
  ProducerFailed,
  type Round,
  runRound,
  seconds,
  usableUntil,
} from './fleet.js'

/** What {@link TokenManager} takes. */
export interface TokenManagerOptions {
  /**
   * The client-credentials request: token endpoint as `address`, client id and credentials (any
   * `clientAuthentication`), `scope`, `resource`, `audience`, extra `parameters`, and the network
   * options (`fetch`, `timeoutMs`) used for every token request. With `dpop` (a handle from
   * `createDpop()`), the tokens are DPoP-bound to its key and shared only with managers using
   * the same key.
   *
   * Leave `signal` out of it: a renewal is shared by every caller, so a signal here would abort
   * it for all of them. Pass a signal to `getAccessToken({ signal })` instead, which stops only
   * that caller's wait.
   */
  request: ClientCredentialsTokenRequestInit
  /**
   * Where tokens are shared: `createRedisStore(...)` from `identity-model/redis` for a fleet.
   * Default: the in-memory store of this process, shared by every manager given none.
   */
  store?: CacheStore | undefined
  /**
   * A promise to the caller (default 60 s): once fewer seconds than this remain on the token,
   * `getAccessToken()` waits for a renewal before it answers, so the token it hands out has at
   * least this long to live. Only when that renewal fails does it hand out the old token, while
   * it is still valid, and an event says so. The margin is at most half of the token's lifetime
   * (a 6-second token with 60 s asked for is renewed after 3 s): a longer one could never be met.
   *
   * Renewal starts a little earlier in the background (jitter, at most a quarter of the margin
   * and 15 s), so that callers rarely wait and a fleet does not renew in lockstep: the first
   * process renews and the others adopt its token.
   */
  renewBeforeExpirySeconds?: number | undefined
  /**
   * The lifetime assumed for a token whose response has no positive `expires_in` and which is
   * not a JWT with `exp` (default 300 s).
   */
  defaultLifetimeSeconds?: number | undefined
  /**
   * Observes what the manager does (for logs and metrics): tokens fetched or adopted from the
   * store, failed renewals, and an old token served because its renewal failed. Events never hold
   * a token or a secret. A hook that throws or rejects is ignored.
   */
  onEvent?: ((event: TokenManagerEvent) => void) | undefined
  /**
   * Whether concurrent callers wait on one renewal in this process (default true, except on
   * Cloudflare Workers and Vercel's Edge runtime, where a request must not await another
   * request's I/O). Without it, each caller that needs a token runs its own round of the store
   * protocol (the store's lock still lets one of them ask the provider and the others adopt its
   * token), a renewal that one caller started keeps the others on the still-valid old token, and
   * nothing is renewed in the background.
   */
  shareInFlight?: boolean | undefined
}

/** Options of {@link TokenManager.getAccessToken}. */
export interface GetAccessTokenOptions {
  /** Stops this caller's wait (it rejects with the signal's reason); the renewal goes on. */
  signal?: AbortSignal | undefined
  /**
   * A token an API refused (401): it is never returned again, and if it is still the current
   * token, it is renewed (once, however many callers report it).
   */
  rejectedToken?: string | undefined
}

/**
 * What a {@link TokenManager} reports through `onEvent`. `cacheKey` names the token (a hash, no
 * secret); instants are epoch milliseconds.
 */
export type TokenManagerEvent =
  /** A token came from the token endpoint (this process asked). */
  | {
      readonly type: 'fetched'
      readonly cacheKey: string
      readonly expiresAt: number
    }
  /** A token came from the shared store (another process asked). */
  | {
      readonly type: 'adopted'
      readonly cacheKey: string
      readonly expiresAt: number
    }
  /**
   * A renewal failed. `reason`: `'provider'` (this process asked and the request failed),
   * `'fleet_backoff'` (another process saw the provider fail and the fleet waits until
   * `retryAt`; nobody asked), `'store_unavailable'` (the shared store did not answer; the old
   * token is still good for a while, so the renewal waits for the store rather than going around
   * the fleet's single flight).
   */
  | {
      readonly type: 'renewal_failed'
      readonly cacheKey: string
      readonly reason: 'provider' | 'fleet_backoff' | 'store_unavailable'
      readonly error: string
      readonly errorType: ErrorType
      readonly httpStatus: number | undefined
      readonly retryAt: number
    }
  /**
   * Inside the renewal margin, the old token was handed out because its renewal failed: once per
   * failed renewal, not per call. It stays valid until `expiresAt`.
   */
  | {
      readonly type: 'stale_served'
      readonly cacheKey: string
      readonly expiresAt: number
      readonly retryAt: number
    }

interface Slot {
  readonly token: CachedToken
  /** Fewer than the margin left from here: callers wait for a renewal. */
  readonly dueAt: number
  /** This process starts renewing in the background from here (jittered, before `dueAt`). */
  readonly renewAt: number
  /** The token is not handed out after this (its last 10 %, at most 5 s, are kept as margin). */
  readonly usableUntil: number
  /** While the store is down, a due renewal waits for it until here, then goes alone. */
  readonly aloneAt: number
}

interface Flight {
  readonly promise: Promise<Slot>
}

/** A renewal that did not happen, with when to try again. */
class RenewalFailed {
  readonly failure: RequestFailure
  readonly retryAt: number
  constructor(failure: RequestFailure, retryAt: number) {
    this.failure = failure
    this.retryAt = retryAt
  }
}

const LOCK_SLACK_MS = 2_000
const MAX_JITTER_MS = 15_000
/** Retries while the store is down and the old token is still good. */
const STORE_RETRY_FIRST_MS = 250
const STORE_RETRY_MAX_MS = 2_000

const noop = (): void => {}

/**
 * Keeps one valid client-credentials token per distinct request and hands it out:
 * `await manager.getAccessToken()` resolves to the `access_token`.
 *
 * - The cache key covers everything that changes the token or whom it is issued to (token
 *   endpoint, client id, authentication method, the credentials as digests, scope, resource,
 *   audience, extra parameters), hashed.
 * - The renewal promise: once fewer than `renewBeforeExpirySeconds` remain, callers wait for a
 *   renewal; renewal starts a little earlier in the background, so they rarely do. One request
 *   is in flight per process and, with a shared store, one across the whole fleet (a lock that
 *   expires by itself).
 * - When the provider fails, the process that saw it records in the store when to try again
 *   (1 s doubling up to 30 s, or its `Retry-After`); every process waits for that moment instead
 *   of probing, then one of them probes and the others adopt its token. A still-valid token
 *   keeps being served meanwhile (an event says so). When no token is valid,
 *   `getAccessToken` rejects with {@link TokenUnavailableError}, failing fast until the next
 *   attempt (at most 5 s later, unless the provider asked for longer).
 *
 * Create one manager per request and keep it: it is cheap to call, not to create per call.
 *
 * @example
 * ```ts
 * const manager = new TokenManager({
 *   request: { address: disco.tokenEndpoint, clientId: 'my-service', clientSecret, scope: 'api:read' },
 *   store: await createRedisStore({ url: process.env.REDIS_URL }), // optional: share across a fleet
 * })
 * const response = await fetch(apiUrl, {
 *   headers: { authorization: `Bearer ${await manager.getAccessToken()}` },
 * })
 * ```
 * @see RFC 6749 §4.4 (client credentials grant), §5.1 (`expires_in`)
 * @throws TypeError at construction when `request.address` or `request.clientId` is missing or
 *   malformed, or `request.privateKey` is not a private key.
 */
export class TokenManager {
  readonly #request: ClientCredentialsTokenRequestInit
  readonly #store: CacheStore
  readonly #keys: FleetKeys
  readonly #renewBeforeMs: number
  readonly #defaultLifetimeMs: number
  readonly #lockTtlMs: number
  readonly #onEvent: ((event: TokenManagerEvent) => void) | undefined
  readonly #share: boolean
  #current: Slot | undefined
  #inflight: Flight | undefined
  /** Not sharing promises: until when a renewal one caller started keeps the others off. */
  #renewingUntil = 0
  /** The last failed renewal, until one succeeds. */
  #failure: RequestFailure | undefined
  /** No renewal is attempted before this (the fleet's or this process's backoff). */
  #retryAt = 0
  /** Failures in a row when acting alone (store down). */
  #aloneFailures = 0
  #storeFailures = 0
  /** Whether the current failure was already reported as a stale token served. */
  #staleReported = false

  constructor(options: TokenManagerOptions) {
    if (options === null || typeof options !== 'object') {
      throw new TypeError('TokenManager needs options with a request')
    }
    const { request } = options
    if (request === null || typeof request !== 'object') {
      throw new TypeError('TokenManager needs a client-credentials request')
    }
    this.#keys = fleetKeys('token', tokenCacheDigest(request))
    this.#request = request
    this.#store = options.store ?? defaultMemoryStore
    this.#renewBeforeMs = seconds(options.renewBeforeExpirySeconds, 60, 'renewBeforeExpirySeconds')
    this.#defaultLifetimeMs = seconds(options.defaultLifetimeSeconds, 300, 'defaultLifetimeSeconds')
    this.#lockTtlMs = (request.timeoutMs ?? DEFAULT_TIMEOUT_MS) + LOCK_SLACK_MS
    if (options.onEvent !== undefined && typeof options.onEvent !== 'function') {
      throw new TypeError('onEvent must be a function')
    }
    this.#onEvent = options.onEvent
    this.#share = options.shareInFlight ?? promisesCrossRequests()
  }

  /**
   * The DPoP handle of the request, when its tokens are DPoP-bound: `createAuthorizedFetch`
   * then calls APIs with the DPoP scheme and a proof.
   */
  get dpop(): DpopHandle | undefined {
    return this.#request.dpop
  }

  /**
   * The key under which the token is shared in the store (`token:{<sha256>}`): the same for
   * every process configured with the same request and credentials. Contains no secret. Its
   * lock is `lock:` and its failure marker `backoff:` followed by this key (one hash slot).
   */
  get cacheKey(): string {
    return this.#keys.value
  }

  /**
   * A valid access token with at least the renewal margin left: from memory when there is one
   * (no I/O), otherwise from the shared store or, when nobody else is renewing it, from the token
   * endpoint. Inside the margin it waits for the renewal; only if that fails does it resolve to
   * the old token (still valid; a `stale_served` event says so).
   *
   * @throws {@link TokenUnavailableError} when no token can be had (the request failed and no
   *   earlier token is still valid); `TypeError` for a request the token endpoint cannot be asked
   *   with (no secret for `client_secret_basic` ...); the `signal`'s reason when it aborts.
   */
  getAccessToken(options: GetAccessTokenOptions = {}): Promise<string> {
    const slot = this.#current
    const now = Date.now()
    if (
      slot === undefined ||
      now >= slot.usableUntil ||
      slot.token.accessToken === options.rejectedToken
    ) {
      return this.#acquire(options)
    }
    if (now < slot.dueAt && tokenManagerObserved()) this.#reportHit(slot)
    if (now < slot.renewAt) return Promise.resolve(slot.token.accessToken)
    if (!this.#share) {
      // No background renewal (it would be cancelled with the request that started it): the
      // first caller inside the margin renews and waits; the others keep the old token meanwhile.
      if (now < slot.dueAt || now < this.#renewingUntil) {
        return Promise.resolve(slot.token.accessToken)
      }
      if (now < this.#retryAt) return Promise.resolve(this.#serveStale(slot))
      this.#renewingUntil = now + this.#lockTtlMs
      const flight = this.#start('renew', undefined)
      flight.promise.then(
        () => {
          this.#renewingUntil = 0
        },
        () => {
          this.#renewingUntil = 0
        },
      )
      return this.#awaitRenewal(flight, slot, options.signal)
    }
    if (now < slot.dueAt) {
      // Early, jittered renewal in the background: callers do not wait for it.
      if (this.#inflight === undefined && now >= this.#retryAt) {
        this.#start('renew', undefined).promise.catch(noop)
      }
      return Promise.resolve(slot.token.accessToken)
    }
    // Inside the margin: the caller waits for a renewal.
    let flight = this.#inflight
    if (flight === undefined) {
      if (now < this.#retryAt) return Promise.resolve(this.#serveStale(slot))
      flight = this.#start('renew', undefined)
    }
    return this.#awaitRenewal(flight, slot, options.signal)
  }

  async #awaitRenewal(flight: Flight, old: Slot, signal: AbortSignal | undefined): Promise<string> {
    try {
      return (await raceSignal(flight.promise, signal)).token.accessToken
    } catch (error) {
      if (signal?.aborted || !(error instanceof TokenUnavailableError)) throw error
      if (Date.now() >= old.usableUntil) throw error
      return this.#serveStale(old)
    }
  }

  /** The old token, inside the margin, after its renewal failed (reported once per failure). */
  #serveStale(slot: Slot): string {
    if (!this.#staleReported) {
      this.#staleReported = true
      this.#emit({
        type: 'stale_served',
        cacheKey: this.#keys.value,
        expiresAt: slot.token.expiresAt,
        retryAt: this.#retryAt,
      })
    }
    return slot.token.accessToken
  }

  async #acquire(options: GetAccessTokenOptions): Promise<string> {
    const rejected = options.rejectedToken
    // Without shared promises every caller runs its own round (the store coordinates them).
    let flight = this.#share ? this.#inflight : undefined
    if (flight === undefined) {
      if (this.#failure !== undefined && Date.now() < this.#retryAt) {
        throw this.#unavailable(this.#failure)
      }
      flight = this.#start('acquire', rejected)
    }
    const slot = await raceSignal(flight.promise, options.signal)
    if (rejected === undefined || slot.token.accessToken !== rejected) {
      return slot.token.accessToken
    }
    // Joined a renewal that did not know this token was refused: one more, on purpose.
    const again = (this.#share ? this.#inflight : undefined) ?? this.#start('acquire', rejected)
    return (await raceSignal(again.promise, options.signal)).token.accessToken
  }

  #start(mode: 'acquire' | 'renew', rejected: string | undefined): Flight {
    const promise = this.#obtain(mode, rejected).then(
      ({ token, source }) => {
        const slot = this.#slot(token)
        this.#current = slot
        this.#failure = undefined
        this.#retryAt = 0
        this.#aloneFailures = 0
        this.#storeFailures = 0
        this.#staleReported = false
        this.#emit({ type: source, cacheKey: this.#keys.value, expiresAt: token.expiresAt })
        return slot
      },
      (error: unknown) => {
        if (!(error instanceof RenewalFailed)) throw error
        this.#failure = error.failure
        this.#retryAt = error.retryAt
        this.#staleReported = false
        throw this.#unavailable(error.failure)
      },
    )
    const flight: Flight = {
      promise: promise.finally(() => {
        if (this.#inflight === flight) this.#inflight = undefined
      }),
    }
    // Where promises must not cross requests, nobody else may join this one.
    if (this.#share) this.#inflight = flight
    return flight
  }

  /**
   * One renewal: a round of the fleet protocol on the store, or the provider alone when the
   * store is down and waiting for it is no longer reasonable.
   */
  async #obtain(
    mode: 'acquire' | 'renew',
    rejected: string | undefined,
  ): Promise<{ token: CachedToken; source: 'fetched' | 'adopted' }> {
    const current = this.#current
    const round: Round<CachedToken> = {
      store: this.#store,
      keys: this.#keys,
      lockTtlMs: this.#lockTtlMs,
      parse: deserializeToken,
      accept: (token) => {
        if (token.accessToken === rejected) return false
        const now = Date.now()
        if (mode === 'acquire') return now < usableUntil(token)
        // Renewing: only another token, itself not due for renewal, is news.
        return (
          token.accessToken !== current?.token.accessToken &&
          now < token.expiresAt - this.#marginMs(token)
        )
      },
      produce: () => this.#fetchAndShare(),
      stepCapMs: () => {
        const now = Date.now()
        if (mode === 'renew' && current !== undefined && now < current.usableUntil) {
          // Try again at the latest when the token runs out.
          return Math.max(1, Math.min(MAX_STEP_WITH_TOKEN_MS, current.usableUntil - now))
        }
        return MAX_STEP_WITHOUT_TOKEN_MS
      },
    }
    const outcome = await runRound(round)
    switch (outcome.kind) {
      case 'adopted':
        return { token: outcome.value, source: 'adopted' }
      case 'produced':
        return { token: outcome.value, source: 'fetched' }
      case 'backoff':
        throw this.#failed('fleet_backoff', outcome.backoff.failure, outcome.backoff.until)
      case 'failed':
        throw this.#failed('provider', outcome.backoff.failure, outcome.backoff.until)
      case 'store_unavailable':
        return this.#withoutStore(mode, current)
    }
  }

  /**
   * The store did not answer. While the old token is good for a while yet, the renewal waits
   * for the store (a failover takes seconds), so that the fleet still makes one request; past
   * the half of the margin, or with no token at all, this process asks the provider itself.
   */
  async #withoutStore(
    mode: 'acquire' | 'renew',
    current: Slot | undefined,
  ): Promise<{ token: CachedToken; source: 'fetched' }> {
    const now = Date.now()
    if (mode === 'renew' && current !== undefined && now < current.aloneAt) {
      this.#storeFailures++
      const wait = Math.min(
        STORE_RETRY_MAX_MS,
        STORE_RETRY_FIRST_MS * 2 ** Math.min(this.#storeFailures - 1, 10),
      )
      throw this.#failed(
        'store_unavailable',
        failure('network', 'the shared store did not answer'),
        Math.min(now + wait, current.aloneAt),
      )
    }
    try {
      return { token: await this.#fetchAndShare(), source: 'fetched' }
    } catch (error) {
      if (!(error instanceof ProducerFailed)) throw error
      this.#aloneFailures++
      const cap =
        mode === 'renew' && current !== undefined && now < current.usableUntil
          ? Math.max(1, Math.min(MAX_STEP_WITH_TOKEN_MS, current.usableUntil - now))
          : MAX_STEP_WITHOUT_TOKEN_MS
      const delay = backoffDelay(this.#aloneFailures, error.failure.retryAfter, cap)
      throw this.#failed('provider', error.failure, Date.now() + delay)
    }
  }

  #failed(
    reason: 'provider' | 'fleet_backoff' | 'store_unavailable',
    cause: RequestFailure,
    retryAt: number,
  ): RenewalFailed {
    this.#emit({
      type: 'renewal_failed',
      cacheKey: this.#keys.value,
      reason,
      error: cause.error,
      errorType: cause.errorType,
      httpStatus: cause.httpStatus,
      retryAt,
    })
    return new RenewalFailed(cause, retryAt)
  }

  /** Asks the token endpoint and shares the token (a plain write: any valid token will do). */
  async #fetchAndShare(): Promise<CachedToken> {
    const response = await requestClientCredentialsToken(this.#request)
    if (!response.isSuccessful) throw new ProducerFailed(response)
    const now = Date.now()
    const token = cachedToken(response.token, now, this.#defaultLifetimeMs)
    if (token === undefined) {
      throw new ProducerFailed(
        failure(
          'invalid_response',
          "the token endpoint issued a token that is already expired or expires within a second (a JWT past its exp by this machine's clock, or a sub-second expires_in)",
          { httpStatus: 200 },
        ),
      )
    }
    try {
      await this.#store.set(this.#keys.value, serializeToken(token), token.expiresAt - now)
    } catch {
      // The store reports its own outage; this process keeps its token in memory.
    }
    return token
  }

  #slot(token: CachedToken): Slot {
    const margin = this.#marginMs(token)
    const dueAt = token.expiresAt - margin
    const jitter = Math.random() * Math.min(margin / 4, MAX_JITTER_MS)
    const until = usableUntil(token)
    return {
      token,
      dueAt,
      renewAt: dueAt - jitter,
      usableUntil: until,
      aloneAt: dueAt + Math.max(0, until - dueAt) / 2,
    }
  }

  #marginMs(token: CachedToken): number {
    return Math.min(this.#renewBeforeMs, (token.expiresAt - token.issuedAt) / 2)
  }

  #reportHit(slot: Slot): void {
    publishTokenManager(this.#request.address, {
      type: 'hit',
      cacheKey: this.#keys.value,
      expiresAt: slot.token.expiresAt,
    })
  }

  #emit(event: TokenManagerEvent): void {
    publishTokenManager(this.#request.address, event)
    const hook = this.#onEvent
    if (hook === undefined) return
    try {
      const result: unknown = hook(event)
      if (result instanceof Promise) result.catch(noop)
    } catch {
      // An observer must never break token handling.
    }
  }

  #unavailable(cause: RequestFailure): TokenUnavailableError {
    const status = cause.httpStatus === undefined ? '' : `, HTTP ${cause.httpStatus}`
    return new TokenUnavailableError(
      `no valid access token for client "${this.#request.clientId}": the token request failed (${cause.errorType}: ${cause.error}${status}) and no earlier token is still valid`,
      { cause },
    )
  }
}
