/**
 * DPoP at the resource server (RFC 9449 §7): a request with `Authorization: DPoP <token>` and a
 * `DPoP` proof is accepted when the proof is valid for this request and token, the token is valid,
 * and the token is bound (`cnf.jkt`) to the proof's key. Framework-free, like the rest of the core.
 */
import { normalizeHtu } from '../dpop/htu.js'
import { DPOP_ALGORITHMS, type DpopAlgorithm } from '../dpop/keys.js'
import type { DpopNonceSource } from '../dpop/server-nonces.js'
import { ConfigurationError, TokenValidationError } from '../errors.js'
import type { Claims } from '../kernel/jws.js'
import {
  DEFAULT_LEEWAY_SECONDS,
  DEFAULT_MAX_AGE_SECONDS,
  type ValidatedDpopProof,
  validateDpopProof,
} from '../validation/dpop-proof.js'
import { createDpopReplayCache, type DpopReplayCheck } from '../validation/replay-checks.js'
import type { BearerOutcome } from './authenticate.js'
import type { BearerRefusal, DpopRefuser, Refuser } from './challenge.js'
import {
  type BearerMethod,
  type BearerRequestParts,
  extractDpopToken,
  extractToken,
} from './extract.js'

/** How the middleware accepts DPoP (the `dpop` option; `true` means all defaults). */
export interface DpopAuthOptions {
  /**
   * Accept only DPoP: Bearer requests are answered with a bare `DPoP` challenge (default
   * `false`: Bearer is accepted too, for tokens that are not DPoP-bound).
   */
  required?: boolean | undefined
  /**
   * Require server nonces in proofs (RFC 9449 §9): a source such as `createDpopNonces()`. A
   * proof without a valid nonce is answered 401 `use_dpop_nonce` with a fresh one in
   * `DPoP-Nonce`, which clients (`createDpopFetch`) retry with.
   */
  nonce?: DpopNonceSource | undefined
  /** Accepted proof algorithms, announced as `algs` in the challenge (default: all asymmetric ones). */
  algorithms?: readonly DpopAlgorithm[] | undefined
  /** How old a proof may be, by its `iat`, in seconds (default 300). */
  maxAgeSeconds?: number | undefined
  /** Clock tolerance for the proof's `iat`, in seconds (default 5). */
  leeway?: number | undefined
  /**
   * The replay check (default: an in-memory `createDpopReplayCache()` per middleware). It runs
   * only for proofs that passed every other check with a valid bound token. Behind a load
   * balancer, pass one backed by a shared store.
   */
  isReplay?: DpopReplayCheck | undefined
  /**
   * The public origin of this API as clients call it (`https://api.example.com`), used for the
   * proof's `htu` instead of the request's `Host` and protocol. Set it behind a reverse proxy or
   * TLS terminator, and in production generally: a `Host` header is whatever the client sent.
   */
  origin?: string | undefined
}

/** The resolved options. */
export interface DpopSettings {
  readonly required: boolean
  readonly nonce: DpopNonceSource | undefined
  readonly algorithms: readonly DpopAlgorithm[]
  readonly maxAgeSeconds: number | undefined
  readonly leeway: number | undefined
  readonly isReplay: DpopReplayCheck
  readonly origin: string | undefined
}

/**
 * Resolves the `dpop` option; `undefined` when DPoP is off.
 *
 * @throws TypeError for options that cannot work.
 */
export function resolveDpop(
  option: boolean | DpopAuthOptions | undefined,
): DpopSettings | undefined {
  if (option === undefined || option === false) return undefined
  const options: DpopAuthOptions = option === true ? {} : option
  if (options === null || typeof options !== 'object') {
    throw new TypeError('dpop must be true or { required?, nonce?, origin?, ... }')
  }
  const algorithms = options.algorithms ?? DPOP_ALGORITHMS
  if (!Array.isArray(algorithms) || algorithms.length === 0) {
    throw new TypeError('dpop.algorithms must be a non-empty list')
  }
  for (const alg of algorithms) {
    if (!DPOP_ALGORITHMS.includes(alg)) {
      throw new TypeError(
        `dpop.algorithms: ${JSON.stringify(alg)} is not an asymmetric JWS algorithm`,
      )
    }
  }
  const nonce = options.nonce
  if (
    nonce !== undefined &&
    (typeof nonce?.current !== 'function' || typeof nonce.isValid !== 'function')
  ) {
    throw new TypeError('dpop.nonce must be a nonce source such as createDpopNonces()')
  }
  if (options.isReplay !== undefined && typeof options.isReplay !== 'function') {
    throw new TypeError('dpop.isReplay must be a function (see createDpopReplayCache)')
  }
  let origin: string | undefined
  if (options.origin !== undefined) {
    const normalized = normalizeHtu(options.origin)
    if (normalized === undefined || new URL(normalized).pathname !== '/') {
      throw new TypeError('dpop.origin must be an origin such as "https://api.example.com"')
    }
    origin = new URL(normalized).origin
  }
  return {
    required: options.required === true,
    nonce,
    algorithms,
    maxAgeSeconds: options.maxAgeSeconds,
    leeway: options.leeway,
    isReplay: options.isReplay ?? createDpopReplayCache(),
    origin,
  }
}

/** What the DPoP check needs from the core it is part of. */
export interface DpopDependencies {
  readonly settings: DpopSettings
  readonly refuser: DpopRefuser
  /** Validates the access token (JWT or introspection) as a DPoP token. */
  readonly validate: (token: string) => Promise<Claims>
  /** The instant to validate as of (the validation options' `currentDate`); default now. */
  readonly currentDate?: Date | undefined
}

/** The DPoP half of a check: claims and the proof's thumbprint, or the refusal. */
export type DpopCheck = (
  token: string,
  parts: BearerRequestParts,
) => Promise<{ readonly claims: Claims; readonly jkt: string } | BearerRefusal>

/**
 * Builds the DPoP check: the proof first (no network; a nonce is asked for before anything
 * else costs), then the token, then the binding of one to the other, and last the replay check,
 * so only proofs with a valid bound token are remembered.
 *
 * @see RFC 9449 §4.3, §7.1, §9, §11.1
 */
export function createDpopCheck(dependencies: DpopDependencies): DpopCheck {
  const { settings, refuser, validate, currentDate } = dependencies
  const nonceSource = settings.nonce
  const nonce =
    nonceSource === undefined ? undefined : (value: string) => nonceSource.isValid(value)

  return async (token, parts) => {
    const { method, url } = parts
    if (method === undefined || url === undefined) {
      return refuser.forError(
        new ConfigurationError(
          'DPoP needs the request method and URL: pass method and url in the request parts',
        ),
      )
    }
    const htu = targetUri(url, settings.origin)
    if (htu === undefined) {
      return refuser.invalidDpopProof(
        'The request URI is unknown (no Host), so the DPoP proof cannot be checked',
      )
    }
    let proof: ValidatedDpopProof
    try {
      proof = await validateDpopProof(parts.dpop, {
        htm: method,
        htu,
        accessToken: token,
        nonce,
        maxAgeSeconds: settings.maxAgeSeconds,
        leeway: settings.leeway,
        algorithms: settings.algorithms,
        currentDate,
      })
    } catch (error) {
      if (!(error instanceof TokenValidationError)) return refuser.forError(error)
      if (error.claim === 'nonce' && nonceSource !== undefined) {
        try {
          return refuser.useDpopNonce(await nonceSource.current(), error)
        } catch (failure) {
          return refuser.forError(failure)
        }
      }
      return refuser.invalidDpopProof(describeProofError(error, parts.dpop), error)
    }

    let claims: Claims
    try {
      claims = await validate(token)
    } catch (error) {
      return refuser.forError(error)
    }
    const cnf = claims.cnf as { jkt?: unknown } | null | undefined
    const boundTo = cnf !== null && typeof cnf === 'object' ? cnf.jkt : undefined
    if (typeof boundTo !== 'string') {
      return refuser.invalidToken(
        'The token is not bound to a DPoP key',
        new TokenValidationError(
          'claim_validation',
          'the token has no cnf.jkt, so it is not a DPoP-bound token',
          { claim: 'cnf' },
        ),
      )
    }
    if (boundTo !== proof.jkt) {
      return refuser.invalidToken(
        'Invalid DPoP key binding',
        new TokenValidationError(
          'claim_validation',
          'the DPoP proof key is not the key the access token is bound to (cnf.jkt)',
          { claim: 'jkt' },
        ),
      )
    }
    const until =
      proof.claims.iat +
      (settings.maxAgeSeconds ?? DEFAULT_MAX_AGE_SECONDS) +
      (settings.leeway ?? DEFAULT_LEEWAY_SECONDS)
    let replayed: boolean
    try {
      replayed = await settings.isReplay(proof.claims.jti, { jkt: proof.jkt, until })
    } catch (error) {
      return refuser.forError(error)
    }
    if (replayed) {
      return refuser.invalidDpopProof(
        'The DPoP proof was used before',
        new TokenValidationError('claim_validation', 'the DPoP proof jti was seen before', {
          claim: 'jti',
        }),
      )
    }
    return { claims, jkt: proof.jkt }
  }
}

/** The URI the proof must name: the request's, on the configured public origin when there is one. */
function targetUri(url: string, origin: string | undefined): string | undefined {
  if (origin !== undefined) {
    const path = new URL(url, 'http://path.invalid').pathname
    return `${origin}${path}`
  }
  return normalizeHtu(url)
}

/**
 * A fixed description per failure, for the challenge and the body: never a value from the
 * proof or the token.
 */
function describeProofError(
  error: TokenValidationError,
  header: string | readonly string[] | undefined,
): string {
  switch (error.code) {
    case 'malformed':
      if (header === undefined || header === '') return 'The request has no DPoP proof'
      return Array.isArray(header) || header.includes(',')
        ? 'The request carries more than one DPoP proof'
        : 'The DPoP proof is malformed'
    case 'alg_none':
    case 'unsupported_alg':
      return 'The DPoP proof algorithm is not accepted'
    case 'signature':
      return 'The DPoP proof signature is invalid'
    case 'key_conversion':
    case 'decryption':
      return 'The DPoP proof key cannot be used'
    case 'key_not_found':
    case 'claim_validation':
      return PROOF_CLAIMS[error.claim ?? ''] ?? 'The DPoP proof failed a check'
  }
}

const PROOF_CLAIMS: Readonly<Record<string, string>> = {
  jti: 'The DPoP proof has no valid jti',
  htm: 'The DPoP proof htm does not match the request method',
  htu: 'The DPoP proof htu does not match the request URI',
  iat: 'The DPoP proof is too old or not yet valid',
  nonce: 'The DPoP proof nonce is missing or invalid',
  ath: 'The DPoP proof is not bound to the access token (ath)',
  jkt: 'Invalid DPoP key binding',
}

/** What the core hands its DPoP step. */
export interface DpopStepDependencies extends DpopDependencies {
  /** The refusals of a request that did not use the DPoP scheme. */
  readonly bearerRefuser: Refuser
  readonly methods: ReadonlySet<BearerMethod>
  readonly report: (refusal: BearerRefusal) => BearerRefusal
  /** The guards, then the success outcome. */
  readonly accept: (
    claims: Claims,
    token: string,
    method: BearerMethod,
    scheme: 'Bearer' | 'DPoP',
    refusals: Refuser,
  ) => Promise<BearerOutcome>
}

/**
 * The core's DPoP step: the outcome of a request that used the DPoP scheme (or, with
 * `required`, of any request), or `undefined` to let the Bearer path take the request.
 */
export type DpopStep = (parts: BearerRequestParts) => Promise<BearerOutcome | undefined>

/**
 * Builds the DPoP step of the core.
 *
 * @see RFC 9449 §7.1 (the DPoP scheme), §7.2 (beside Bearer); RFC 6750 §3.1
 */
export function createDpopStep(dependencies: DpopStepDependencies): DpopStep {
  const { settings, refuser, bearerRefuser, methods, report, accept } = dependencies
  const check = createDpopCheck(dependencies)
  return async (parts) => {
    const token = extractDpopToken(parts.authorization)
    if (token === null && typeof parts.authorization === 'string') {
      return report(refuser.invalidRequest('The Authorization header is not a valid DPoP header'))
    }
    if (typeof token === 'string') {
      // The DPoP scheme is a header; a token in the body or query as well is a second method
      // (RFC 6750 §2).
      if (parts.bodyTokens?.length || parts.queryTokens?.length) {
        return report(
          refuser.invalidRequest('The request uses more than one method to send the token'),
        )
      }
      const checked = await check(token, parts)
      if ('ok' in checked) return report(checked)
      return accept(checked.claims, token, 'header', 'DPoP', refuser)
    }
    if (!settings.required) return undefined
    // RFC 6750 §3.1: an unsupported scheme gets the bare challenge, like no credentials.
    const extraction = extractToken(parts, methods)
    return report(
      extraction.invalid === undefined
        ? bearerRefuser.missing
        : bearerRefuser.invalidRequest(extraction.invalid),
    )
  }
}
