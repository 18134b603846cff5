/**
 * `validateLogoutToken`: the checks of OpenID Connect Back-Channel Logout 1.0 §2.6 on top of
 * `validateToken`.
 *
 * @see OpenID Connect Back-Channel Logout 1.0 §2.4, §2.6
 */
import { checkClaims, checkedLeeway, checkedNow, claimError as fail } from '../kernel/claims.js'
import { type Claims, decodeJws } from '../kernel/jws.js'
import { checkTyp } from '../kernel/typ.js'
import { DEFAULT_LEEWAY_SECONDS, type TokenValidationConfigInit } from './config.js'
import { validateProviderJwt } from './provider-jwt.js'
import { defaultLogoutReplayCheck, type LogoutReplayCheck } from './replay-checks.js'

/** The member of `events` that makes a JWT a back-channel logout token. */
export const BACKCHANNEL_LOGOUT_EVENT = 'http://schemas.openid.net/event/backchannel-logout'

/** The claims of a validated logout token. */
export interface LogoutTokenClaims extends Claims {
  readonly iss: string
  readonly aud: string | readonly string[]
  readonly iat: number
  readonly jti: string
  readonly events: Readonly<Record<string, unknown>>
  /** The user signed out (when the provider identifies the user). */
  readonly sub?: string
  /** The provider session that ended (when the provider identifies the session). */
  readonly sid?: string
}

/** What {@link validateLogoutToken} checks against: a `TokenValidationConfig` plus the client's view. */
export interface LogoutTokenValidationConfigInit extends TokenValidationConfigInit {
  /** Your client id: the logout token's `aud` must contain it. */
  clientId: string
  /**
   * The replay check, called with the `jti` once everything else passed, and the time (seconds)
   * after which the token is refused anyway, so the `jti` may be forgotten then. Answer `true`
   * for a replay. Default: a process-wide, bounded in-memory cache
   * ({@link createLogoutReplayCache}); use a shared store when several processes receive
   * logout tokens.
   */
  isReplay?: LogoutReplayCheck | undefined
  /**
   * Logout tokens issued longer ago than this are refused (default 600 s), which also bounds
   * how long a `jti` must be remembered when the token has no `exp`.
   */
  maxTokenAgeSeconds?: number | undefined
  /** The client secret, for HMAC-signed logout tokens (OpenID Connect Core §10.1). */
  clientSecret?: string | undefined
}

const DEFAULT_MAX_TOKEN_AGE_SECONDS = 600

/**
 * Validates a back-channel logout token (the `logout_token` form field the provider POSTs) and
 * resolves to its claims; then end the sessions with its `sid` (or of its `sub`).
 *
 * Checks, after `validateToken` (signature with the provider's keys, `iss`, `aud` = `clientId`,
 * `iat` required, `exp` checked when present): `typ`, when present, is `logout+jwt` (or `JWT`);
 * `events` holds the back-channel logout event as an object; `sub` or `sid` is present; there is
 * no `nonce`; `jti` is present, the token is no older than `maxTokenAgeSeconds`, and `isReplay`
 * has not seen the `jti`.
 *
 * @example
 * ```ts
 * // POST /backchannel-logout (application/x-www-form-urlencoded)
 * try {
 *   const claims = await validateLogoutToken(body.get('logout_token') ?? '', {
 *     performDisco: true, clientId: 'web-app',
 *   }, 'https://id.example.com')
 *   sessions.endWhere(claims.sid ? { sid: claims.sid } : { sub: claims.sub })
 *   res.writeHead(200, { 'cache-control': 'no-store' }).end()
 * } catch (e) {
 *   res.writeHead(400, { 'cache-control': 'no-store' }).end() // §2.8
 * }
 * ```
 * @see OpenID Connect Back-Channel Logout 1.0 §2.4, §2.6, §2.8
 * @throws {@link TokenValidationError} (`claim` names the failing claim: `events`, `sub`,
 *   `nonce`, `jti`, `iat` ...), {@link ProviderUnavailableError}, {@link ConfigurationError},
 *   as `validateToken`; `TypeError` for a missing `clientId`.
 */
export async function validateLogoutToken(
  logoutToken: string,
  config: LogoutTokenValidationConfigInit,
  discoDocAddress?: string,
): Promise<LogoutTokenClaims> {
  if (config === null || typeof config !== 'object') {
    throw new TypeError('validateLogoutToken needs a config with clientId')
  }
  const { clientId, isReplay, maxTokenAgeSeconds, clientSecret, nonce: _nonce, ...base } = config
  if (typeof clientId !== 'string' || clientId.length === 0) {
    throw new TypeError('clientId is required: the logout token audience')
  }
  const maxAge = maxTokenAgeSeconds ?? DEFAULT_MAX_TOKEN_AGE_SECONDS
  if (!(Number.isFinite(maxAge) && maxAge > 0)) {
    throw new TypeError('maxTokenAgeSeconds must be a number of seconds > 0')
  }
  const header = decodeJws(logoutToken).header
  // §2.4: `logout+jwt` is recommended; a plain `JWT` or none is tolerated.
  checkTyp(header, { accept: ['logout+jwt', 'jwt'], optional: true }, 'logout token')
  const claims = await validateProviderJwt(
    logoutToken,
    header,
    {
      ...base,
      audience: clientId,
      options: {
        ...config.options,
        verifyIss: true,
        verifyAud: true,
        requireIat: true,
        requireExp: false,
      },
    },
    clientSecret,
    discoDocAddress,
    'logout token',
  )

  const events = claims.events
  if (events === null || typeof events !== 'object' || Array.isArray(events)) {
    throw fail('events', 'the logout token has no "events" object')
  }
  const event = (events as Record<string, unknown>)[BACKCHANNEL_LOGOUT_EVENT]
  if (event === null || typeof event !== 'object' || Array.isArray(event)) {
    throw fail('events', `the "events" claim has no ${BACKCHANNEL_LOGOUT_EVENT} object`)
  }
  const hasSub = typeof claims.sub === 'string' && claims.sub.length > 0
  const hasSid = typeof claims.sid === 'string' && claims.sid.length > 0
  if (!hasSub && !hasSid) {
    throw fail('sub', 'the logout token has neither "sub" nor "sid": it names nothing to sign out')
  }
  if (claims.nonce !== undefined) {
    throw fail(
      'nonce',
      'the logout token has a "nonce", which logout tokens must not have (is it an ID token?)',
    )
  }
  if (typeof claims.jti !== 'string' || claims.jti.length === 0) {
    throw fail('jti', 'the logout token has no "jti"')
  }
  const iat = claims.iat as number
  const now = checkedNow(config.currentDate)
  const leeway = checkedLeeway(config.leeway, DEFAULT_LEEWAY_SECONDS)
  checkClaims(claims, { now, leeway, maxAgeSeconds: maxAge, what: 'the logout token' })
  const refusedAfter = Math.min(claims.exp ?? Number.POSITIVE_INFINITY, iat + maxAge) + leeway
  if (await (isReplay ?? defaultLogoutReplayCheck())(claims.jti, refusedAfter)) {
    throw fail('jti', 'the logout token was already received (replay)')
  }
  return claims as LogoutTokenClaims
}
