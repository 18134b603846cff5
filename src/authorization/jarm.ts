/**
 * JWT Secured Authorization Response Mode (JARM): the authorization response arrives as one
 * `response` parameter holding a JWT the provider signed. It is verified like every other
 * provider-issued JWT (the kernel's decode, algorithm, signature and claims checks over the
 * provider's keys), then its members go through the same checks as any authorization response
 * (`parseAuthorizationResponse`: state, `iss`, error, code).
 *
 * @see JARM (OpenID Financial-grade API: JWT Secured Authorization Response Mode) §2, §4.4
 */

import type { DiscoveryPolicy } from '../discovery/policy.js'
import { ConfigurationError, ProviderUnavailableError, TokenValidationError } from '../errors.js'
import { checkProfile, FAPI2_SIGNING_ALGORITHMS, type SecurityProfile } from '../fapi/profile.js'
import { isFailure } from '../http/json.js'
import { failure, type RequestFailure } from '../http/result.js'
import { type Claims, decodeJws } from '../kernel/jws.js'
import { checkTyp, OTHER_JWT_TYPES } from '../kernel/typ.js'
import type { JsonWebKey, JsonWebKeySet } from '../kernel/types.js'
import type { ProviderCache } from '../provider/provider-cache.js'
import { validateProviderJwt } from '../validation/provider-jwt.js'
import {
  type AuthorizationResponse,
  type AuthorizationResponseInput,
  parseAuthorizationResponse,
  responseEntries,
} from './authorization-response.js'

/** What {@link processJarmResponse} checks against. */
export interface JarmResponseOptions {
  /** The `state` sent with the request. Required. */
  expectedState: string
  /** Your client id: the response JWT's `aud` must be it. */
  clientId: string
  /**
   * The provider's issuer or discovery URL: its keys verify the JWT, its issuer must be the
   * JWT's `iss` (cached, with key rotation handled).
   */
  discoDocAddress?: string | undefined
  /**
   * The provider's issuer. Alone, it is also the discovery address; with `key`, the static
   * configuration's expected issuer.
   */
  issuer?: string | undefined
  /** A static verification key (JWK or JWK Set), instead of discovery; needs `issuer`. */
  key?: JsonWebKey | JsonWebKeySet | undefined
  /** Allowed algorithms; default every asymmetric one the keys support (FAPI 2.0: PS256, ES256, EdDSA). */
  algorithms?: readonly string[] | undefined
  /** The client secret, for a provider that signs JARM responses with HMAC (HS256 ...). */
  clientSecret?: string | undefined
  /** Where a URL carries `response`: `query` or `fragment` (default: the query when it has one). */
  responseMode?: 'query' | 'fragment' | undefined
  /** Clock tolerance in seconds for `exp` (default 5). */
  leeway?: number | undefined
  /** Validate as of this instant (tests); default now. */
  currentDate?: Date | undefined
  /** `'fapi2'`: only PS256, ES256 and EdDSA are accepted. */
  profile?: SecurityProfile | undefined
  policy?: DiscoveryPolicy | undefined
  cache?: ProviderCache | undefined
  fetch?: typeof fetch | undefined
  timeoutMs?: number | undefined
}

/** Claims of the response JWT that are about the JWT, not authorization response parameters. */
const JWT_ONLY_CLAIMS = new Set(['aud', 'exp', 'iat', 'nbf', 'jti'])

/**
 * Verifies a JARM authorization response (`response_mode=jwt`, `query.jwt`, `fragment.jwt` or
 * `form_post.jwt`) and checks it as `parseAuthorizationResponse` does. The response JWT must be
 * signed by the provider's key, with `iss` = the provider, `aud` = `clientId`, and not expired.
 *
 * - a forged, tampered, expired JWT, one for another client or from another issuer:
 *   `{ isSuccessful: false, errorType: 'policy' }`;
 * - no (or a repeated) `response` parameter, or a JWT without `code` or `error`:
 *   `errorType: 'invalid_response'`;
 * - the provider's keys cannot be fetched: the fetch's failure (`network`, `timeout`, `http` ...);
 * - an OAuth error inside a valid JWT: `errorType: 'protocol'` with `error`.
 *
 * @example
 * ```ts
 * // GET /callback?response=eyJ... (response_mode=jwt with the code flow)
 * const result = await processJarmResponse(req.originalUrl, {
 *   expectedState: session.signIn.state, clientId: 'web-app', discoDocAddress: issuer,
 * })
 * if (result.isSuccessful) { // result.code → requestAuthorizationCodeToken
 * }
 * ```
 * @see JARM §2.1 (the response document), §2.3 (modes), §4.4 (processing rules)
 * @throws TypeError when `expectedState` or `clientId` is missing, or neither `discoDocAddress`,
 *   `issuer` nor `key` is given.
 */
export async function processJarmResponse(
  input: AuthorizationResponseInput,
  options: JarmResponseOptions,
): Promise<AuthorizationResponse> {
  if (options === null || typeof options !== 'object') {
    throw new TypeError('processJarmResponse needs options with expectedState and clientId')
  }
  const { clientId, expectedState } = options
  if (typeof expectedState !== 'string' || expectedState.length === 0) {
    throw new TypeError('expectedState is required: the state sent with the authorization request')
  }
  if (typeof clientId !== 'string' || clientId.length === 0) {
    throw new TypeError('clientId is required: the audience of the response JWT')
  }
  const staticKey = options.key !== undefined
  const discoDocAddress = options.discoDocAddress ?? (staticKey ? undefined : options.issuer)
  if (!staticKey && discoDocAddress === undefined) {
    throw new TypeError('processJarmResponse needs discoDocAddress (or issuer), or key with issuer')
  }
  if (staticKey && options.issuer === undefined) {
    throw new TypeError('with a static key, set issuer (the provider the response must come from)')
  }
  const fapi = checkProfile(options.profile)

  const entries = responseEntries(input, options.responseMode)
  if (typeof entries === 'string') {
    return failure('invalid_response', `the JARM response field "${entries}" is not a string`)
  }
  const responses = entries.filter(([name]) => name === 'response')
  if (responses.length !== 1) {
    return failure(
      'invalid_response',
      responses.length === 0
        ? 'the authorization response has no "response" parameter: it is not a JARM response (response_mode=jwt)'
        : 'the authorization response repeats the "response" parameter',
    )
  }
  const jwt = responses[0]![1]

  let claims: Claims
  try {
    const header = decodeJws(jwt).header
    checkTyp(header, { reject: OTHER_JWT_TYPES }, 'JARM response')
    claims = await validateProviderJwt(
      jwt,
      header,
      {
        performDisco: !staticKey,
        key: options.key,
        issuer: staticKey ? options.issuer : undefined,
        audience: clientId,
        algorithms: options.algorithms ?? (fapi ? FAPI2_SIGNING_ALGORITHMS : undefined),
        leeway: options.leeway,
        currentDate: options.currentDate,
        policy: options.policy,
        cache: options.cache,
        fetch: options.fetch,
        timeoutMs: options.timeoutMs,
        // JARM §2.1: iss, aud and exp are required; iat is not.
        options: { requireExp: true, requireIat: false },
      },
      options.clientSecret,
      discoDocAddress,
      'JARM response',
    )
  } catch (error) {
    return refusal(error)
  }

  const params: Record<string, string> = Object.create(null)
  for (const [name, value] of Object.entries(claims)) {
    if (JWT_ONLY_CLAIMS.has(name)) continue
    if (typeof value === 'string') params[name] = value
    else if (typeof value === 'number') params[name] = String(value)
  }
  // The JWT's iss was verified against the provider; the parameter checks reuse it so that
  // state, error and code are checked exactly as for a plain response.
  return parseAuthorizationResponse(params, {
    expectedState,
    expectedIssuer: claims.iss as string,
    requireIssuer: true,
  })
}

/** A failed verification as a result: the JWT's fault is `policy`; the provider's, its failure. */
function refusal(error: unknown): RequestFailure {
  if (error instanceof TokenValidationError || error instanceof ConfigurationError) {
    return failure('policy', `the JARM response JWT is not acceptable: ${error.message}`, {
      cause: error,
    })
  }
  if (error instanceof ProviderUnavailableError) {
    return isFailure(error.cause)
      ? error.cause
      : failure('network', error.message, { cause: error })
  }
  throw error
}
