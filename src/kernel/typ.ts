/**
 * The one `typ` rule (RFC 7515 §4.1.9, RFC 8725 §3.11): media types compared case-insensitively
 * without their `application/` prefix, so `at+jwt`, `AT+JWT` and `application/at+jwt` are one
 * type. Each kind of token states what it accepts and what it must never be mistaken for.
 */
import { TokenValidationError } from '../errors.js'
import { quote } from '../internal/quote.js'
import type { JwtHeader } from './jws.js'

/** What a kind of JWT accepts as its `typ`. */
export interface TypRule {
  /** The accepted types; `typ` must be one of them (absent fails unless `optional`). */
  readonly accept?: readonly string[] | undefined
  /** An absent `typ` passes. */
  readonly optional?: boolean | undefined
  /** Types that mark a JWT made for something else, refused even when nothing is required. */
  readonly reject?: readonly string[] | undefined
}

/** `typ` values that mark a JWT made for something other than an ID token or an API call. */
export const OTHER_JWT_TYPES: readonly string[] = [
  'at+jwt',
  'logout+jwt',
  'dpop+jwt',
  'secevent+jwt',
  'token-introspection+jwt',
  'oauth-authz-req+jwt',
]

/** A media type as JOSE compares it: lower case, without `application/`. */
export function normalizeTyp(typ: string): string {
  const lower = typ.toLowerCase()
  return lower.startsWith('application/') ? lower.slice(12) : lower
}

/** Throws `malformed` when the header's `typ` breaks the rule. */
export function checkTyp(header: JwtHeader, rule: TypRule, what = 'token'): void {
  const typ = header.typ === undefined ? undefined : normalizeTyp(header.typ)
  if (typ === undefined) {
    if (rule.accept === undefined || rule.optional) return
    throw new TokenValidationError(
      'malformed',
      `the ${what} has no typ (expected ${rule.accept.join(' or ')})`,
    )
  }
  if (rule.reject?.some((value) => normalizeTyp(value) === typ)) {
    throw new TokenValidationError(
      'malformed',
      `the ${what} is typed ${quote(header.typ)}, so it is a JWT made for something else (RFC 8725 §3.11)`,
    )
  }
  if (rule.accept !== undefined && !rule.accept.some((value) => normalizeTyp(value) === typ)) {
    throw new TokenValidationError(
      'malformed',
      `the ${what} type (typ ${quote(header.typ)}) is not allowed (expected ${rule.accept.join(' or ')})`,
    )
  }
}
