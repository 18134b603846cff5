/**
 * The FAPI 2.0 Security Profile in one place: what it demands of a provider, a client and an
 * authorization request (the checks behind `validateFapi*` and behind the `profile: 'fapi2'`
 * option of every function that takes it), with a reason for each violation.
 *
 * @see FAPI 2.0 Security Profile (final), §5.2.2 (authorization server), §5.3.2 (client),
 *   §5.4 (cryptography)
 */
import { type ClientCredentials, defaultMethod } from '../client-auth/methods.js'
import { ConfigurationError } from '../errors.js'

/**
 * A security profile the library enforces when asked: `'fapi2'` is the FAPI 2.0 Security
 * Profile (PAR, PKCE S256, `iss` in the authorization response, sender-constrained tokens by
 * DPoP or mTLS, PS256/ES256/EdDSA only, no `client_secret_*` client authentication).
 */
export type SecurityProfile = 'fapi2'

/** The JWS algorithms FAPI 2.0 allows (§5.4.1): PS256, ES256 and EdDSA (Ed25519). */
export const FAPI2_SIGNING_ALGORITHMS: readonly string[] = Object.freeze([
  'PS256',
  'ES256',
  'EdDSA',
])

/** The client authentication methods FAPI 2.0 allows (§5.3.2.1). */
export const FAPI2_CLIENT_AUTH_METHODS: readonly string[] = Object.freeze([
  'private_key_jwt',
  'tls_client_auth',
  'self_signed_tls_client_auth',
])

/** The outcome of a `validateFapi*` check: compliant when there are no violations. */
export interface FapiValidationResult {
  readonly isCompliant: boolean
  /** One sentence per requirement that is not met, saying what to change. */
  readonly violations: readonly string[]
}

function result(violations: string[]): FapiValidationResult {
  return { isCompliant: violations.length === 0, violations: Object.freeze(violations) }
}

/** The provider metadata {@link validateFapiDiscovery} reads (a discovery result fits). */
export interface FapiDiscoveryInput {
  readonly isSuccessful?: boolean | undefined
  readonly pushedAuthorizationRequestEndpoint?: string | undefined
  readonly grantTypesSupported?: readonly string[] | undefined
  readonly responseTypesSupported?: readonly string[] | undefined
  readonly tokenEndpointAuthMethodsSupported?: readonly string[] | undefined
  readonly idTokenSigningAlgValuesSupported?: readonly string[] | undefined
  readonly codeChallengeMethodsSupported?: readonly string[] | undefined
  readonly authorizationResponseIssParameterSupported?: boolean | undefined
  readonly dpopSigningAlgValuesSupported?: readonly string[] | undefined
  readonly tlsClientCertificateBoundAccessTokens?: boolean | undefined
}

/**
 * Does the provider's discovery document advertise what FAPI 2.0 needs? A PAR endpoint, the
 * code flow, a FAPI client authentication method, a FAPI signing algorithm, PKCE S256, `iss` in
 * authorization responses (RFC 9207), and a way to sender-constrain tokens (DPoP or mTLS).
 * Absent metadata counts with its registered default (RFC 8414 §2, OpenID Connect Discovery §3).
 *
 * @example
 * ```ts
 * const disco = await getDiscoveryDocument({ address: issuer })
 * const check = validateFapiDiscovery(disco)
 * if (!check.isCompliant) console.log(check.violations.join('\n'))
 * ```
 * @see FAPI 2.0 Security Profile §5.2.2
 */
export function validateFapiDiscovery(discovery: FapiDiscoveryInput): FapiValidationResult {
  if (discovery === null || typeof discovery !== 'object') {
    throw new TypeError('validateFapiDiscovery needs a discovery document')
  }
  if (discovery.isSuccessful === false) {
    return result(['the discovery document could not be fetched'])
  }
  const violations: string[] = []
  if (discovery.pushedAuthorizationRequestEndpoint === undefined) {
    violations.push(
      'the provider has no pushed_authorization_request_endpoint: FAPI 2.0 requires PAR (RFC 9126)',
    )
  }
  const grants = discovery.grantTypesSupported
  if (grants !== undefined && !grants.includes('authorization_code')) {
    violations.push('grant_types_supported lacks authorization_code')
  }
  const responseTypes = discovery.responseTypesSupported
  if (responseTypes !== undefined && !responseTypes.includes('code')) {
    violations.push('response_types_supported lacks "code": FAPI 2.0 uses the code flow only')
  }
  const methods = discovery.tokenEndpointAuthMethodsSupported
  if (methods === undefined) {
    violations.push(
      'token_endpoint_auth_methods_supported is not advertised; its default, client_secret_basic, is not allowed by FAPI 2.0',
    )
  } else if (!methods.some((method) => FAPI2_CLIENT_AUTH_METHODS.includes(method))) {
    violations.push(
      `token_endpoint_auth_methods_supported has none of ${FAPI2_CLIENT_AUTH_METHODS.join(', ')}`,
    )
  }
  const algs = discovery.idTokenSigningAlgValuesSupported
  if (algs === undefined) {
    violations.push(
      'id_token_signing_alg_values_supported is not advertised; its default, RS256, is not allowed by FAPI 2.0',
    )
  } else if (!algs.some((alg) => FAPI2_SIGNING_ALGORITHMS.includes(alg))) {
    violations.push(
      `id_token_signing_alg_values_supported has none of ${FAPI2_SIGNING_ALGORITHMS.join(', ')}`,
    )
  }
  const pkce = discovery.codeChallengeMethodsSupported
  if (pkce !== undefined && !pkce.includes('S256')) {
    violations.push('code_challenge_methods_supported lacks S256')
  }
  if (discovery.authorizationResponseIssParameterSupported !== true) {
    violations.push(
      'authorization_response_iss_parameter_supported is not true: FAPI 2.0 requires iss in the authorization response (RFC 9207)',
    )
  }
  if (
    discovery.dpopSigningAlgValuesSupported === undefined &&
    discovery.tlsClientCertificateBoundAccessTokens !== true
  ) {
    violations.push(
      'the provider advertises neither DPoP (dpop_signing_alg_values_supported) nor certificate-bound tokens (tls_client_certificate_bound_access_tokens): FAPI 2.0 requires sender-constrained tokens',
    )
  }
  return result(violations)
}

/** What {@link validateFapiClientConfig} checks. */
export interface FapiClientConfigInput {
  /** The token endpoint authentication method; `undefined` or `'none'`: a public client. */
  readonly authMethod?: string | undefined
  /** Tokens are bound to a DPoP key (a `dpop` handle is used). */
  readonly useDpop?: boolean | undefined
  /** Tokens are bound to the client's TLS certificate (mutual TLS). */
  readonly useMtls?: boolean | undefined
  /** The JWS algorithm the client signs with (client assertions, request objects), if any. */
  readonly algorithm?: string | undefined
}

/**
 * Does a client configuration meet FAPI 2.0? A confidential client authenticating with
 * `private_key_jwt`, `tls_client_auth` or `self_signed_tls_client_auth`; tokens sender-constrained
 * by DPoP or mTLS; a FAPI signing algorithm.
 *
 * @example
 * ```ts
 * validateFapiClientConfig({ authMethod: 'client_secret_basic', useDpop: false })
 * // { isCompliant: false, violations: ['client authentication "client_secret_basic" ...', ...] }
 * ```
 * @see FAPI 2.0 Security Profile §5.3.2.1, §5.3.2.2, §5.4
 */
export function validateFapiClientConfig(config: FapiClientConfigInput): FapiValidationResult {
  if (config === null || typeof config !== 'object') {
    throw new TypeError('validateFapiClientConfig needs { authMethod, useDpop?, useMtls? }')
  }
  const violations: string[] = []
  const method = config.authMethod
  if (method === undefined || method === 'none') {
    violations.push(
      'a public client cannot use FAPI 2.0: authenticate with private_key_jwt, tls_client_auth or self_signed_tls_client_auth',
    )
  } else if (!FAPI2_CLIENT_AUTH_METHODS.includes(method)) {
    violations.push(
      `client authentication "${method}" is not allowed by FAPI 2.0 (no shared secrets): use ${FAPI2_CLIENT_AUTH_METHODS.join(', ')}`,
    )
  }
  if (config.useDpop !== true && config.useMtls !== true) {
    violations.push(
      'tokens must be sender-constrained: pass a dpop handle (RFC 9449) or a tls client certificate (RFC 8705)',
    )
  }
  const alg = config.algorithm
  if (alg !== undefined && !FAPI2_SIGNING_ALGORITHMS.includes(alg)) {
    violations.push(
      `algorithm ${alg} is not allowed by FAPI 2.0: use ${FAPI2_SIGNING_ALGORITHMS.join(', ')}`,
    )
  }
  return result(violations)
}

/** What {@link validateFapiAuthorizationRequest} checks. */
export interface FapiAuthorizationRequestInput {
  readonly responseType: string
  readonly codeChallenge?: string | undefined
  readonly codeChallengeMethod?: string | undefined
  readonly redirectUri: string
  /** The request is pushed (RFC 9126). */
  readonly usePar: boolean
  /** The JWS algorithm of a request object, if one is sent. */
  readonly algorithm?: string | undefined
}

/**
 * Does an authorization request meet FAPI 2.0? `response_type=code`, a PKCE S256 challenge,
 * pushed (PAR), an `https` redirect URI, and a FAPI algorithm for a request object.
 *
 * @example
 * ```ts
 * validateFapiAuthorizationRequest({ responseType: 'code', codeChallenge, codeChallengeMethod: 'S256',
 *   redirectUri: 'https://app.example.com/cb', usePar: true }).isCompliant // true
 * ```
 * @see FAPI 2.0 Security Profile §5.3.2.2
 */
export function validateFapiAuthorizationRequest(
  request: FapiAuthorizationRequestInput,
): FapiValidationResult {
  if (request === null || typeof request !== 'object') {
    throw new TypeError('validateFapiAuthorizationRequest needs the request parameters')
  }
  const violations: string[] = []
  if (request.responseType !== 'code') {
    violations.push(`response_type must be "code", not "${String(request.responseType)}"`)
  }
  if (typeof request.codeChallenge !== 'string' || request.codeChallenge.trim() === '') {
    violations.push('a PKCE code_challenge is required')
  }
  if (request.codeChallengeMethod !== 'S256') {
    violations.push(
      request.codeChallengeMethod === undefined
        ? 'code_challenge_method is required (S256)'
        : `code_challenge_method must be S256, not "${request.codeChallengeMethod}"`,
    )
  }
  if (request.usePar !== true) {
    violations.push('the request must be pushed (PAR, RFC 9126): use pushAuthorizationRequest')
  }
  let redirect: URL | undefined
  try {
    redirect = new URL(request.redirectUri)
  } catch {
    redirect = undefined
  }
  if (redirect === undefined || redirect.protocol !== 'https:' || redirect.hostname === '') {
    violations.push('redirect_uri must be an https URL')
  }
  const alg = request.algorithm
  if (alg !== undefined && !FAPI2_SIGNING_ALGORITHMS.includes(alg)) {
    violations.push(
      `algorithm ${alg} is not allowed by FAPI 2.0: use ${FAPI2_SIGNING_ALGORITHMS.join(', ')}`,
    )
  }
  return result(violations)
}

/**
 * Checks a `profile` option: `undefined` (none) or `'fapi2'`; anything else is a caller mistake.
 *
 * @throws TypeError for an unknown profile.
 */
export function checkProfile(profile: unknown): profile is SecurityProfile {
  if (profile === undefined) return false
  if (profile === 'fapi2') return true
  throw new TypeError(`unknown profile "${String(profile)}": the supported profile is "fapi2"`)
}

/** Throws the violations of a profile check as one configuration error. */
export function assertCompliant(check: FapiValidationResult, what: string): void {
  if (check.isCompliant) return
  throw new ConfigurationError(
    `${what} does not meet the FAPI 2.0 Security Profile: ${[...new Set(check.violations)].join('; ')}`,
  )
}

/** Violations as a result (for callers that gather several checks). */
export function fapiResult(violations: string[]): FapiValidationResult {
  return result(violations)
}

/**
 * The FAPI 2.0 checks of a client about to call the provider (PAR, token endpoint): its
 * authentication method, sender-constrained tokens, its signing algorithm, and, for
 * `private_key_jwt`, the issuer as the assertion's audience (§5.3.2.1 with RFC 7523 as updated:
 * the endpoint URL is not accepted).
 *
 * @throws ConfigurationError naming every violation.
 */
export function assertFapiClient(
  credentials: ClientCredentials & { readonly dpop?: unknown },
  what: string,
): void {
  assertCompliant(result(fapiClientViolations(credentials)), what)
}

/** The FAPI 2.0 violations of a client about to call the provider (see {@link assertFapiClient}). */
export function fapiClientViolations(
  credentials: ClientCredentials & { readonly dpop?: unknown },
): string[] {
  const method = defaultMethod(credentials)
  // A function of the caller's own is not a FAPI method it can vouch for.
  const authMethod = typeof method === 'function' ? 'custom' : method
  const algorithm =
    credentials.clientAssertionAlg ??
    (authMethod === 'private_key_jwt' ? signingAlgorithmOf(credentials.privateKey) : undefined)
  const violations = [
    ...validateFapiClientConfig({
      authMethod,
      useDpop: credentials.dpop !== undefined,
      useMtls: credentials.tls?.cert !== undefined,
      algorithm,
    }).violations,
  ]
  if (authMethod === 'private_key_jwt' && credentials.clientAssertionAudience === undefined) {
    violations.push(
      "client assertions must name the provider's issuer as their audience: set clientAssertionAudience to the issuer",
    )
  }
  return violations
}

/**
 * The front-channel request without PAR cannot be FAPI 2.0.
 *
 * @throws ConfigurationError under `profile: 'fapi2'`.
 */
export function assertFapiFrontChannel(profile: unknown, what: string): void {
  if (!checkProfile(profile)) return
  throw new ConfigurationError(
    `${what} cannot meet the FAPI 2.0 Security Profile: it requires pushed authorization requests (RFC 9126); use pushAuthorizationRequest`,
  )
}

const CURVE_ALGORITHMS: Readonly<Record<string, string>> = {
  'P-256': 'ES256',
  prime256v1: 'ES256',
  'P-384': 'ES384',
  secp384r1: 'ES384',
  'P-521': 'ES512',
  secp521r1: 'ES512',
  Ed25519: 'EdDSA',
}

/**
 * The algorithm a client assertion would be signed with when none is set (what the key implies,
 * as the kernel picks it), so the profile can refuse an RSA key that would sign RS256.
 */
function signingAlgorithmOf(key: unknown): string | undefined {
  if (key === null || typeof key !== 'object') return undefined
  const k = key as {
    alg?: unknown
    kty?: unknown
    crv?: unknown
    asymmetricKeyType?: unknown
    asymmetricKeyDetails?: { namedCurve?: unknown }
    algorithm?: { name?: unknown; namedCurve?: unknown }
  }
  if (typeof k.alg === 'string') return k.alg
  if (k.kty === 'RSA') return 'RS256'
  if (typeof k.crv === 'string') return CURVE_ALGORITHMS[k.crv]
  switch (k.asymmetricKeyType ?? k.algorithm?.name) {
    case 'rsa':
    case 'RSASSA-PKCS1-v1_5':
      return 'RS256'
    case 'rsa-pss':
    case 'RSA-PSS':
      return 'PS256'
    case 'ed25519':
    case 'Ed25519':
      return 'EdDSA'
    case 'ec':
    case 'ECDSA': {
      const curve = k.asymmetricKeyDetails?.namedCurve ?? k.algorithm?.namedCurve
      return typeof curve === 'string' ? CURVE_ALGORITHMS[curve] : undefined
    }
    default:
      return undefined
  }
}
