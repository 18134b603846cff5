/**
 * The discovery document (OpenID Connect Discovery 1.0 §3, RFC 8414 §2) as a typed object:
 * camelCase fields for the registered metadata, and the whole document in `raw`.
 */
import type { JsonObject } from '../http/json.js'
import { failure, type RequestFailure } from '../http/result.js'

/** Provider metadata with camelCase names; anything not listed stays reachable in `raw`. */
export interface DiscoveryDocument {
  readonly issuer: string
  readonly authorizationEndpoint?: string
  readonly tokenEndpoint?: string
  readonly userinfoEndpoint?: string
  readonly jwksUri?: string
  readonly registrationEndpoint?: string
  readonly introspectionEndpoint?: string
  readonly revocationEndpoint?: string
  readonly endSessionEndpoint?: string
  readonly deviceAuthorizationEndpoint?: string
  readonly pushedAuthorizationRequestEndpoint?: string
  readonly backchannelAuthenticationEndpoint?: string
  readonly checkSessionIframe?: string
  readonly scopesSupported?: readonly string[]
  readonly responseTypesSupported?: readonly string[]
  readonly responseModesSupported?: readonly string[]
  readonly grantTypesSupported?: readonly string[]
  readonly acrValuesSupported?: readonly string[]
  readonly subjectTypesSupported?: readonly string[]
  readonly idTokenSigningAlgValuesSupported?: readonly string[]
  readonly idTokenEncryptionAlgValuesSupported?: readonly string[]
  readonly idTokenEncryptionEncValuesSupported?: readonly string[]
  readonly userinfoSigningAlgValuesSupported?: readonly string[]
  readonly requestObjectSigningAlgValuesSupported?: readonly string[]
  readonly tokenEndpointAuthMethodsSupported?: readonly string[]
  readonly tokenEndpointAuthSigningAlgValuesSupported?: readonly string[]
  readonly introspectionEndpointAuthMethodsSupported?: readonly string[]
  readonly revocationEndpointAuthMethodsSupported?: readonly string[]
  readonly codeChallengeMethodsSupported?: readonly string[]
  readonly claimsSupported?: readonly string[]
  readonly claimTypesSupported?: readonly string[]
  readonly displayValuesSupported?: readonly string[]
  readonly uiLocalesSupported?: readonly string[]
  readonly claimsLocalesSupported?: readonly string[]
  readonly dpopSigningAlgValuesSupported?: readonly string[]
  /** CIBA: `poll`, `ping`, `push`. */
  readonly backchannelTokenDeliveryModesSupported?: readonly string[]
  /** RFC 9396: the `authorization_details` types the server understands. */
  readonly authorizationDetailsTypesSupported?: readonly string[]
  /** RFC 9701: algorithms of signed introspection responses. */
  readonly introspectionSigningAlgValuesSupported?: readonly string[]
  readonly userinfoEncryptionAlgValuesSupported?: readonly string[]
  readonly userinfoEncryptionEncValuesSupported?: readonly string[]
  readonly claimsParameterSupported?: boolean
  readonly requestParameterSupported?: boolean
  readonly requestUriParameterSupported?: boolean
  readonly requirePushedAuthorizationRequests?: boolean
  readonly authorizationResponseIssParameterSupported?: boolean
  readonly backchannelLogoutSupported?: boolean
  readonly backchannelLogoutSessionSupported?: boolean
  readonly frontchannelLogoutSupported?: boolean
  readonly tlsClientCertificateBoundAccessTokens?: boolean
  readonly mtlsEndpointAliases?: Readonly<Record<string, string>>
  /** The whole document as received, unknown members included. */
  readonly raw: Readonly<JsonObject>
}

type Kind = 'url' | 'strings' | 'boolean' | 'aliases'

/** Registered metadata we type, by wire name. Endpoint URLs are policy-checked. */
const FIELDS: Readonly<Record<string, Kind>> = {
  authorization_endpoint: 'url',
  token_endpoint: 'url',
  userinfo_endpoint: 'url',
  jwks_uri: 'url',
  registration_endpoint: 'url',
  introspection_endpoint: 'url',
  revocation_endpoint: 'url',
  end_session_endpoint: 'url',
  device_authorization_endpoint: 'url',
  pushed_authorization_request_endpoint: 'url',
  backchannel_authentication_endpoint: 'url',
  check_session_iframe: 'url',
  scopes_supported: 'strings',
  response_types_supported: 'strings',
  response_modes_supported: 'strings',
  grant_types_supported: 'strings',
  acr_values_supported: 'strings',
  subject_types_supported: 'strings',
  id_token_signing_alg_values_supported: 'strings',
  id_token_encryption_alg_values_supported: 'strings',
  id_token_encryption_enc_values_supported: 'strings',
  userinfo_signing_alg_values_supported: 'strings',
  request_object_signing_alg_values_supported: 'strings',
  token_endpoint_auth_methods_supported: 'strings',
  token_endpoint_auth_signing_alg_values_supported: 'strings',
  introspection_endpoint_auth_methods_supported: 'strings',
  revocation_endpoint_auth_methods_supported: 'strings',
  code_challenge_methods_supported: 'strings',
  claims_supported: 'strings',
  claim_types_supported: 'strings',
  display_values_supported: 'strings',
  ui_locales_supported: 'strings',
  claims_locales_supported: 'strings',
  dpop_signing_alg_values_supported: 'strings',
  backchannel_token_delivery_modes_supported: 'strings',
  authorization_details_types_supported: 'strings',
  introspection_signing_alg_values_supported: 'strings',
  userinfo_encryption_alg_values_supported: 'strings',
  userinfo_encryption_enc_values_supported: 'strings',
  claims_parameter_supported: 'boolean',
  request_parameter_supported: 'boolean',
  request_uri_parameter_supported: 'boolean',
  require_pushed_authorization_requests: 'boolean',
  authorization_response_iss_parameter_supported: 'boolean',
  backchannel_logout_supported: 'boolean',
  backchannel_logout_session_supported: 'boolean',
  frontchannel_logout_supported: 'boolean',
  tls_client_certificate_bound_access_tokens: 'boolean',
  mtls_endpoint_aliases: 'aliases',
}

/** The metadata OpenID Connect Discovery 1.0 §3 requires. */
export const OPENID_REQUIRED_METADATA: readonly string[] = [
  'issuer',
  'authorization_endpoint',
  'token_endpoint',
  'jwks_uri',
  'response_types_supported',
  'subject_types_supported',
  'id_token_signing_alg_values_supported',
]

/** The metadata RFC 8414 §2 requires of an OAuth 2.0 authorization server. */
export const OAUTH_REQUIRED_METADATA: readonly string[] = ['issuer', 'response_types_supported']

/** Every endpoint-URL member name, for the policy checks. */
export const ENDPOINT_FIELDS: readonly string[] = Object.keys(FIELDS).filter(
  (name) => FIELDS[name] === 'url',
)

/**
 * Builds the typed document, or an `invalid_response` failure naming every missing or mistyped
 * required member. Optional members of the wrong type are left out of the typed view (they stay
 * in `raw`) rather than failing the whole document.
 */
export function parseDiscoveryDocument(
  json: JsonObject,
  requiredMetadata: readonly string[],
): DiscoveryDocument | RequestFailure {
  const missing = requiredMetadata.filter((name) => json[name] === undefined || json[name] === null)
  if (missing.length > 0) {
    return failure(
      'invalid_response',
      `discovery document is missing required metadata: ${missing.join(', ')}`,
    )
  }
  if (typeof json.issuer !== 'string' || json.issuer.length === 0) {
    return failure('invalid_response', 'discovery document: issuer must be a non-empty string')
  }
  if (!URL.canParse(json.issuer)) {
    return failure('invalid_response', 'discovery document: issuer must be an absolute URL')
  }
  const document: Record<string, unknown> = { issuer: json.issuer, raw: json }
  const mistyped: string[] = []
  for (const [name, kind] of Object.entries(FIELDS)) {
    const value = json[name]
    if (value === undefined || value === null) continue
    if (hasKind(value, kind)) document[camelCase(name)] = value
    else if (requiredMetadata.includes(name) || kind === 'url') mistyped.push(name)
  }
  if (mistyped.length > 0) {
    return failure(
      'invalid_response',
      `discovery document has members of the wrong type: ${mistyped.join(', ')}`,
    )
  }
  return document as unknown as DiscoveryDocument
}

function hasKind(value: unknown, kind: Kind): boolean {
  switch (kind) {
    case 'url':
      return typeof value === 'string' && URL.canParse(value)
    case 'strings':
      return Array.isArray(value) && value.every((item) => typeof item === 'string')
    case 'boolean':
      return typeof value === 'boolean'
    case 'aliases':
      return (
        typeof value === 'object' &&
        !Array.isArray(value) &&
        Object.values(value as object).every((item) => typeof item === 'string')
      )
  }
}

function camelCase(name: string): string {
  return name.replace(/_([a-z])/g, (_, letter: string) => letter.toUpperCase())
}
