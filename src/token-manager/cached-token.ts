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
  /** When it was issued, in epoch milliseconds (by the clock of the process that got it). */
  readonly issuedAt: number
  /** When it expires, in epoch milliseconds. */
  readonly expiresAt: number
}

/**
 * The cached form of a token response received at `now`. The lifetime is `expires_in`, cut to
 * the `exp` of a JWT access token when that comes first (providers count from an `iat` rounded
 * down to the second, and the request took time); an `exp` before half of `expires_in` means the
 * clocks disagree, and `expires_in` (relative, so immune to that) wins. Without `expires_in`, the
 * JWT's `exp`; without that, `defaultLifetimeMs`.
 */
export function cachedToken(token: TokenSet, now: number, defaultLifetimeMs: number): CachedToken {
  const exp = jwtExpiry(token.access_token)
  let expiresAt: number
  if (typeof token.expires_in === 'number') {
    const lifetimeMs = token.expires_in * 1000
    expiresAt = now + lifetimeMs
    if (exp !== undefined && exp < expiresAt && exp > now + lifetimeMs / 2) expiresAt = exp
  } else {
    expiresAt = exp ?? now + defaultLifetimeMs
  }
  return {
    accessToken: token.access_token,
    tokenType: token.token_type,
    scope: typeof token.scope === 'string' ? token.scope : undefined,
    issuedAt: now,
    expiresAt,
  }
}

/** The `exp` of a JWT, in milliseconds, read without verification (it only bounds caching). */
function jwtExpiry(accessToken: string): number | undefined {
  const payload = accessToken.split('.')[1]
  if (payload === undefined) return undefined
  try {
    const exp = (JSON.parse(decodeBase64urlText(payload) ?? '') as { exp?: unknown }).exp
    return typeof exp === 'number' && Number.isFinite(exp) ? exp * 1000 : undefined
  } catch {
    return undefined
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
