/**
 * A token as the manager keeps it: the access token with absolute issue and expiry instants, and
 * its serialized form in a shared store.
 */

import { decodeBase64urlText } from '../kernel/encoding.js'
import type { TokenSet } from '../token/token-response.js'

/** A token with absolute instants, as kept in memory and (serialized) in the store. */
export interface CachedToken {
  readonly accessToken: string
  readonly tokenType: string
  readonly scope: string | undefined
  /**
   * When it was issued, in epoch milliseconds, by the clock of the process that got it: when it
   * arrived, or up to a second earlier when its JWT's whole-second `exp` makes it that much
   * shorter than its lifetime.
   */
  readonly issuedAt: number
  /** When it expires, in epoch milliseconds. */
  readonly expiresAt: number
}

/** No token is kept longer than this, whatever `expires_in` says (one year). */
export const MAX_LIFETIME_MS: number = 365 * 24 * 60 * 60 * 1000
/** How much earlier than its arrival a token may be taken as issued (iat is whole seconds). */
const ROUNDING_MS = 1000
/** A token with less lifetime than this is not usable (renewal would be a request per call). */
export const MIN_LIFETIME_MS = 1000

/**
 * The cached form of a token response received at `now`, or `undefined` when the token cannot
 * be used (it has less than {@link MIN_LIFETIME_MS} left, or is a JWT already past its `exp`).
 *
 * The lifetime is the shortest of:
 * - `expires_in`, when it is a positive number (`0` carries no lifetime: some providers send it
 *   for "not said"; the next bounds and then `defaultLifetimeMs` apply);
 * - for a JWT access token (read without verification: it only bounds caching), its own lifetime
 *   `exp - iat`, which no clock difference affects, and the time until `exp` by this machine's
 *   clock: a token is never handed out past its own `exp`, however large `expires_in` is;
 * - `defaultLifetimeMs` when none of the above is known;
 * - one year ({@link MAX_LIFETIME_MS}).
 */
export function cachedToken(
  token: TokenSet,
  now: number,
  defaultLifetimeMs: number,
): CachedToken | undefined {
  // Bounds no clock difference affects, then the one by this machine's clock.
  const fixed: number[] = []
  const expiresIn = token.expires_in
  if (typeof expiresIn === 'number' && Number.isFinite(expiresIn) && expiresIn > 0) {
    fixed.push(expiresIn * 1000)
  }
  const { exp, iat } = jwtTimes(token.access_token)
  if (exp !== undefined && iat !== undefined && exp > iat) fixed.push(exp - iat)
  const untilExp = exp === undefined ? [] : [exp - now]
  if (fixed.length === 0 && untilExp.length === 0) fixed.push(defaultLifetimeMs)
  const lifetime = Math.min(MAX_LIFETIME_MS, ...fixed, ...untilExp)
  if (!(lifetime >= MIN_LIFETIME_MS)) return undefined
  const expiresAt = now + lifetime
  // The lifetime the provider meant: a JWT's exp counts from an iat rounded down to the second,
  // so exp - now comes out up to a second short. The token is then taken as issued that much
  // earlier (a second at most, so that a clock difference cannot make a fresh token look half
  // spent), and renewal margins keep their size.
  const nominal = Math.min(MAX_LIFETIME_MS, ...(fixed.length > 0 ? fixed : untilExp))
  const issuedAt = Math.max(expiresAt - nominal, now - ROUNDING_MS)
  return {
    accessToken: token.access_token,
    tokenType: token.token_type,
    scope: typeof token.scope === 'string' ? token.scope : undefined,
    issuedAt,
    expiresAt,
  }
}

/** The `exp` and `iat` of a JWT, in milliseconds, read without verification. */
function jwtTimes(accessToken: string): { exp?: number; iat?: number } {
  const payload = accessToken.split('.')[1]
  if (payload === undefined || payload.length > 64 * 1024) return {}
  try {
    const claims = JSON.parse(decodeBase64urlText(payload) ?? '') as {
      exp?: unknown
      iat?: unknown
    }
    const ms = (value: unknown) =>
      typeof value === 'number' && Number.isFinite(value) ? value * 1000 : undefined
    const exp = ms(claims?.exp)
    const iat = ms(claims?.iat)
    return { ...(exp === undefined ? {} : { exp }), ...(iat === undefined ? {} : { iat }) }
  } catch {
    return {}
  }
}

/** The store form: JSON with short wire-like names. */
export function serializeToken(token: CachedToken): string {
  return JSON.stringify({
    access_token: token.accessToken,
    token_type: token.tokenType,
    scope: token.scope,
    iat: token.issuedAt,
    exp: token.expiresAt,
  })
}

/** Reads the store form back; anything malformed is a miss. */
export function deserializeToken(text: string): CachedToken | undefined {
  let json: Record<string, unknown>
  try {
    json = JSON.parse(text) as Record<string, unknown>
  } catch {
    return undefined
  }
  if (json === null || typeof json !== 'object') return undefined
  const { access_token, token_type, scope, iat, exp } = json
  if (typeof access_token !== 'string' || access_token.length === 0) return undefined
  if (typeof token_type !== 'string' || typeof iat !== 'number' || typeof exp !== 'number') {
    return undefined
  }
  if (!(exp > iat)) return undefined
  return {
    accessToken: access_token,
    tokenType: token_type,
    scope: typeof scope === 'string' ? scope : undefined,
    issuedAt: iat,
    expiresAt: exp,
  }
}
