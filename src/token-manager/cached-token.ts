/**
 * A token as the manager keeps it: the access token with absolute issue and expiry instants, and
 * its serialized form in a shared store.
 */
import type { TokenSet } from '../token/token-response.js'

/** A token with absolute instants, as kept in memory and (serialized) in the store. */
export interface CachedToken {
  readonly accessToken: string
  readonly tokenType: string
  readonly scope: string | undefined
  /** When it was issued, in epoch milliseconds (by the clock of the process that got it). */
  readonly issuedAt: number
  /** When it expires, in epoch milliseconds. */
  readonly expiresAt: number
}

/** No token is kept longer than this, whatever `expires_in` says (one year). */
export const MAX_LIFETIME_MS = 365 * 24 * 60 * 60 * 1000
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
  const bounds: number[] = []
  const expiresIn = token.expires_in
  if (typeof expiresIn === 'number' && Number.isFinite(expiresIn) && expiresIn > 0) {
    bounds.push(expiresIn * 1000)
  }
  const { exp, iat } = jwtTimes(token.access_token)
  if (exp !== undefined) {
    if (iat !== undefined && exp > iat) bounds.push(exp - iat)
    bounds.push(exp - now)
  }
  if (bounds.length === 0) bounds.push(defaultLifetimeMs)
  const lifetime = Math.min(MAX_LIFETIME_MS, ...bounds)
  if (!(lifetime >= MIN_LIFETIME_MS)) return undefined
  return {
    accessToken: token.access_token,
    tokenType: token.token_type,
    scope: typeof token.scope === 'string' ? token.scope : undefined,
    issuedAt: now,
    expiresAt: now + lifetime,
  }
}

/** The `exp` and `iat` of a JWT, in milliseconds, read without verification. */
function jwtTimes(accessToken: string): { exp?: number; iat?: number } {
  const payload = accessToken.split('.')[1]
  if (payload === undefined || payload.length > 64 * 1024) return {}
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as {
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
