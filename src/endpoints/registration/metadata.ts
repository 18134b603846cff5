/**
 * Client metadata (RFC 7591 §2, OpenID Connect Dynamic Client Registration §2) and the client
 * information response (RFC 7591 §3.2.1, RFC 7592 §3), with their wire names.
 */
import type { JsonWebKeySet } from '../../jwks/key-set.js'

/**
 * What a client registers: the RFC 7591 §2 members (and the common OpenID Connect ones) typed,
 * with their wire names; any other member is sent as given.
 *
 * @example
 * ```ts
 * const metadata: ClientMetadata = { client_name: 'cli', redirect_uris: ['http://127.0.0.1/cb'], token_endpoint_auth_method: 'none' }
 * ```
 * @see RFC 7591 §2, OpenID Connect Dynamic Client Registration 1.0 §2
 */
export interface ClientMetadata {
  readonly redirect_uris?: readonly string[]
  /** `client_secret_basic`, `client_secret_post`, `client_secret_jwt`, `private_key_jwt`, `none` ... */
  readonly token_endpoint_auth_method?: string
  readonly grant_types?: readonly string[]
  readonly response_types?: readonly string[]
  readonly client_name?: string
  readonly client_uri?: string
  readonly logo_uri?: string
  /** Space-delimited scopes the client may ask for. */
  readonly scope?: string
  readonly contacts?: readonly string[]
  readonly tos_uri?: string
  readonly policy_uri?: string
  readonly jwks_uri?: string
  /** The client's public keys (for `private_key_jwt`); never private ones. */
  readonly jwks?: JsonWebKeySet
  readonly software_id?: string
  readonly software_version?: string
  /** A signed JWT asserting metadata about the software (RFC 7591 §2.3). */
  readonly software_statement?: string
  /** OpenID Connect: `web` (default) or `native`. */
  readonly application_type?: string
  readonly post_logout_redirect_uris?: readonly string[]
  readonly token_endpoint_auth_signing_alg?: string
  readonly id_token_signed_response_alg?: string
  readonly default_max_age?: number
  readonly require_auth_time?: boolean
  readonly backchannel_logout_uri?: string
  readonly backchannel_logout_session_required?: boolean
  readonly [member: string]: unknown
}

/**
 * A registered client as the server describes it: its metadata plus the client information.
 *
 * @example
 * ```ts
 * if (registered.isSuccessful) console.log(registered.metadata.client_id, registered.metadata.redirect_uris)
 * ```
 * @see RFC 7591 §3.2.1, RFC 7592 §3
 */
export interface RegisteredClientMetadata extends ClientMetadata {
  readonly client_id: string
  readonly client_secret?: string
  /** Seconds since the epoch. */
  readonly client_id_issued_at?: number
  /** Seconds since the epoch; `0` means the secret does not expire. */
  readonly client_secret_expires_at?: number
  /** The bearer token for reading, updating and deleting this registration (RFC 7592). */
  readonly registration_access_token?: string
  /** Where this registration is read, updated and deleted (RFC 7592). */
  readonly registration_client_uri?: string
}

type Check = (value: unknown) => boolean
const isString: Check = (value) => typeof value === 'string'
const isNumber: Check = (value) => typeof value === 'number' && Number.isFinite(value)
const isBoolean: Check = (value) => typeof value === 'boolean'
const isStrings: Check = (value) => Array.isArray(value) && value.every(isString)
const isObject: Check = (value) =>
  value !== null && typeof value === 'object' && !Array.isArray(value)

/** The typed members and their wire types. */
export const MEMBER_TYPES: Readonly<Record<string, Check>> = {
  client_id: isString,
  client_secret: isString,
  client_id_issued_at: isNumber,
  client_secret_expires_at: isNumber,
  registration_access_token: isString,
  registration_client_uri: isString,
  redirect_uris: isStrings,
  token_endpoint_auth_method: isString,
  grant_types: isStrings,
  response_types: isStrings,
  client_name: isString,
  client_uri: isString,
  logo_uri: isString,
  scope: isString,
  contacts: isStrings,
  tos_uri: isString,
  policy_uri: isString,
  jwks_uri: isString,
  jwks: isObject,
  software_id: isString,
  software_version: isString,
  software_statement: isString,
  application_type: isString,
  post_logout_redirect_uris: isStrings,
  token_endpoint_auth_signing_alg: isString,
  id_token_signed_response_alg: isString,
  default_max_age: isNumber,
  require_auth_time: isBoolean,
  backchannel_logout_uri: isString,
  backchannel_logout_session_required: isBoolean,
}

const camel = (name: string): string => name.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase())
const CAMEL_NAMES = new Map(
  Object.keys(MEMBER_TYPES)
    .filter((name) => name.includes('_'))
    .map((name) => [camel(name), name]),
)

/**
 * Checks the metadata a caller wants to send.
 *
 * @throws TypeError when it is not an object, or uses a camelCase spelling of a wire name
 * (`redirectUris`): the server would ignore it silently.
 */
export function checkOutgoingMetadata(metadata: unknown): Readonly<Record<string, unknown>> {
  if (!isObject(metadata)) throw new TypeError('metadata must be an object of client metadata')
  for (const name of Object.keys(metadata as object)) {
    const wire = CAMEL_NAMES.get(name)
    if (wire) throw new TypeError(`metadata uses wire names: "${wire}", not "${name}"`)
  }
  return metadata as Readonly<Record<string, unknown>>
}

/** The name of the first typed member with the wrong type, if any. */
export function wronglyTypedMember(json: Readonly<Record<string, unknown>>): string | undefined {
  return Object.keys(MEMBER_TYPES).find(
    (name) => json[name] !== undefined && !MEMBER_TYPES[name]!(json[name]),
  )
}
