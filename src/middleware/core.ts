/**
 * The framework-free core of bearer-token protection: take the token from the request
 * (RFC 6750 §2.1), validate it, and turn the outcome into a status, an RFC 6750 §3 challenge and a
 * JSON body. Adapters (Express, ...) only move these values in and out of their framework.
 */
import {
  ConfigurationError,
  IdentityModelError,
  ProviderUnavailableError,
  TokenValidationError,
} from '../errors.js'
import type { TokenValidationConfigInit } from '../validation/config.js'
import type { Claims } from '../validation/jwt.js'
import { validateToken } from '../validation/validate-token.js'

/** Options of every bearer-token guard. */
export interface BearerAuthOptions extends Omit<TokenValidationConfigInit, 'performDisco'> {
  /** The issuer or discovery URL; required unless `performDisco` is `false` and `key` is set. */
  discoDocAddress?: string | undefined
  /** Default: `true` when `discoDocAddress` is given. */
  performDisco?: boolean | undefined
  /** Scopes the token must all carry (from `scope`, or `scp`); a miss answers 403. */
  requiredScopes?: string | readonly string[] | undefined
  /** The `realm` of the challenge. */
  realm?: string | undefined
}

/** A refusal, ready to send. */
export interface BearerRefusal {
  readonly status: 400 | 401 | 403 | 500 | 503
  readonly headers: Readonly<Record<string, string>>
  readonly body: { readonly error: string; readonly error_description: string }
  /** The underlying error, for logging (its message never contains the token). */
  readonly cause?: unknown
}

export type BearerOutcome =
  | { readonly ok: true; readonly claims: Claims; readonly token: string }
  | ({ readonly ok: false } & BearerRefusal)

const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i

/**
 * The token of an `Authorization: Bearer` header: `undefined` when there is no header (or another
 * scheme), `null` when the header is a malformed Bearer header.
 */
export function extractBearerToken(
  authorization: string | readonly string[] | undefined,
): string | undefined | null {
  if (authorization === undefined) return undefined
  if (typeof authorization !== 'string') return null
  if (!/^bearer(\s|$)/i.test(authorization)) return undefined
  const match = BEARER.exec(authorization)
  return match ? match[1]! : null
}

/** The scopes a token carries, from `scope` (space-delimited) or `scp` (array or string). */
export function tokenScopes(claims: Claims): string[] {
  const source = claims.scope ?? claims.scp
  if (typeof source === 'string') return source.split(' ').filter(Boolean)
  if (Array.isArray(source))
    return source.filter((scope): scope is string => typeof scope === 'string')
  return []
}

/** Checks one request's `Authorization` header value. */
export type BearerAuthenticator = (
  authorization: string | readonly string[] | undefined,
) => Promise<BearerOutcome>

/**
 * Builds the check once (options resolved, validation config fixed) so each request pays only for
 * the token itself.
 *
 * @example
 * ```ts
 * const authenticate = createBearerAuthenticator({ discoDocAddress, audience: 'my-api' })
 * const outcome = await authenticate(req.headers.authorization)
 * if (!outcome.ok) return send(outcome.status, outcome.headers, outcome.body)
 * ```
 */
export function createBearerAuthenticator(options: BearerAuthOptions): BearerAuthenticator {
  const config: TokenValidationConfigInit = {
    ...options,
    performDisco: options.performDisco ?? options.discoDocAddress !== undefined,
  }
  const address = options.discoDocAddress
  const required =
    typeof options.requiredScopes === 'string' ? [options.requiredScopes] : options.requiredScopes
  return async (authorization) => {
    const token = extractBearerToken(authorization)
    if (token === undefined) {
      return refuse(401, undefined, 'Bearer authentication is required', options)
    }
    if (token === null) {
      return refuse(
        400,
        'invalid_request',
        'The Authorization header is not a valid Bearer header',
        options,
      )
    }
    let claims: Claims
    try {
      claims = await validateToken(token, config, address)
    } catch (error) {
      return refusalFor(error, options)
    }
    if (required && required.length > 0) {
      const granted = tokenScopes(claims)
      if (!required.every((scope) => granted.includes(scope))) {
        return refuse(
          403,
          'insufficient_scope',
          'The token lacks a required scope',
          options,
          undefined,
          required,
        )
      }
    }
    return { ok: true, claims, token }
  }
}

/** One-shot form of {@link createBearerAuthenticator}. */
export function authenticateBearer(
  authorization: string | readonly string[] | undefined,
  options: BearerAuthOptions,
): Promise<BearerOutcome> {
  return createBearerAuthenticator(options)(authorization)
}

/** Maps a validation error to its refusal: 401 bad token, 503 provider down, 500 misconfigured. */
function refusalFor(error: unknown, options: BearerAuthOptions): { ok: false } & BearerRefusal {
  if (error instanceof TokenValidationError) {
    return refuse(401, 'invalid_token', describe(error), options, error)
  }
  if (error instanceof ProviderUnavailableError) {
    return refuse(
      503,
      'temporarily_unavailable',
      'The identity provider is unavailable',
      options,
      error,
    )
  }
  if (error instanceof ConfigurationError || error instanceof IdentityModelError) {
    return refuse(500, 'server_error', 'Token validation is misconfigured', options, error)
  }
  throw error
}

function refuse(
  status: BearerRefusal['status'],
  error: string | undefined,
  description: string,
  options: BearerAuthOptions,
  cause?: unknown,
  scopes?: readonly string[],
): { ok: false } & BearerRefusal {
  const params: string[] = []
  if (options.realm !== undefined) params.push(`realm="${quotable(options.realm)}"`)
  // RFC 6750 §3.1: a request without credentials gets a challenge without an error code.
  if (error !== undefined && status !== 503 && status !== 500) {
    params.push(`error="${error}"`, `error_description="${quotable(description)}"`)
  }
  if (scopes) params.push(`scope="${quotable(scopes.join(' '))}"`)
  const headers: Record<string, string> =
    status === 503 || status === 500
      ? {}
      : { 'www-authenticate': params.length > 0 ? `Bearer ${params.join(', ')}` : 'Bearer' }
  return {
    ok: false,
    status,
    headers,
    body: { error: error ?? 'invalid_token', error_description: description },
    ...(cause === undefined ? {} : { cause }),
  }
}

/** A short description per failure, for the challenge: no token, no configuration details. */
function describe(error: TokenValidationError): string {
  switch (error.code) {
    case 'malformed':
      return 'The token is malformed'
    case 'alg_none':
    case 'unsupported_alg':
      return 'The token algorithm is not accepted'
    case 'signature':
      return 'The token signature is invalid'
    case 'key_not_found':
      return 'The token signing key is unknown'
    case 'key_conversion':
      return 'The signing key cannot be used'
    case 'claim_validation':
      return CLAIM_DESCRIPTIONS[error.claim ?? ''] ?? 'The token failed a claim check'
  }
}

const CLAIM_DESCRIPTIONS: Readonly<Record<string, string>> = {
  exp: 'The token has expired',
  nbf: 'The token is not valid yet',
  iat: 'The token issue time is invalid',
  iss: 'The token issuer is not accepted',
  aud: 'The token audience is not accepted',
  sub: 'The token subject is not accepted',
}

/** RFC 6750 §3: quoted values may not hold `"` or `\` or control characters. */
function quotable(value: string): string {
  return value.replace(/[^\x20-\x21\x23-\x5B\x5D-\x7E]/g, '')
}
