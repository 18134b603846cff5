/**
 * Refusals: the status, the RFC 6750 §3 `WWW-Authenticate` challenge and a JSON body for every way
 * a protected request can fail. Built from settings fixed at middleware construction, so a refusal
 * costs a string concatenation.
 */
import {
  ConfigurationError,
  IdentityModelError,
  ProviderUnavailableError,
  TokenValidationError,
} from '../errors.js'

/** A refusal, ready to send. */
export interface BearerRefusal {
  readonly ok: false
  readonly status: 400 | 401 | 403 | 500 | 503
  /**
   * Response headers: `www-authenticate` (absent for 500 and 503), `content-type` and
   * `cache-control: no-store`.
   */
  readonly headers: Readonly<Record<string, string>>
  /** The JSON body: the challenge's error code and description. */
  readonly body: { readonly error: string; readonly error_description: string }
  /**
   * The underlying error, for logging. Its message never contains the token, but may name the
   * token's issuer or audience to help a developer.
   */
  readonly cause?: unknown
}

/** What the challenge carries besides the error. */
export interface ChallengeSettings {
  /** The `realm` of the challenge (RFC 6750 §3). */
  readonly realm?: string | undefined
  /** The URL of the RFC 9728 protected-resource metadata, sent as `resource_metadata`. */
  readonly resourceMetadataUrl?: string | undefined
  /**
   * DPoP is accepted: its challenge (with `algs`) goes beside the Bearer one, or alone when
   * DPoP is `required` (RFC 9449 §7.1, §7.2).
   */
  readonly dpop?: { readonly algs: readonly string[]; readonly required: boolean } | undefined
  /** The scheme whose challenge carries the error: the one the request used (default Bearer). */
  readonly scheme?: 'Bearer' | 'DPoP' | undefined
}

/** Builds the refusals of one middleware instance. */
export interface Refuser {
  /** 401 without an error code: the request carried no token (RFC 6750 §3.1). */
  readonly missing: BearerRefusal
  /** 400 `invalid_request`. */
  invalidRequest(description: string): BearerRefusal
  /** 401 `invalid_token`. */
  invalidToken(description: string, cause?: unknown): BearerRefusal
  /** 403 `insufficient_scope`, with the `scope` needed when there is one. */
  insufficientScope(description: string, scopes?: readonly string[], cause?: unknown): BearerRefusal
  /** The refusal for an error thrown by validation, introspection or a guard. */
  forError(error: unknown): BearerRefusal
}

/** The refusals of a request that used the DPoP scheme: the Bearer ones, and two of its own. */
export interface DpopRefuser extends Refuser {
  /** 401 `invalid_dpop_proof` (RFC 9449 §7.1). */
  invalidDpopProof(description: string, cause?: unknown): BearerRefusal
  /** 401 `use_dpop_nonce`, with the nonce to use in the `DPoP-Nonce` header (RFC 9449 §9). */
  useDpopNonce(nonce: string, cause?: unknown): BearerRefusal
}

const JSON_HEADERS = { 'content-type': 'application/json', 'cache-control': 'no-store' } as const

/**
 * The refusals for one set of challenge settings. The challenge parameters come in a fixed
 * order: `realm`, `error`, `error_description`, `scope`, `algs` (DPoP), `resource_metadata`.
 * With DPoP accepted beside Bearer, both challenges are sent (RFC 9110 §11.6.1), the error in the
 * one of the scheme the request used: `Bearer error="invalid_token", ..., DPoP algs="ES256"`.
 *
 * @see RFC 6750 §3, RFC 9449 §7.1, §7.2, RFC 9728 §5.1
 */
export function createRefuser(settings: ChallengeSettings): Refuser {
  return build(settings)
}

/** The refusals of a request that used the DPoP scheme (`settings.dpop` is required). */
export function createDpopRefuser(settings: ChallengeSettings): DpopRefuser {
  if (settings.dpop === undefined) throw new TypeError('createDpopRefuser needs settings.dpop')
  return build({ ...settings, scheme: 'DPoP' })
}

function build(settings: ChallengeSettings): DpopRefuser {
  const head = settings.realm === undefined ? '' : `realm="${quotable(settings.realm)}"`
  const tail =
    settings.resourceMetadataUrl === undefined
      ? ''
      : `resource_metadata="${quotable(settings.resourceMetadataUrl)}"`
  const join = (scheme: string, parts: readonly string[]): string =>
    `${scheme} ${parts.filter((part) => part !== '').join(', ')}`.trimEnd()
  const bearer = (params: string): string => join('Bearer', [head, params, tail])
  const { dpop } = settings
  const algs = dpop === undefined ? '' : `algs="${quotable(dpop.algs.join(' '))}"`
  const dpopChallenge = (params: string): string => join('DPoP', [head, params, algs, tail])
  const onDpop = settings.scheme === 'DPoP'
  const challenge = (params: string): string => {
    if (dpop === undefined) return bearer(params)
    if (dpop.required) return dpopChallenge(params)
    return onDpop
      ? `${bearer('')}, ${dpopChallenge(params)}`
      : `${bearer(params)}, ${dpopChallenge('')}`
  }

  const withError = (
    status: 400 | 401 | 403,
    error: string,
    description: string,
    extra: string,
    cause: unknown,
  ): BearerRefusal => {
    const params = `error="${error}", error_description="${quotable(description)}"${extra}`
    return refusal(status, challenge(params), error, description, cause)
  }

  const required =
    dpop === undefined
      ? 'Bearer authentication is required'
      : dpop.required
        ? 'DPoP authentication is required'
        : 'Bearer or DPoP authentication is required'
  const missing = Object.freeze(refusal(401, challenge(''), 'unauthorized', required, undefined))

  return {
    missing,
    invalidRequest: (description) => withError(400, 'invalid_request', description, '', undefined),
    invalidToken: (description, cause) => withError(401, 'invalid_token', description, '', cause),
    insufficientScope: (description, scopes, cause) =>
      withError(
        403,
        'insufficient_scope',
        description,
        scopes && scopes.length > 0 ? `, scope="${quotable(scopes.join(' '))}"` : '',
        cause,
      ),
    forError(error) {
      if (error instanceof TokenValidationError) {
        return withError(401, 'invalid_token', describe(error), '', error)
      }
      if (error instanceof ProviderUnavailableError) {
        return plain(503, 'temporarily_unavailable', 'The identity provider is unavailable', error)
      }
      if (error instanceof ConfigurationError || error instanceof IdentityModelError) {
        return plain(500, 'server_error', 'Token validation is misconfigured', error)
      }
      return plain(500, 'server_error', 'Token validation failed unexpectedly', error)
    },
    invalidDpopProof: (description, cause) =>
      withError(401, 'invalid_dpop_proof', description, '', cause),
    useDpopNonce(nonce, cause) {
      const description = 'Resource server requires nonce in DPoP proof'
      const base = withError(401, 'use_dpop_nonce', description, '', cause)
      return { ...base, headers: { ...base.headers, 'dpop-nonce': nonce } }
    },
  }
}

function refusal(
  status: 400 | 401 | 403,
  challenge: string,
  error: string,
  description: string,
  cause: unknown,
): BearerRefusal {
  return answer(
    status,
    { 'www-authenticate': challenge, ...JSON_HEADERS },
    error,
    description,
    cause,
  )
}

/** 500 and 503 carry no challenge: the token was not the problem. */
function plain(
  status: 500 | 503,
  error: string,
  description: string,
  cause: unknown,
): BearerRefusal {
  return answer(status, JSON_HEADERS, error, description, cause)
}

function answer(
  status: BearerRefusal['status'],
  headers: BearerRefusal['headers'],
  error: string,
  description: string,
  cause: unknown,
): BearerRefusal {
  return {
    ok: false,
    status,
    headers,
    body: { error, error_description: description },
    ...(cause === undefined ? {} : { cause }),
  }
}

/**
 * A short description per failure, for the challenge and the body. Fixed texts only: never the
 * token, never a value taken from it, never configuration details.
 */
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
    case 'decryption':
      return 'The token cannot be decrypted'
    case 'claim_validation':
      return (
        CLAIM_DESCRIPTIONS[error.claim ?? ''] ??
        (error.claim === undefined
          ? 'The token failed a claim check'
          : `The token failed the ${error.claim} claim check`)
      )
  }
}

const CLAIM_DESCRIPTIONS: Readonly<Record<string, string>> = {
  exp: 'The token has expired',
  nbf: 'The token is not valid yet',
  iat: 'The token issue time is invalid',
  iss: 'The token issuer is not accepted',
  aud: 'The token audience is not accepted',
  sub: 'The token subject is not accepted',
  active: 'The token is not active',
  cnf: 'The token is bound to a key (DPoP) and cannot be used as a bearer token',
  'x5t#S256': 'The token is bound to a client certificate that this request did not present',
  token_type: 'The token is not a bearer access token',
}

/** RFC 6750 §3: quoted values may not hold `"` or `\` or control characters. */
export function quotable(value: string): string {
  return value.replace(/[^\x20-\x21\x23-\x5B\x5D-\x7E]/g, '')
}
