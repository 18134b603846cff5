/**
 * The library's events: the one module that builds and publishes them. On Node.js they go to
 * `node:diagnostics_channel` channels (see {@link CHANNELS}), and only while someone subscribes:
 * with no subscriber no message is built and no clock is read. Elsewhere (`#diagnostics` resolves
 * to a silent channel) nothing is published.
 *
 * A message is a plain object with an `outcome` and the address or issuer it concerns, durations
 * and cache state; never a token, a secret, a client assertion or a claim set. Addresses lose
 * credentials, query and fragment ({@link safeUrl}); errors are reported by type and code, not
 * by message (a provider's `error_description` is the provider's text).
 *
 * @see docs/observability.md
 */
import { eventChannel } from '#diagnostics'
import { IdentityModelError, TokenValidationError } from '../errors.js'
import type { ErrorType, RequestFailure } from '../http/result.js'
import { safeUrl } from '../http/send.js'

/** The channel names, one per area. */
export const CHANNELS: Readonly<{
  discovery: 'identity-model:discovery'
  jwks: 'identity-model:jwks'
  validation: 'identity-model:validation'
  tokenRequest: 'identity-model:token-request'
  tokenManager: 'identity-model:token-manager'
}> = Object.freeze({
  discovery: 'identity-model:discovery',
  jwks: 'identity-model:jwks',
  validation: 'identity-model:validation',
  tokenRequest: 'identity-model:token-request',
  tokenManager: 'identity-model:token-manager',
} as const)

const channels = {
  discovery: eventChannel(CHANNELS.discovery),
  jwks: eventChannel(CHANNELS.jwks),
  validation: eventChannel(CHANNELS.validation),
  tokenRequest: eventChannel(CHANNELS.tokenRequest),
  tokenManager: eventChannel(CHANNELS.tokenManager),
}

/**
 * What happened to a discovery document or key set lookup:
 * - `hit`: a fresh copy from memory;
 * - `shared`: a fresh copy from the shared store (another process fetched it);
 * - `fetched`: fetched from the provider;
 * - `stale`: a copy past its lifetime was served (while it is refreshed, or because the provider
 *   failed: then `errorType` says how);
 * - `failed`: the fetch failed and there was nothing to serve;
 * - `backoff`: a recent failure was answered again without asking the provider;
 * - `cooldown`: a refresh for an unknown `kid` was not made, one ran less than the cooldown ago.
 */
export type ProviderLookupOutcome =
  | 'hit'
  | 'shared'
  | 'fetched'
  | 'stale'
  | 'failed'
  | 'backoff'
  | 'cooldown'

/** A message of `identity-model:discovery` or `identity-model:jwks`. */
export interface ProviderLookupEvent {
  readonly outcome: ProviderLookupOutcome
  /** The URL of the document or key set (without credentials, query or fragment). */
  readonly address: string
  /**
   * Why a fetch was made (`fetched`, `shared`, `failed`): `miss` (nothing cached), `expired`
   * (past its lifetime), `kid_miss` (a token named a key the set lacks), `uncached` (`cache:
   * false`, or `getJwks`).
   */
  readonly reason?: 'miss' | 'expired' | 'kid_miss' | 'uncached'
  /** How long the fetch took (fetches only), in milliseconds. */
  readonly durationMs?: number
  readonly errorType?: ErrorType
  readonly httpStatus?: number
}

/** A message of `identity-model:validation`. */
export interface ValidationEvent {
  /**
   * `valid`; `invalid` (the token is refused: a 401, `code` says why); `error` (not the token's
   * fault: the provider is unavailable, the configuration cannot work, a caller mistake).
   */
  readonly outcome: 'valid' | 'invalid' | 'error'
  /** `access_token` (`validateToken`) or `resource_request` (a refusal of the middleware). */
  readonly kind: 'access_token' | 'resource_request'
  /** The error code (`signature`, `claim_validation`, `provider_unavailable`, ..., `type_error`). */
  readonly code?: string
  /** For `claim_validation`: the name of the claim that failed (never its value). */
  readonly claim?: string
  /** The issuer the token was checked against: the configured one or the discovery address. */
  readonly issuer?: string
  /** The token's algorithm, for a valid token. */
  readonly alg?: string
  /** For `resource_request`: the HTTP status of the refusal and its OAuth `error`. */
  readonly status?: number
  readonly error?: string
  /** How long the validation took, in milliseconds (`access_token` only). */
  readonly durationMs?: number
}

/** A message of `identity-model:token-request`. */
export interface TokenRequestEvent {
  readonly outcome: 'success' | 'failed'
  /** The `grant_type` sent. */
  readonly grantType: string
  /** The token endpoint (without credentials, query or fragment). */
  readonly address: string
  readonly durationMs: number
  /** The tokens are DPoP-bound. */
  readonly dpop: boolean
  readonly errorType?: ErrorType
  /** The OAuth `error` code, when the server answered one (`invalid_client` ...). */
  readonly error?: string
  readonly httpStatus?: number
}

/**
 * A message of `identity-model:token-manager`. From a `TokenManager` (`manager: 'client'`): `hit`
 * (a token from memory, no I/O), and each `TokenManagerEvent` (`fetched`, `adopted`,
 * `renewal_failed`, `stale_served`) as `outcome`. From a `UserTokenManager` (`manager: 'user'`):
 * each `UserTokenEvent` (`stored`, `refreshed`, `adopted`, `refresh_failed`, `stale_served`,
 * `signed_out`), with `session` (a hash, never the session id) instead of `cacheKey`.
 */
export interface TokenManagerDiagnosticsEvent {
  readonly manager: 'client' | 'user'
  readonly outcome:
    | 'hit'
    | 'fetched'
    | 'adopted'
    | 'renewal_failed'
    | 'stale_served'
    | 'stored'
    | 'refreshed'
    | 'refresh_failed'
    | 'signed_out'
  /** The token's cache key (a hash; no secret). */
  readonly cacheKey?: string
  /** The session's key (a hash; never the session id). */
  readonly session?: string
  /** The token endpoint (without credentials, query or fragment), for `manager: 'client'`. */
  readonly address?: string
  readonly expiresAt?: number
  readonly retryAt?: number
  readonly reason?: 'provider' | 'fleet_backoff' | 'store_unavailable' | 'refused'
  readonly errorType?: ErrorType
  readonly httpStatus?: number
  /** `refreshed`: the provider rotated the refresh token. */
  readonly rotated?: boolean
  /** `signed_out`: the refresh token was revoked. */
  readonly revoked?: boolean
}

const clock: { now(): number } = globalThis.performance ?? Date

/** A start time when `channel` has subscribers, else -1 (nothing will be published). */
function start(channel: { readonly hasSubscribers: boolean }): number {
  return channel.hasSubscribers ? clock.now() : -1
}

function elapsed(started: number): number {
  return Math.round((clock.now() - started) * 1000) / 1000
}

function failureFields(failure: RequestFailure): {
  errorType: ErrorType
  httpStatus?: number
} {
  return failure.httpStatus === undefined
    ? { errorType: failure.errorType }
    : { errorType: failure.errorType, httpStatus: failure.httpStatus }
}

// --- discovery and key sets ---------------------------------------------------------------

/** How a cache reports its lookups: used by `RefreshingCache`, which knows nothing of either. */
export interface LookupEvents {
  /** A start time for a fetch, or -1 when nobody listens. */
  start(): number
  publish(
    key: string,
    outcome: ProviderLookupOutcome,
    details?: {
      readonly started?: number
      readonly reason?: ProviderLookupEvent['reason']
      readonly failure?: RequestFailure | undefined
    },
  ): void
}

/**
 * The events of the discovery or key-set cache. `addressOf` turns a cache key into the URL it
 * stands for (a discovery key also names the issuers and policy it was checked under).
 */
export function lookupEvents(
  kind: 'discovery' | 'jwks',
  addressOf: (key: string) => string = (key) => key,
): LookupEvents {
  const channel = channels[kind]
  return {
    start: () => start(channel),
    publish(key, outcome, details) {
      if (!channel.hasSubscribers) return
      const message: Record<string, unknown> = { outcome, address: safeUrl(addressOf(key)) }
      if (details?.reason !== undefined) message.reason = details.reason
      if (details?.started !== undefined && details.started >= 0) {
        message.durationMs = elapsed(details.started)
      }
      if (details?.failure !== undefined) Object.assign(message, failureFields(details.failure))
      channel.publish(message as unknown as ProviderLookupEvent)
    },
  }
}

/** The address part of a discovery cache key (the URL before the issuers and policy). */
export function discoveryAddress(key: string): string {
  const cut = key.indexOf('\n')
  return cut === -1 ? key : key.slice(0, cut)
}

/** Discovery and JWKS fetches that bypass the cache (`cache: false`, `getJwks`). */
export const uncachedDiscovery: LookupEvents = lookupEvents('discovery')
export const uncachedKeySet: LookupEvents = lookupEvents('jwks')

// --- validation -----------------------------------------------------------------------------

/** A start time for a validation, or -1 when nobody listens. */
export function validationStart(): number {
  return start(channels.validation)
}

/** Reports how `validation` (started at `started`, from {@link validationStart}) ends. */
export function observeValidation<T extends { readonly [claim: string]: unknown }>(
  validation: Promise<T>,
  started: number,
  issuer: unknown,
  alg: () => string | undefined,
): Promise<T> {
  const base: Record<string, unknown> = { kind: 'access_token' }
  if (typeof issuer === 'string') base.issuer = safeUrl(issuer)
  return validation.then(
    (claims) => {
      const algorithm = alg()
      if (channels.validation.hasSubscribers) {
        channels.validation.publish({
          outcome: 'valid',
          ...base,
          ...(algorithm === undefined ? {} : { alg: algorithm }),
          durationMs: elapsed(started),
        } satisfies Partial<ValidationEvent>)
      }
      return claims
    },
    (error: unknown) => {
      if (channels.validation.hasSubscribers) {
        channels.validation.publish({
          ...errorFields(error),
          ...base,
          durationMs: elapsed(started),
        })
      }
      throw error
    },
  )
}

function errorFields(error: unknown): {
  outcome: 'invalid' | 'error'
  code: string
  claim?: string
} {
  if (error instanceof TokenValidationError) {
    return error.claim === undefined
      ? { outcome: 'invalid', code: error.code }
      : { outcome: 'invalid', code: error.code, claim: error.claim }
  }
  if (error instanceof IdentityModelError) return { outcome: 'error', code: error.code }
  return { outcome: 'error', code: error instanceof TypeError ? 'type_error' : 'unexpected' }
}

/** Reports a refusal of the resource-server middleware; returns it unchanged. */
export function publishRefusal<
  R extends {
    readonly status: number
    readonly body: { readonly error: string }
    readonly cause?: unknown
  },
>(refusal: R): R {
  if (!channels.validation.hasSubscribers) return refusal
  const fields =
    refusal.cause === undefined
      ? { outcome: refusal.status >= 500 ? 'error' : 'invalid', code: refusal.body.error }
      : errorFields(refusal.cause)
  channels.validation.publish({
    ...fields,
    kind: 'resource_request',
    status: refusal.status,
    error: refusal.body.error,
  })
  return refusal
}

// --- token requests -------------------------------------------------------------------------

/** A start time for a token request, or -1 when nobody listens. */
export function tokenRequestStart(): number {
  return start(channels.tokenRequest)
}

/** Reports a token request's result (`started` from {@link tokenRequestStart}). */
export function publishTokenRequest(
  started: number,
  address: unknown,
  grant: URLSearchParams,
  dpop: boolean,
  result: { readonly isSuccessful: true } | RequestFailure,
): void {
  if (started < 0 || !channels.tokenRequest.hasSubscribers) return
  const message: Record<string, unknown> = {
    outcome: result.isSuccessful ? 'success' : 'failed',
    grantType: grant.get('grant_type') ?? '',
    address: typeof address === 'string' || address instanceof URL ? safeUrl(String(address)) : '',
    durationMs: elapsed(started),
    dpop,
  }
  if (!result.isSuccessful) {
    message.errorType = result.errorType
    if (result.errorType === 'protocol') message.error = result.error.slice(0, 64)
    if (result.httpStatus !== undefined) message.httpStatus = result.httpStatus
  }
  channels.tokenRequest.publish(message as unknown as TokenRequestEvent)
}

// --- token manager --------------------------------------------------------------------------

/** True while someone subscribes to `identity-model:token-manager`. */
export function tokenManagerObserved(): boolean {
  return channels.tokenManager.hasSubscribers
}

/** Reports a token manager event (see `TokenManagerEvent`), or a memory `hit`. */
export function publishTokenManager(
  address: unknown,
  event:
    | { readonly type: 'hit'; readonly cacheKey: string; readonly expiresAt: number }
    | {
        readonly type: 'fetched' | 'adopted' | 'renewal_failed' | 'stale_served'
        readonly cacheKey: string
        readonly expiresAt?: number
        readonly retryAt?: number
        readonly reason?: 'provider' | 'fleet_backoff' | 'store_unavailable'
        readonly errorType?: ErrorType
        readonly httpStatus?: number | undefined
      },
): void {
  if (!channels.tokenManager.hasSubscribers) return
  const message: Record<string, unknown> = {
    manager: 'client',
    outcome: event.type,
    cacheKey: event.cacheKey,
    address: typeof address === 'string' || address instanceof URL ? safeUrl(String(address)) : '',
  }
  copyFields(event, message)
  channels.tokenManager.publish(message as unknown as TokenManagerDiagnosticsEvent)
}

/** Reports a `UserTokenManager` event (its `error` text is left out: type and reason only). */
export function publishUserTokens(event: {
  readonly type: string
  readonly session: string
  readonly [field: string]: unknown
}): void {
  if (!channels.tokenManager.hasSubscribers) return
  const message: Record<string, unknown> = {
    manager: 'user',
    outcome: event.type,
    session: event.session,
  }
  copyFields(event, message)
  channels.tokenManager.publish(message as unknown as TokenManagerDiagnosticsEvent)
}

const EVENT_FIELDS = [
  'expiresAt',
  'retryAt',
  'reason',
  'errorType',
  'httpStatus',
  'rotated',
  'revoked',
] as const

function copyFields(event: object, message: Record<string, unknown>): void {
  for (const name of EVENT_FIELDS) {
    const value = (event as Record<string, unknown>)[name]
    if (value !== undefined) message[name] = value
  }
}
