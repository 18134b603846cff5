/**
 * `TokenManager`: one valid client-credentials token per distinct request, renewed before it
 * expires, shared through a {@link CacheStore} by every process that uses the same store.
 */

import { defaultMemoryStore } from '../cache/memory-store.js'
import type { CacheStore, StoreLock } from '../cache/store.js'
import type { DpopHandle } from '../dpop/handle.js'
import { TokenUnavailableError } from '../errors.js'
import { DEFAULT_TIMEOUT_MS } from '../http/options.js'
import { failure, type RequestFailure } from '../http/result.js'
import { raceSignal } from '../internal/abort.js'
import {
  type ClientCredentialsTokenRequestInit,
  requestClientCredentialsToken,
} from '../token/client-credentials.js'
import { tokenCacheKey } from './cache-key.js'
import { type CachedToken, cachedToken, deserializeToken, serializeToken } from './cached-token.js'

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
   * Renewal starts this long before the token expires (default 60 s), and never earlier than
   * half-way through the token's lifetime, so short-lived tokens are renewed later than that.
   * Each process picks its own moment in the first half of that window (jitter), so a fleet does
   * not renew in lockstep; the first one renews and the others adopt its token.
   */
  renewBeforeExpirySeconds?: number | undefined
  /**
   * The lifetime assumed for a token whose response has no `expires_in` and which is not a JWT
   * with `exp` (default 300 s).
   */
  defaultLifetimeSeconds?: number | undefined
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

interface Slot {
  readonly token: CachedToken
  /** This process's moment to renew in the background (jittered). */
  readonly renewAt: number
  /** The token is not handed out after this (its last 10 %, at most 5 s, are kept as margin). */
  readonly usableUntil: number
}

interface Flight {
  readonly promise: Promise<Slot>
}

/** A failed token request, carried to the waiting callers. */
class TokenRequestFailed {
  constructor(readonly failure: RequestFailure) {}
}

const MAX_EXPIRY_SKEW_MS = 5_000
const POLL_FIRST_MS = 10
const POLL_MAX_MS = 100
const LOCK_SLACK_MS = 2_000
const BACKOFF_FIRST_MS = 1_000
/** Retries while a valid token is still served: no hurry. */
const BACKOFF_MAX_WITH_TOKEN_MS = 30_000
/** Retries while callers fail: soon, but not once per call. */
const BACKOFF_MAX_WITHOUT_TOKEN_MS = 5_000

const noop = (): void => {}

/**
 * Keeps one valid client-credentials token per distinct request and hands it out:
 * `await manager.getAccessToken()` resolves to the `access_token`.
 *
 * - The cache key covers everything that changes the token (token endpoint, client id,
 *   authentication method, scope, resource, audience, extra parameters), hashed.
 * - The token is renewed in the background before it expires, one request in flight per process
 *   and, with a shared store, one across the whole fleet (a lock that expires by itself).
 * - When the provider fails, a still-valid token keeps being served and retries back off (1 s,
 *   doubling, up to 30 s). When no token is valid, `getAccessToken` rejects with
 *   {@link TokenUnavailableError}, failing fast until the next attempt (at most 5 s later).
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
 *   malformed.
 */
export class TokenManager {
  readonly #request: ClientCredentialsTokenRequestInit
  readonly #store: CacheStore
  readonly #key: string
  readonly #lockKey: string
  readonly #renewBeforeMs: number
  readonly #defaultLifetimeMs: number
  readonly #lockTtlMs: number
  #current: Slot | undefined
  #inflight: Flight | undefined
  #failure: RequestFailure | undefined
  #failures = 0
  #retryAt = 0
  #retryAtWithoutToken = 0

  constructor(options: TokenManagerOptions) {
    if (options === null || typeof options !== 'object') {
      throw new TypeError('TokenManager needs options with a request')
    }
    const { request } = options
    if (request === null || typeof request !== 'object') {
      throw new TypeError('TokenManager needs a client-credentials request')
    }
    this.#key = tokenCacheKey(request)
    this.#lockKey = `lock:${this.#key}`
    this.#request = request
    this.#store = options.store ?? defaultMemoryStore
    this.#renewBeforeMs = seconds(options.renewBeforeExpirySeconds, 60, 'renewBeforeExpirySeconds')
    this.#defaultLifetimeMs = seconds(options.defaultLifetimeSeconds, 300, 'defaultLifetimeSeconds')
    this.#lockTtlMs = (request.timeoutMs ?? DEFAULT_TIMEOUT_MS) + LOCK_SLACK_MS
  }

  /**
   * The DPoP handle of the request, when its tokens are DPoP-bound: `createAuthorizedFetch`
   * then calls APIs with the DPoP scheme and a proof.
   */
  get dpop(): DpopHandle | undefined {
    return this.#request.dpop
  }

  /**
   * The key under which the token is shared in the store (`token:` and a SHA-256): the same for
   * every process configured with the same request. Contains no secret.
   */
  get cacheKey(): string {
    return this.#key
  }

  /**
   * A valid access token: from memory when one is valid (no I/O), otherwise from the shared store
   * or, when nobody else is renewing it, from the token endpoint.
   *
   * @throws {@link TokenUnavailableError} when no token can be had (the request failed and no
   *   earlier token is valid); `TypeError` for a request the token endpoint cannot be asked with
   *   (no secret for `client_secret_basic` ...); the `signal`'s reason when it aborts.
   */
  getAccessToken(options: GetAccessTokenOptions = {}): Promise<string> {
    const slot = this.#current
    const now = Date.now()
    if (
      slot !== undefined &&
      now < slot.usableUntil &&
      slot.token.accessToken !== options.rejectedToken
    ) {
      if (now >= slot.renewAt && this.#inflight === undefined && now >= this.#retryAt) {
        this.#start('renew', undefined).promise.catch(noop)
      }
      return Promise.resolve(slot.token.accessToken)
    }
    return this.#wait(options)
  }

  async #wait(options: GetAccessTokenOptions): Promise<string> {
    const rejected = options.rejectedToken
    let flight = this.#inflight
    if (flight === undefined) {
      if (this.#failure !== undefined && Date.now() < this.#retryAtWithoutToken) {
        throw this.#unavailable(this.#failure)
      }
      flight = this.#start('acquire', rejected)
    }
    const slot = await raceSignal(flight.promise, options.signal)
    if (rejected === undefined || slot.token.accessToken !== rejected) {
      return slot.token.accessToken
    }
    // Joined a renewal that did not know this token was refused: one more, on purpose.
    const again = this.#inflight ?? this.#start('acquire', rejected)
    return (await raceSignal(again.promise, options.signal)).token.accessToken
  }

  #start(mode: 'acquire' | 'renew', rejected: string | undefined): Flight {
    const promise = this.#obtain(mode, rejected).then(
      (token) => {
        const slot = this.#slot(token)
        this.#current = slot
        this.#failure = undefined
        this.#failures = 0
        this.#retryAt = 0
        this.#retryAtWithoutToken = 0
        return slot
      },
      (error: unknown) => {
        if (!(error instanceof TokenRequestFailed)) throw error
        this.#recordFailure(error.failure)
        throw this.#unavailable(error.failure)
      },
    )
    const flight: Flight = {
      promise: promise.finally(() => {
        if (this.#inflight === flight) this.#inflight = undefined
      }),
    }
    this.#inflight = flight
    return flight
  }

  /**
   * The fleet protocol: adopt a token another process shared; otherwise take the renewal lock
   * and ask the provider; while someone else holds the lock, poll the store for their token. A
   * store that fails counts as a miss and a free lock: the process then acts alone.
   */
  async #obtain(mode: 'acquire' | 'renew', rejected: string | undefined): Promise<CachedToken> {
    const accept = (token: CachedToken | undefined): token is CachedToken => {
      if (token === undefined || token.accessToken === rejected) return false
      const now = Date.now()
      // Renewing: only a token that is itself not due for renewal is news.
      return mode === 'acquire'
        ? now < usableUntil(token)
        : now < token.expiresAt - this.#marginMs(token)
    }
    const deadline = Date.now() + 2 * this.#lockTtlMs
    let pause = POLL_FIRST_MS
    for (;;) {
      const shared = await this.#read()
      if (accept(shared)) return shared
      const lock = await this.#lock()
      if (lock !== 'held') {
        try {
          if (lock !== 'unavailable') {
            // Someone may have shared a token and released the lock since the read above.
            const again = await this.#read()
            if (accept(again)) return again
          }
          return await this.#fetchAndShare()
        } finally {
          if (lock !== 'unavailable') await lock.release().catch(noop)
        }
      }
      // A holder that neither finishes nor lets its lock expire: do not wait for ever.
      if (Date.now() >= deadline) return this.#fetchAndShare()
      await sleep(pause)
      pause = Math.min(POLL_MAX_MS, pause * 2)
    }
  }

  async #read(): Promise<CachedToken | undefined> {
    try {
      const text = await this.#store.get(this.#key)
      return text === undefined ? undefined : deserializeToken(text)
    } catch {
      return undefined
    }
  }

  async #lock(): Promise<StoreLock | 'held' | 'unavailable'> {
    try {
      return (await this.#store.acquireLock(this.#lockKey, this.#lockTtlMs)) ?? 'held'
    } catch {
      return 'unavailable'
    }
  }

  async #fetchAndShare(): Promise<CachedToken> {
    const response = await requestClientCredentialsToken(this.#request)
    if (!response.isSuccessful) throw new TokenRequestFailed(response)
    const now = Date.now()
    const token = cachedToken(response.token, now, this.#defaultLifetimeMs)
    if (token === undefined) {
      throw new TokenRequestFailed(
        failure(
          'invalid_response',
          "the token endpoint issued a token that is already expired or expires within a second (a JWT past its exp by this machine's clock, or a sub-second expires_in)",
          { httpStatus: 200 },
        ),
      )
    }
    const ttlMs = token.expiresAt - now
    if (ttlMs > 0) {
      try {
        await this.#store.set(this.#key, serializeToken(token), ttlMs)
      } catch {
        // The store reports its own outage; this process keeps its token in memory.
      }
    }
    return token
  }

  #slot(token: CachedToken): Slot {
    const margin = this.#marginMs(token)
    return {
      token,
      renewAt: token.expiresAt - margin + (Math.random() * margin) / 2,
      usableUntil: usableUntil(token),
    }
  }

  #marginMs(token: CachedToken): number {
    return Math.min(this.#renewBeforeMs, (token.expiresAt - token.issuedAt) / 2)
  }

  #recordFailure(failure: RequestFailure): void {
    this.#failure = failure
    this.#failures++
    const now = Date.now()
    const delay = BACKOFF_FIRST_MS * 2 ** Math.min(this.#failures - 1, 10)
    const jitter = 0.8 + Math.random() * 0.4
    this.#retryAt = now + Math.min(BACKOFF_MAX_WITH_TOKEN_MS, delay) * jitter
    this.#retryAtWithoutToken = now + Math.min(BACKOFF_MAX_WITHOUT_TOKEN_MS, delay) * jitter
  }

  #unavailable(failure: RequestFailure): TokenUnavailableError {
    const status = failure.httpStatus === undefined ? '' : `, HTTP ${failure.httpStatus}`
    return new TokenUnavailableError(
      `no valid access token for client "${this.#request.clientId}": the token request failed (${failure.errorType}: ${failure.error}${status}) and no earlier token is still valid`,
      { cause: failure },
    )
  }
}

/** A token is not handed out in its last 10 % of lifetime (at most 5 s): clocks and latency. */
function usableUntil(token: CachedToken): number {
  return token.expiresAt - Math.min(MAX_EXPIRY_SKEW_MS, (token.expiresAt - token.issuedAt) / 10)
}

function seconds(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback * 1000
  if (!(Number.isFinite(value) && value >= 0)) {
    throw new TypeError(`${name} must be a number of seconds >= 0`)
  }
  return value * 1000
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
