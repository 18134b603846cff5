/**
 * The registered-claim checks (RFC 7519 §4.1, OpenID Connect Core §3.1.3.7). Each failure is a
 * `claim_validation` error naming the claim, with a message that diagnoses rather than just
 * refuses. Values from the token that appear in messages are claims (issuer, audience, times),
 * never the token itself.
 */
import { ConfigurationError, TokenValidationError } from '../errors.js'
import type { Claims } from '../kernel/jws.js'
import { DEFAULT_LEEWAY_SECONDS, type TokenValidationConfigInit } from './config.js'

function fail(claim: string, message: string): TokenValidationError {
  return new TokenValidationError('claim_validation', message, { claim })
}

function matches(expected: string | readonly string[], actual: string): boolean {
  return typeof expected === 'string' ? expected === actual : expected.includes(actual)
}

function show(expected: string | readonly string[]): string {
  return typeof expected === 'string' ? expected : expected.join(' or ')
}

/**
 * Runs every configured check on verified claims.
 *
 * @param issuer the expected issuer (the config's, else the discovery issuer).
 * @param now the current time in seconds.
 */
export function checkClaims(
  claims: Claims,
  config: TokenValidationConfigInit,
  issuer: string | readonly string[] | undefined,
  now: number,
): void {
  const options = config.options
  const leeway = config.leeway ?? DEFAULT_LEEWAY_SECONDS

  if (options?.verifyIss !== false) {
    if (issuer === undefined) {
      throw new ConfigurationError(
        'verifyIss is on but no issuer is known: set `issuer`, use discovery, or set options.verifyIss to false',
      )
    }
    if (typeof claims.iss !== 'string') throw fail('iss', 'the token has no "iss" claim')
    if (!matches(issuer, claims.iss)) {
      throw fail('iss', `issuer mismatch: expected ${show(issuer)}, the token has ${claims.iss}`)
    }
  }

  if (options?.verifyAud !== false) {
    const audience = config.audience
    if (audience === undefined || audience.length === 0) {
      throw new ConfigurationError(
        'verifyAud is on but no audience is configured: set `audience` (or options.verifyAud to false)',
      )
    }
    const aud = claims.aud
    if (aud === undefined)
      throw fail('aud', `the token has no "aud" claim (expected ${show(audience)})`)
    const ok =
      typeof aud === 'string'
        ? matches(audience, aud)
        : Array.isArray(aud) &&
          aud.some((value) => typeof value === 'string' && matches(audience, value))
    if (!ok) {
      throw fail(
        'aud',
        `audience mismatch: expected ${show(audience)}, the token has ${JSON.stringify(aud)}`,
      )
    }
  }

  const exp = timeClaim(claims, 'exp', options?.requireExp !== false)
  if (exp !== undefined && options?.verifyExp !== false && now - leeway >= exp) {
    throw fail(
      'exp',
      `the token expired ${Math.round(now - exp)} s ago (exp ${iso(exp)}; check the clock if this is unexpected)`,
    )
  }
  const nbf = timeClaim(claims, 'nbf', false)
  if (nbf !== undefined && options?.verifyNbf !== false && now + leeway < nbf) {
    throw fail(
      'nbf',
      `the token is not valid for another ${Math.round(nbf - now)} s (nbf ${iso(nbf)}; check the clock if this is unexpected)`,
    )
  }
  const iat = timeClaim(claims, 'iat', options?.requireIat !== false)
  if (iat !== undefined && options?.verifyIat !== false && now + leeway < iat) {
    throw fail(
      'iat',
      `the token was issued ${Math.round(iat - now)} s in the future (iat ${iso(iat)}; check the clock)`,
    )
  }

  if (config.nonce !== undefined && claims.nonce !== config.nonce) {
    throw fail(
      'nonce',
      claims.nonce === undefined ? 'the token has no "nonce" claim' : 'nonce mismatch',
    )
  }
  if (config.subject !== undefined && claims.sub !== config.subject) {
    throw fail(
      'sub',
      `subject mismatch: expected ${config.subject}, the token has ${String(claims.sub)}`,
    )
  }
  if (config.requiredClaims) {
    for (const name of config.requiredClaims) {
      if (claims[name] === undefined || claims[name] === null) {
        throw fail(name, `the token has no "${name}" claim, which is required`)
      }
    }
  }
}

/** A NumericDate claim: its value, `undefined` when absent and optional; throws otherwise. */
function timeClaim(
  claims: Claims,
  name: 'exp' | 'nbf' | 'iat',
  required: boolean,
): number | undefined {
  const value = claims[name]
  if (value === undefined) {
    if (required) throw fail(name, `the token has no "${name}" claim, which is required`)
    return undefined
  }
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw fail(name, `the "${name}" claim is not a number`)
  }
  return value
}

function iso(seconds: number): string {
  const date = new Date(seconds * 1000)
  return Number.isNaN(date.getTime()) ? String(seconds) : date.toISOString()
}
