/**
 * The one claims checker (RFC 7519 §4.1, §7.2; OpenID Connect Core §3.1.3.7): issuer, audience,
 * the time claims, nonce, subject and required claims, for every kind of token (JWT access
 * tokens, ID tokens, logout tokens, DPoP proofs, introspection answers, signed UserInfo, JARM),
 * each stating what it needs. Each failure is a `claim_validation` error naming the claim, with a
 * message that diagnoses rather than just refuses. Values from the token that appear in messages
 * are claims (issuer, audience, times), never the token itself.
 */
import { TokenValidationError } from '../errors.js'
import { clip } from '../internal/quote.js'
import type { Claims } from './jws.js'

/** What to check, and against what. Everything not given is not checked. */
export interface ClaimChecks {
  /** The current time, in seconds since the epoch. */
  readonly now: number
  /** Clock tolerance in seconds for every time check. */
  readonly leeway: number
  /** The expected issuer(s): `iss` must be one of them. */
  readonly issuer?: string | readonly string[] | undefined
  /** An absent `iss` passes (introspection answers, where it is optional). */
  readonly issuerOptional?: boolean | undefined
  /** The expected audience(s): `aud` must contain one of them. */
  readonly audience?: string | readonly string[] | undefined
  /** `exp` must be present. */
  readonly requireExp?: boolean | undefined
  /** Reject when past `exp` (default true). */
  readonly verifyExp?: boolean | undefined
  /** Reject before `nbf` (default true). */
  readonly verifyNbf?: boolean | undefined
  /** `iat` must be present. */
  readonly requireIat?: boolean | undefined
  /** Reject an `iat` in the future (default true). */
  readonly verifyIat?: boolean | undefined
  /** Reject a token issued longer ago than this, by its `iat` (proofs, logout tokens). */
  readonly maxAgeSeconds?: number | undefined
  /** The expected `nonce`. */
  readonly nonce?: string | undefined
  /** The expected `sub`. */
  readonly subject?: string | undefined
  /** Claims that must be present and not null. */
  readonly requiredClaims?: readonly string[] | undefined
  /** How to call the token in messages (default "the token"). */
  readonly what?: string | undefined
}

export function claimError(claim: string, message: string): TokenValidationError {
  return new TokenValidationError('claim_validation', message, { claim })
}

function matches(expected: string | readonly string[], actual: string): boolean {
  return typeof expected === 'string' ? expected === actual : expected.includes(actual)
}

function show(expected: string | readonly string[]): string {
  return typeof expected === 'string' ? expected : expected.join(' or ')
}

/** Runs every check `checks` asks for on `claims`; throws at the first that fails. */
export function checkClaims(claims: Claims, checks: ClaimChecks): void {
  const what = checks.what ?? 'the token'
  const { now, leeway, issuer, audience } = checks

  if (issuer !== undefined) {
    if (typeof claims.iss !== 'string') {
      if (!(checks.issuerOptional && claims.iss === undefined)) {
        throw claimError('iss', `${what} has no "iss" claim`)
      }
    } else if (!matches(issuer, claims.iss)) {
      throw claimError(
        'iss',
        `issuer mismatch: expected ${show(issuer)}, ${what} has ${clip(claims.iss)}`,
      )
    }
  }

  if (audience !== undefined) {
    const aud = claims.aud
    if (aud === undefined) {
      throw claimError('aud', `${what} has no "aud" claim (expected ${show(audience)})`)
    }
    const ok =
      typeof aud === 'string'
        ? matches(audience, aud)
        : Array.isArray(aud) &&
          aud.some((value) => typeof value === 'string' && matches(audience, value))
    if (!ok) {
      throw claimError(
        'aud',
        `audience mismatch: expected ${show(audience)}, ${what} has ${JSON.stringify(aud).slice(0, 200)}`,
      )
    }
  }

  const exp = timeClaim(claims, 'exp', checks.requireExp === true, what)
  if (exp !== undefined && checks.verifyExp !== false && now - leeway >= exp) {
    throw claimError(
      'exp',
      `${what} expired ${Math.round(now - exp)} s ago (exp ${iso(exp)}; check the clock if this is unexpected)`,
    )
  }
  const nbf = timeClaim(claims, 'nbf', false, what)
  if (nbf !== undefined && checks.verifyNbf !== false && now + leeway < nbf) {
    throw claimError(
      'nbf',
      `${what} is not valid for another ${Math.round(nbf - now)} s (nbf ${iso(nbf)}; check the clock if this is unexpected)`,
    )
  }
  const iat = timeClaim(claims, 'iat', checks.requireIat === true, what)
  if (iat !== undefined && checks.verifyIat !== false && now + leeway < iat) {
    throw claimError(
      'iat',
      `${what} was issued ${Math.round(iat - now)} s in the future (iat ${iso(iat)}; check the clock)`,
    )
  }
  const maxAge = checks.maxAgeSeconds
  if (maxAge !== undefined) {
    if (iat === undefined) throw claimError('iat', `${what} has no numeric "iat" claim`)
    if (now - leeway > iat + maxAge) {
      throw claimError(
        'iat',
        `${what} was issued ${Math.round(now - iat)} s ago, more than the ${maxAge} s allowed`,
      )
    }
  }

  if (checks.nonce !== undefined && claims.nonce !== checks.nonce) {
    throw claimError(
      'nonce',
      claims.nonce === undefined ? `${what} has no "nonce" claim` : 'nonce mismatch',
    )
  }
  if (checks.subject !== undefined && claims.sub !== checks.subject) {
    throw claimError(
      'sub',
      `subject mismatch: expected ${checks.subject}, ${what} has ${clip(claims.sub)}`,
    )
  }
  if (checks.requiredClaims) {
    for (const name of checks.requiredClaims) {
      if (claims[name] === undefined || claims[name] === null) {
        throw claimError(name, `${what} has no "${name}" claim, which is required`)
      }
    }
  }
}

/** A NumericDate claim: its value, `undefined` when absent and optional; throws otherwise. */
function timeClaim(
  claims: Claims,
  name: 'exp' | 'nbf' | 'iat',
  required: boolean,
  what: string,
): number | undefined {
  const value = claims[name]
  if (value === undefined) {
    if (required) throw claimError(name, `${what} has no "${name}" claim, which is required`)
    return undefined
  }
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw claimError(name, `the "${name}" claim is not a number`)
  }
  return value
}

function iso(seconds: number): string {
  const date = new Date(seconds * 1000)
  return Number.isNaN(date.getTime()) ? String(seconds) : date.toISOString()
}

/**
 * A clock tolerance from configuration, checked: a number of seconds >= 0 (and a sane upper
 * bound). `NaN` (for example `Number(process.env.UNSET)`) would silently turn every time check
 * off, so it is a `TypeError` instead.
 */
export function checkedLeeway(value: unknown, fallback: number, name = 'leeway'): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 86_400) {
    throw new TypeError(
      `${name} must be a number of seconds between 0 and 86400, got ${String(value)}`,
    )
  }
  return value
}

/** The current time in seconds: `currentDate` when given (checked), else now. */
export function checkedNow(currentDate: unknown): number {
  if (currentDate === undefined) return Date.now() / 1000
  const ms = currentDate instanceof Date ? currentDate.getTime() : Number.NaN
  if (!Number.isFinite(ms)) {
    throw new TypeError(
      'currentDate must be a valid Date (an invalid one would turn time checks off)',
    )
  }
  return ms / 1000
}
