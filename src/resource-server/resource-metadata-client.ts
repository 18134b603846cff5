/**
 * OAuth 2.0 Protected Resource Metadata as a client reads it (RFC 9728 §3): which authorization
 * servers an API trusts, which scopes it knows, how it takes tokens. The server side is
 * `protectedResourceMetadata` (resource-server/metadata.ts); the field names are the same.
 */
import { checkScheme, type DiscoveryPolicy, resolvePolicy } from '../discovery/policy.js'
import { errorResponseFailure, isFailure, type JsonObject, readJsonObject } from '../http/json.js'
import type { NetworkOptions } from '../http/options.js'
import { failure, type NoFailure, type RequestFailure } from '../http/result.js'
import { send } from '../http/send.js'
import { parseHttpUrl } from '../internal/url.js'
import type { BearerMethod } from './extract.js'
import { PROTECTED_RESOURCE_WELL_KNOWN, type ProtectedResourceMetadataInit } from './metadata.js'

/** What {@link getProtectedResourceMetadata} takes. */
export interface ProtectedResourceMetadataRequestInit extends NetworkOptions {
  /**
   * The resource identifier (the API's URL, `https://api.example.com/v1`): the document is
   * fetched from its well-known URL, and its `resource` must equal this exactly.
   */
  resource?: string | undefined
  /**
   * The metadata URL, when a `WWW-Authenticate` challenge named one (`resource_metadata`,
   * RFC 9728 §5.1); `resource` is still the URL you called and is still checked.
   */
  address?: string | undefined
  /** HTTPS required except on loopback (the discovery policy's `requireHttps` rules). */
  policy?: Pick<DiscoveryPolicy, 'requireHttps' | 'allowHttpOnLoopback'> | undefined
}

/** The metadata, camelCase as `protectedResourceMetadata` takes it, plus the raw document. */
export type ProtectedResourceMetadataDocument = Readonly<
  Omit<ProtectedResourceMetadataInit, 'extra' | 'bearerMethodsSupported'>
> & {
  readonly bearerMethodsSupported?: readonly BearerMethod[]
  /** Signed metadata (RFC 9728 §2.2) is kept here unverified; rely on the plain members. */
  readonly raw: Readonly<JsonObject>
}

/** The result of {@link getProtectedResourceMetadata}. */
export type ProtectedResourceMetadataResponse =
  | ({
      readonly isSuccessful: true
      readonly httpStatus: number
    } & ProtectedResourceMetadataDocument &
      NoFailure)
  | (RequestFailure & { readonly resource?: undefined })

const STRING_FIELDS: Readonly<Record<string, string>> = {
  resource_name: 'resourceName',
  resource_documentation: 'resourceDocumentation',
  resource_policy_uri: 'resourcePolicyUri',
  resource_tos_uri: 'resourceTosUri',
}
const LIST_FIELDS: Readonly<Record<string, string>> = {
  authorization_servers: 'authorizationServers',
  scopes_supported: 'scopesSupported',
  bearer_methods_supported: 'bearerMethodsSupported',
}

/**
 * The well-known URL of a resource's metadata: RFC 9728 §3.1 inserts the suffix between the
 * host and the path (`https://api.example.com/v1` →
 * `https://api.example.com/.well-known/oauth-protected-resource/v1`).
 */
export function protectedResourceMetadataUrl(resource: string): string {
  const url = parseHttpUrl(resource, 'resource')
  const path = url.pathname === '/' ? '' : url.pathname.replace(/\/$/, '')
  return `${url.origin}${PROTECTED_RESOURCE_WELL_KNOWN}${path}`
}

/**
 * Fetches an API's protected resource metadata and checks that it describes that API: its
 * `resource` must equal the one asked for, exactly (RFC 9728 §3.3, which stops one API from
 * speaking for another). Use `authorizationServers` to pick where to get a token.
 *
 * @example
 * ```ts
 * const metadata = await getProtectedResourceMetadata({ resource: 'https://api.example.com' })
 * if (metadata.isSuccessful) console.log(metadata.authorizationServers, metadata.scopesSupported)
 * ```
 * @see RFC 9728 §3, §3.3, §5.1
 * @throws TypeError when `resource` is missing or not an absolute http(s) URL.
 */
export async function getProtectedResourceMetadata(
  request: ProtectedResourceMetadataRequestInit,
): Promise<ProtectedResourceMetadataResponse> {
  const resource = request.resource
  parseHttpUrl(resource, 'resource')
  const url = new URL(request.address ?? protectedResourceMetadataUrl(resource as string))
  const insecure = checkScheme(
    url,
    resolvePolicy(request.policy),
    'the protected resource metadata URL',
  )
  if (insecure) return insecure
  const response = await send({ url, method: 'GET' }, request)
  if (isFailure(response)) return response
  return processProtectedResourceMetadataResponse(response, resource as string)
}

/**
 * The process step: a metadata response to its result. `resource` must equal `expectedResource`
 * (`policy` failure otherwise); list members must be lists of strings, the others strings
 * (`invalid_response` otherwise).
 *
 * @see RFC 9728 §2, §3.2, §3.3
 */
export async function processProtectedResourceMetadataResponse(
  response: Response,
  expectedResource: string,
): Promise<ProtectedResourceMetadataResponse> {
  if (response.status !== 200) {
    return errorResponseFailure(response, 'the protected resource metadata endpoint')
  }
  const json = await readJsonObject(response, 'the protected resource metadata')
  if (isFailure(json)) return json
  const invalid = (why: string): RequestFailure =>
    failure('invalid_response', `the protected resource metadata ${why}`, { httpStatus: 200 })
  if (typeof json.resource !== 'string') return invalid('has no "resource"')
  if (json.resource !== expectedResource) {
    return failure(
      'policy',
      `the protected resource metadata is for ${json.resource}, not ${expectedResource} (RFC 9728 §3.3): do not use it`,
      { httpStatus: 200 },
    )
  }
  const document: Record<string, unknown> = { resource: json.resource, raw: json }
  for (const [name, field] of Object.entries(STRING_FIELDS)) {
    const value = json[name]
    if (value === undefined) continue
    if (typeof value !== 'string') return invalid(`has a "${name}" that is not a string`)
    document[field] = value
  }
  for (const [name, field] of Object.entries(LIST_FIELDS)) {
    const value = json[name]
    if (value === undefined) continue
    if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) {
      return invalid(`has a "${name}" that is not a list of strings`)
    }
    document[field] = Object.freeze([...value])
  }
  return Object.freeze({
    isSuccessful: true as const,
    httpStatus: 200,
    ...(document as ProtectedResourceMetadataDocument),
  })
}
