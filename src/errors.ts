/**
 * One error hierarchy with stable codes. Every error this library throws extends
 * {@link IdentityModelError}; narrow on `code` (a string-literal union) rather than on messages.
 *
 * Messages tell the user what to do and never contain a token, a secret or a client assertion.
 *
 * @packageDocumentation
 */
import type { ErrorType, RequestFailure } from './http/result.js'

/** Every code an {@link IdentityModelError} can carry. */
export type IdentityModelErrorCode =
  | TokenValidationErrorCode
  | 'provider_unavailable'
  | 'configuration'
  | 'token_unavailable'

/**
 * The canonical outcome codes of token validation (the conformance vectors of
 * py-identity-model's language-neutral spec use the same names), plus `decryption`: an encrypted
 * token (JWE) that does not decrypt with the configured key, for whatever reason (one code and one
 * message for every such failure, so that errors are no decryption oracle).
 */
export type TokenValidationErrorCode =
  | 'malformed'
  | 'alg_none'
  | 'unsupported_alg'
  | 'signature'
  | 'key_not_found'
  | 'key_conversion'
  | 'claim_validation'
  | 'decryption'

/**
 * Base class of every error thrown by identity-model.
 *
 * @example
 * ```ts
 * try {
 *   await validateToken(jwt, config, discoAddress)
 * } catch (e) {
 *   if (e instanceof IdentityModelError) console.log(e.code, e.message)
 * }
 * ```
 */
export class IdentityModelError extends Error {
  /** A stable, machine-readable code. */
  readonly code: IdentityModelErrorCode

  constructor(code: IdentityModelErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.code = code
    this.name = new.target.name
  }
}

/**
 * The token is not acceptable: malformed, unsigned, badly signed, signed with an unknown key, or
 * carrying a claim that fails a check. A resource server answers 401 for it.
 *
 * `claim` names the failing claim when `code` is `'claim_validation'`.
 *
 * @see RFC 7519 §7.2 (validating a JWT), RFC 7515 §5.2 (validating a JWS)
 */
export class TokenValidationError extends IdentityModelError {
  declare readonly code: TokenValidationErrorCode
  /** The claim that failed, for `code === 'claim_validation'` (for example `'exp'`). */
  readonly claim: string | undefined

  constructor(
    code: TokenValidationErrorCode,
    message: string,
    options?: { claim?: string; cause?: unknown },
  ) {
    super(code, message, options?.cause === undefined ? undefined : { cause: options.cause })
    this.claim = options?.claim
  }
}

/**
 * Discovery or the key set could not be fetched (network failure, timeout, 5xx, a body that is
 * not JSON or is over the size cap). The token may be perfectly good: a resource server answers
 * 503 for this, never 401.
 */
export class ProviderUnavailableError extends IdentityModelError {
  declare readonly code: 'provider_unavailable'
  /** The HTTP status the provider answered with, when it answered. */
  readonly httpStatus: number | undefined

  constructor(message: string, options?: { cause?: unknown; httpStatus?: number }) {
    super(
      'provider_unavailable',
      message,
      options?.cause === undefined ? undefined : { cause: options.cause },
    )
    this.httpStatus = options?.httpStatus
  }
}

/**
 * The configuration cannot work: for example `verifyAud` without an `audience`, a discovery
 * document that violates the discovery policy (issuer mismatch, plain HTTP), or no key at all.
 * A resource server answers 500 for it.
 */
export class ConfigurationError extends IdentityModelError {
  declare readonly code: 'configuration'

  constructor(message: string, options?: { cause?: unknown }) {
    super('configuration', message, options)
  }
}

/**
 * A {@link TokenManager} has no valid access token to give: the token request failed (the
 * provider is unreachable, answered 5xx, or refused the client) and no earlier token is still
 * valid. `cause` is the {@link RequestFailure} of the last attempt; the message never contains a
 * token or a secret. Retrying at once is pointless: the manager backs off and fails fast until
 * its next attempt.
 *
 * @example
 * ```ts
 * try {
 *   await manager.getAccessToken()
 * } catch (e) {
 *   if (e instanceof TokenUnavailableError) console.log(e.code, e.errorType, e.message)
 * }
 * ```
 */
export class TokenUnavailableError extends IdentityModelError {
  declare readonly code: 'token_unavailable'
  /** `errorType` of the failed token request (`'network'`, `'protocol'` ...). */
  readonly errorType: ErrorType
  /** The HTTP status of the failed token request, when there was one. */
  readonly httpStatus: number | undefined

  declare readonly cause: RequestFailure

  constructor(message: string, options: { cause: RequestFailure }) {
    super('token_unavailable', message, { cause: options.cause })
    this.errorType = options.cause.errorType
    this.httpStatus = options.cause.httpStatus
  }
}
