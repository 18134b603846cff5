/**
 * `UserTokenManager`: a signed-in user's access and refresh token, kept in a {@link CacheStore}
 * by session id, refreshed before expiry once per token family across every process of a fleet,
 * with refresh-token rotation handled and revocation on sign-out. Modelled on Duende's
 * AccessTokenManagement for ASP.NET Core.
 */
import { defaultMemoryStore } from '../cache/memory-store.js'
import type { CacheStore, StoreLock } from '../cache/store.js'
import { publishUserTokens } from '../diagnostics/events.js'
import { revokeToken, type TokenRevocationResponse } from '../endpoints/revocation.js'
import { DEFAULT_TIMEOUT_MS } from '../http/options.js'
import { type ErrorType, failure, type RequestFailure } from '../http/result.js'
import { promisesCrossRequests } from '../internal/runtime.js'
import { parseHttpUrl } from '../internal/url.js'
import { hashKey } from '../kernel/digest.js'
import { requestRefreshToken } from '../token/refresh.js'
import type { TokenRequestInit } from '../token/token-request.js'
import type { TokenSet } from '../token/token-response.js'
import { cachedToken } from './cached-token.js'
import {
  type FleetKeys,
  fleetKeys,
  MAX_STEP_WITHOUT_TOKEN_MS,
  ProducerFailed,
  runRound,
  seconds,
  usableUntil,
} from './fleet.js'

/** What {@link UserTokenManager} takes. */
export interface UserTokenManagerOptions {
  /**
   * The client the tokens were issued to: the token endpoint as `address`, `clientId` and its
   * credentials (any `clientAuthentication`), and the network options (`fetch`, `timeoutMs`)
   * used for every refresh. With `dpop`, refreshes carry proofs for that key. Leave `signal` out
   * (a refresh is shared by every caller).
   */
  client: TokenRequestInit
  /**
   * The revocation endpoint (RFC 7009), for {@link UserTokenManager.signOut}: the refresh token
   * (and the access token) are revoked there. Without it, sign-out only forgets them.
   */
  revocationEndpoint?: string | undefined
  /**
   * Where the tokens live, by session: `createRedisStore(...)` from `identity-model/redis` for a
   * fleet (with `encryptionKey`: refresh tokens are long-lived credentials). Default: the
   * in-memory store of this process.
   */
  store?: CacheStore | undefined
  /**
   * Refresh once fewer than this many seconds remain on the access token (default 60 s, at most
   * half its lifetime). Inside that margin callers wait for the refresh; only when the provider
   * cannot be reached do they get the old access token, while it is still valid.
   */
  renewBeforeExpirySeconds?: number | undefined
  /**
   * How long a session's tokens are kept without being refreshed or stored again (default
   * 14 days), or less when the provider says when the refresh token expires
   * (`refresh_expires_in`).
   */
  sessionLifetimeSeconds?: number | undefined
  /** The lifetime assumed for an access token without `expires_in` or JWT `exp` (default 300 s). */
  defaultLifetimeSeconds?: number | undefined
  /** Observes refreshes and their failures (never a token, a secret or a session id). */
  onEvent?: ((event: UserTokenEvent) => void) | undefined
  /**
   * Whether concurrent calls for one session wait on one refresh in this process (default true,
   * except on Cloudflare Workers and Vercel's Edge runtime, where a request must not await
   * another request's I/O). Without it, each call runs its own round of the store protocol: the
   * store's lock still makes one of them refresh and the others adopt the rotated tokens.
   */
  shareInFlight?: boolean | undefined
}

/** Options of {@link UserTokenManager.getAccessToken}. */
export interface GetUserAccessTokenOptions {
  /** Refresh now, even if the access token is still fresh (after an API refused it, say). */
  forceRefresh?: boolean | undefined
}

/** The answer of {@link UserTokenManager.getAccessToken}. */
export type UserAccessTokenResult =
  | {
      readonly isSuccessful: true
      readonly accessToken: string
      readonly tokenType: string
      readonly scope: string | undefined
      /** Epoch milliseconds. */
      readonly expiresAt: number
    }
  | UserTokenFailure

/** Why there is no access token for the session. */
export interface UserTokenFailure {
  readonly isSuccessful: false
  /**
   * - `no_tokens`: nothing is stored for the session (never signed in, signed out, expired);
   * - `no_refresh_token`: the access token expired and there is no refresh token;
   * - `refresh_refused`: the provider refused the refresh token (`invalid_grant`: expired,
   *   revoked, or the grant was ended); the session's tokens are deleted;
   * - `unavailable`: the provider or the store cannot be reached now, and the access token has
   *   run out (answer 503 and try later; the tokens are kept).
   */
  readonly reason: 'no_tokens' | 'no_refresh_token' | 'refresh_refused' | 'unavailable'
  /** True for every reason but `unavailable`: send the user through sign-in again. */
  readonly signInRequired: boolean
  /** A readable description (no token, no secret). */
  readonly error: string
  /** The failed refresh request, when there was one. */
  readonly failure?: RequestFailure | undefined
}

/** What {@link UserTokenManager.signOut} did. */
export interface SignOutResult {
  /** Whether tokens were stored for the session (they are gone now). */
  readonly hadTokens: boolean
  /**
   * The revocation of the refresh token (or of the access token when there was no refresh
   * token), when a revocation endpoint is configured. A failure means the token may still be
   * valid at the provider.
   */
  readonly revocation: TokenRevocationResponse | undefined
  /**
   * The ID token of the session, when the sign-in (or a refresh) returned one: the
   * `idTokenHint` for `createEndSessionUrl`, to log the user out at the provider too.
   */
  readonly idToken: string | undefined
}

/** What a {@link UserTokenManager} reports. `session` is a hash, never the session id. */
export type UserTokenEvent =
  | { readonly type: 'stored'; readonly session: string }
  | { readonly type: 'refreshed'; readonly session: string; readonly rotated: boolean }
  | { readonly type: 'adopted'; readonly session: string }
  | {
      readonly type: 'refresh_failed'
      readonly session: string
      readonly reason: 'provider' | 'fleet_backoff' | 'store_unavailable' | 'refused'
      readonly error: string
      readonly errorType: ErrorType | undefined
    }
  | { readonly type: 'stale_served'; readonly session: string; readonly expiresAt: number }
  | { readonly type: 'signed_out'; readonly session: string; readonly revoked: boolean }

/** A session's tokens as stored. `gen` grows with every refresh or sign-in. */
interface Entry {
  readonly accessToken: string
  readonly tokenType: string
  readonly scope: string | undefined
  readonly issuedAt: number
  readonly expiresAt: number
  readonly refreshToken: string | undefined
  readonly idToken: string | undefined
  readonly gen: number
  /** When the entry itself goes (the refresh token's end, or the session lifetime). */
  readonly until: number
}

class SignInRequired {
  readonly reason: 'no_tokens' | 'no_refresh_token' | 'refresh_refused'
  readonly failure: RequestFailure | undefined
  constructor(
    reason: 'no_tokens' | 'no_refresh_token' | 'refresh_refused',
    failure?: RequestFailure,
  ) {
    this.reason = reason
    this.failure = failure
  }
}

const LOCK_SLACK_MS = 2_000
const DAY_S = 24 * 60 * 60

const noop = (): void => {}

/**
 * Keeps a signed-in user's tokens by session id, shared by every process on the same store.
 *
 * - {@link storeTokens} after the code exchange; {@link getAccessToken} on every call to an API;
 *   {@link signOut} when the user signs out.
 * - Refresh happens before the access token expires (the margin is a promise, as with
 *   `TokenManager`), one refresh per token family at a time across the fleet: a lock in the
 *   store, and the rotated refresh token is written, through that lock, before anyone else may
 *   refresh. Concurrent requests of one user therefore never redeem the same refresh token twice
 *   (the `invalid_grant` a rotation race causes, or the grant revocation of reuse detection).
 * - While the provider is down, the fleet backs off together (one probe per step) and the old
 *   access token is served while still valid.
 * - Session ids and tokens never appear in store keys (keys are SHA-256 digests); use a store
 *   with encryption at rest for the values (the Redis store's `encryptionKey`).
 *
 * @example
 * ```ts
 * const userTokens = new UserTokenManager({
 *   client: { address: disco.tokenEndpoint, clientId, clientSecret },
 *   revocationEndpoint: disco.revocationEndpoint,
 *   store: await createRedisStore({ url: process.env.REDIS_URL, encryptionKey }),
 * })
 * await userTokens.storeTokens(req.sessionID, exchange.token)          // after sign-in
 * const result = await userTokens.getAccessToken(req.sessionID)        // before each API call
 * if (!result.isSuccessful) return result.signInRequired ? res.redirect('/login') : res.sendStatus(503)
 * await userTokens.signOut(req.sessionID)                              // on sign-out
 * ```
 * @see RFC 6749 §6 (refreshing), RFC 9700 §4.14.2 (refresh token rotation), RFC 7009 (revocation)
 * @throws TypeError at construction when `client.address` or `client.clientId` is missing.
 */
export class UserTokenManager {
  readonly #client: TokenRequestInit
  readonly #endpoint: string
  readonly #revocationEndpoint: string | undefined
  readonly #store: CacheStore
  readonly #renewBeforeMs: number
  readonly #sessionLifetimeMs: number
  readonly #defaultLifetimeMs: number
  readonly #lockTtlMs: number
  readonly #onEvent: ((event: UserTokenEvent) => void) | undefined
  /** One refresh per session at a time in this process. */
  readonly #inflight = new Map<string, Promise<UserAccessTokenResult>>()
  readonly #share: boolean

  constructor(options: UserTokenManagerOptions) {
    if (options === null || typeof options !== 'object' || typeof options.client !== 'object') {
      throw new TypeError('UserTokenManager needs options with a client')
    }
    const { client } = options
    this.#endpoint = parseHttpUrl(client.address, 'client.address').href
    if (typeof client.clientId !== 'string' || client.clientId.length === 0) {
      throw new TypeError('client.clientId is required')
    }
    this.#revocationEndpoint =
      options.revocationEndpoint === undefined
        ? undefined
        : parseHttpUrl(options.revocationEndpoint, 'revocationEndpoint').href
    this.#client = client
    this.#store = options.store ?? defaultMemoryStore
    this.#renewBeforeMs = seconds(options.renewBeforeExpirySeconds, 60, 'renewBeforeExpirySeconds')
    this.#sessionLifetimeMs = seconds(
      options.sessionLifetimeSeconds,
      14 * DAY_S,
      'sessionLifetimeSeconds',
    )
    this.#defaultLifetimeMs = seconds(options.defaultLifetimeSeconds, 300, 'defaultLifetimeSeconds')
    this.#lockTtlMs = (client.timeoutMs ?? DEFAULT_TIMEOUT_MS) + LOCK_SLACK_MS
    this.#onEvent = options.onEvent
    this.#share = options.shareInFlight ?? promisesCrossRequests()
  }

  /**
   * Keeps the tokens of a sign-in (the code exchange's `token`) for the session, replacing any
   * earlier ones (a refresh of those still in flight cannot overwrite them).
   *
   * @throws TypeError for an empty session id or a token set without `access_token`; rejects
   *   when the store fails (the sign-in cannot be completed without it).
   */
  async storeTokens(sessionId: string, token: TokenSet): Promise<void> {
    const keys = this.#keys(sessionId)
    if (token === null || typeof token !== 'object' || typeof token.access_token !== 'string') {
      throw new TypeError('storeTokens needs the token set of a token response')
    }
    const lock = await this.#lockWithin(keys)
    try {
      const previous = parseEntry(await this.#store.get(keys.value))
      let entry: Entry
      try {
        entry = this.#entry(token, undefined, (previous?.gen ?? 0) + 1, Date.now())
      } catch (error) {
        if (error instanceof ProducerFailed) throw new TypeError(error.failure.error)
        throw error
      }
      await this.#write(keys, entry, lock)
      await this.#store.delete(keys.backoff).catch(noop)
    } finally {
      await lock?.release().catch(noop)
    }
    this.#emit({ type: 'stored', session: keys.value })
  }

  /**
   * The session's access token, refreshed first when fewer than `renewBeforeExpirySeconds`
   * remain (or `forceRefresh`). Resolves to a result; it does not reject for a refused or failed
   * refresh, a missing session or a store outage.
   *
   * @throws TypeError for an empty session id, or a client the token endpoint cannot be asked
   *   with (no secret for `client_secret_basic` ...).
   */
  getAccessToken(
    sessionId: string,
    options: GetUserAccessTokenOptions = {},
  ): Promise<UserAccessTokenResult> {
    const keys = this.#keys(sessionId)
    const force = options.forceRefresh === true
    if (!this.#share) return this.#get(keys, force)
    const flightKey = `${keys.value}${force ? ' force' : ''}`
    const running = this.#inflight.get(flightKey)
    if (running !== undefined) return running
    const promise = this.#get(keys, force).finally(() => this.#inflight.delete(flightKey))
    this.#inflight.set(flightKey, promise)
    return promise
  }

  async #get(keys: FleetKeys, force: boolean): Promise<UserAccessTokenResult> {
    let entry: Entry | undefined
    try {
      entry = parseEntry(await this.#store.get(keys.value))
    } catch {
      return unavailable('the token store did not answer')
    }
    if (entry === undefined) return signIn('no_tokens')
    const now = Date.now()
    if (!force && now < entry.expiresAt - this.#marginMs(entry)) return success(entry)
    if (entry.refreshToken === undefined) {
      return now < usableUntil(entry) ? success(entry) : signIn('no_refresh_token')
    }
    const seen = entry
    let outcome: Awaited<ReturnType<typeof runRound<Entry>>>
    try {
      outcome = await runRound<Entry>({
        store: this.#store,
        keys,
        lockTtlMs: this.#lockTtlMs,
        parse: (text) => parseEntry(text),
        // Another process refreshed (or the user signed in again) since we read it.
        accept: (stored) => stored.gen > seen.gen,
        produce: (lock) => this.#refresh(keys, lock),
        stepCapMs: () => MAX_STEP_WITHOUT_TOKEN_MS,
      })
    } catch (error) {
      if (!(error instanceof SignInRequired)) throw error
      if (error.reason === 'refresh_refused') {
        this.#emit({
          type: 'refresh_failed',
          session: keys.value,
          reason: 'refused',
          error: error.failure?.error ?? 'refused',
          errorType: error.failure?.errorType,
        })
      }
      return signIn(error.reason, error.failure)
    }
    switch (outcome.kind) {
      case 'adopted':
        this.#emit({ type: 'adopted', session: keys.value })
        return success(outcome.value)
      case 'produced':
        return success(outcome.value)
      case 'backoff':
      case 'failed':
      case 'store_unavailable': {
        const cause =
          outcome.kind === 'store_unavailable'
            ? failure('network', 'the token store did not answer')
            : outcome.backoff.failure
        this.#emit({
          type: 'refresh_failed',
          session: keys.value,
          reason:
            outcome.kind === 'failed'
              ? 'provider'
              : outcome.kind === 'backoff'
                ? 'fleet_backoff'
                : 'store_unavailable',
          error: cause.error,
          errorType: cause.errorType,
        })
        if (Date.now() < usableUntil(seen)) {
          this.#emit({ type: 'stale_served', session: keys.value, expiresAt: seen.expiresAt })
          return success(seen)
        }
        return unavailable(`the refresh failed (${cause.errorType}: ${cause.error})`, cause)
      }
    }
  }

  /** Under the lock: the latest refresh token, redeemed once, the rotated one stored first. */
  async #refresh(keys: FleetKeys, lock: StoreLock | undefined): Promise<Entry> {
    // The round read the entry before taking the lock; read it again under the lock.
    const current = parseEntry(await this.#store.get(keys.value).catch(() => undefined))
    if (current === undefined) throw new SignInRequired('no_tokens')
    if (current.refreshToken === undefined) throw new SignInRequired('no_refresh_token')
    const { signal: _ignored, ...client } = this.#client
    const response = await requestRefreshToken({ ...client, refreshToken: current.refreshToken })
    if (!response.isSuccessful) {
      if (response.errorType === 'protocol' && response.error === 'invalid_grant') {
        // The family is gone (expired, revoked, or ended by reuse detection): forget it.
        await this.#store.delete(keys.value).catch(noop)
        throw new SignInRequired('refresh_refused', response)
      }
      throw new ProducerFailed(response)
    }
    const entry = this.#entry(response.token, current, current.gen + 1, Date.now())
    if (!(await this.#write(keys, entry, lock))) {
      // The lock was lost (a sign-out, or a refresh slower than its lock): do not overwrite.
      throw new ProducerFailed(
        failure('network', 'the refresh lost its lock before its result could be stored'),
      )
    }
    this.#emit({
      type: 'refreshed',
      session: keys.value,
      rotated: entry.refreshToken !== current.refreshToken,
    })
    return entry
  }

  /**
   * Forgets the session's tokens (waiting for a refresh in flight, so that it cannot bring them
   * back) and revokes the refresh token, or the access token when there is none, at the
   * revocation endpoint. Call it before ending the session; then log the user out at the
   * provider (`createEndSessionUrl`) if you want that too.
   *
   * @throws TypeError for an empty session id; rejects when the store fails.
   */
  async signOut(sessionId: string): Promise<SignOutResult> {
    const keys = this.#keys(sessionId)
    const lock = await this.#lockWithin(keys)
    let entry: Entry | undefined
    try {
      entry = parseEntry(await this.#store.get(keys.value))
      await this.#store.delete(keys.value)
      await this.#store.delete(keys.backoff).catch(noop)
    } finally {
      await lock?.release().catch(noop)
    }
    let revocation: TokenRevocationResponse | undefined
    if (entry !== undefined && this.#revocationEndpoint !== undefined) {
      const { signal: _ignored, dpop: _dpop, ...client } = this.#client
      const refresh = entry.refreshToken
      revocation = await revokeToken({
        ...client,
        address: this.#revocationEndpoint,
        token: refresh ?? entry.accessToken,
        tokenTypeHint: refresh === undefined ? 'access_token' : 'refresh_token',
      })
    }
    this.#emit({
      type: 'signed_out',
      session: keys.value,
      revoked: revocation?.isSuccessful === true,
    })
    return { hadTokens: entry !== undefined, revocation, idToken: entry?.idToken }
  }

  /** The lock, waiting up to its lifetime for a holder to finish; without it after that. */
  async #lockWithin(keys: FleetKeys): Promise<StoreLock | undefined> {
    const deadline = Date.now() + this.#lockTtlMs
    let pause = 10
    for (;;) {
      const lock = await this.#store.acquireLock(keys.lock, this.#lockTtlMs)
      if (lock !== undefined || Date.now() >= deadline) return lock
      await new Promise((resolve) => setTimeout(resolve, pause))
      pause = Math.min(100, pause * 2)
    }
  }

  /** Writes the entry, fenced by the lock when the store can; false when the lock was lost. */
  async #write(keys: FleetKeys, entry: Entry, lock: StoreLock | undefined): Promise<boolean> {
    const ttl = Math.max(1, entry.until - Date.now())
    const text = serializeEntry(entry)
    if (lock?.set !== undefined) return lock.set(keys.value, text, ttl)
    await this.#store.set(keys.value, text, ttl)
    return true
  }

  #entry(token: TokenSet, previous: Entry | undefined, gen: number, now: number): Entry {
    const cached = cachedToken(token, now, this.#defaultLifetimeMs)
    if (cached === undefined) {
      throw new ProducerFailed(
        failure('invalid_response', 'the provider issued an access token that is already expired', {
          httpStatus: 200,
        }),
      )
    }
    const refreshToken =
      typeof token.refresh_token === 'string' && token.refresh_token.length > 0
        ? token.refresh_token
        : previous?.refreshToken
    const refreshExpiresIn = (token as { refresh_expires_in?: unknown }).refresh_expires_in
    let until = now + this.#sessionLifetimeMs
    if (typeof refreshExpiresIn === 'number' && refreshExpiresIn > 0) {
      until = Math.min(until, now + refreshExpiresIn * 1000)
    } else if (refreshToken === undefined || token.refresh_token === undefined) {
      until = Math.min(until, previous?.until ?? until)
    }
    return {
      accessToken: cached.accessToken,
      tokenType: cached.tokenType,
      scope: cached.scope,
      issuedAt: cached.issuedAt,
      expiresAt: cached.expiresAt,
      refreshToken,
      idToken: typeof token.id_token === 'string' ? token.id_token : previous?.idToken,
      gen,
      until: Math.max(until, cached.expiresAt),
    }
  }

  #keys(sessionId: string): FleetKeys {
    if (typeof sessionId !== 'string' || sessionId.length === 0) {
      throw new TypeError('a session id is required')
    }
    const digest = hashKey(
      JSON.stringify(['user-token', this.#endpoint, this.#client.clientId, sessionId]),
    )
    return fleetKeys('user-token', digest)
  }

  #marginMs(entry: Entry): number {
    return Math.min(this.#renewBeforeMs, (entry.expiresAt - entry.issuedAt) / 2)
  }

  #emit(event: UserTokenEvent): void {
    publishUserTokens(event)
    const hook = this.#onEvent
    if (hook === undefined) return
    try {
      const result: unknown = hook(event)
      if (result instanceof Promise) result.catch(noop)
    } catch {
      // An observer must never break token handling.
    }
  }
}

function success(entry: Entry): UserAccessTokenResult {
  return {
    isSuccessful: true,
    accessToken: entry.accessToken,
    tokenType: entry.tokenType,
    scope: entry.scope,
    expiresAt: entry.expiresAt,
  }
}

const SIGN_IN_ERRORS = {
  no_tokens: 'no tokens are stored for this session',
  no_refresh_token: 'the access token expired and there is no refresh token',
  refresh_refused: 'the provider refused the refresh token',
} as const

function signIn(
  reason: 'no_tokens' | 'no_refresh_token' | 'refresh_refused',
  cause?: RequestFailure,
): UserTokenFailure {
  return {
    isSuccessful: false,
    reason,
    signInRequired: true,
    error: SIGN_IN_ERRORS[reason],
    ...(cause === undefined ? {} : { failure: cause }),
  }
}

function unavailable(error: string, cause?: RequestFailure): UserTokenFailure {
  return {
    isSuccessful: false,
    reason: 'unavailable',
    signInRequired: false,
    error,
    ...(cause === undefined ? {} : { failure: cause }),
  }
}

function serializeEntry(entry: Entry): string {
  return JSON.stringify({
    access_token: entry.accessToken,
    token_type: entry.tokenType,
    scope: entry.scope,
    iat: entry.issuedAt,
    exp: entry.expiresAt,
    refresh_token: entry.refreshToken,
    id_token: entry.idToken,
    gen: entry.gen,
    until: entry.until,
  })
}

function parseEntry(text: string | undefined): Entry | undefined {
  if (text === undefined) return undefined
  let json: Record<string, unknown>
  try {
    json = JSON.parse(text) as Record<string, unknown>
  } catch {
    return undefined
  }
  if (json === null || typeof json !== 'object') return undefined
  const { access_token, token_type, scope, iat, exp, refresh_token, id_token, gen, until } = json
  if (typeof access_token !== 'string' || access_token.length === 0) return undefined
  if (typeof token_type !== 'string' || typeof iat !== 'number' || typeof exp !== 'number') {
    return undefined
  }
  if (!(exp > iat) || typeof gen !== 'number' || typeof until !== 'number') return undefined
  return {
    accessToken: access_token,
    tokenType: token_type,
    scope: typeof scope === 'string' ? scope : undefined,
    issuedAt: iat,
    expiresAt: exp,
    refreshToken: typeof refresh_token === 'string' ? refresh_token : undefined,
    idToken: typeof id_token === 'string' ? id_token : undefined,
    gen,
    until,
  }
}
