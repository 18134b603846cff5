/**
 * OAuth 2.0 Protected Resource Metadata (RFC 9728): the document that tells clients which
 * authorization servers this API trusts and how to send it tokens, and where it is served.
 */
import { parseHttpUrl } from '../internal/url.js'
import type { BearerMethod } from './extract.js'

/** The well-known suffix of RFC 9728 §3. */
export const PROTECTED_RESOURCE_WELL_KNOWN = '/.well-known/oauth-protected-resource'

/** What the metadata says (camelCase of the RFC 9728 §2 names). */
export interface ProtectedResourceMetadataInit {
  /** The resource identifier: an `https` URL (http only on loopback), no fragment. */
  resource: string
  /** Issuers of the authorization servers whose tokens this API accepts. */
  authorizationServers?: readonly string[] | undefined
  /** The scopes this API understands. */
  scopesSupported?: readonly string[] | undefined
  /** How clients may send tokens (default `['header']`). */
  bearerMethodsSupported?: readonly BearerMethod[] | undefined
  /** A human-readable name. */
  resourceName?: string | undefined
  /** A page documenting the API for developers. */
  resourceDocumentation?: string | undefined
  /** The API's policy and terms-of-service pages. */
  resourcePolicyUri?: string | undefined
  resourceTosUri?: string | undefined
  /** Other members, under their wire names (for example `dpop_signing_alg_values_supported`). */
  extra?: Readonly<Record<string, unknown>> | undefined
}

/** A metadata document ready to serve. */
export interface ProtectedResourceMetadata {
  /** Where the document is served: the `resource_metadata` URL of challenges (RFC 9728 §5.1). */
  readonly url: string
  /** The path part of `url`, to mount the route on. */
  readonly path: string
  /** The document. */
  readonly document: Readonly<Record<string, unknown>>
  /** The document serialized once, for responses. */
  readonly json: string
}

/**
 * Builds the protected-resource metadata and its well-known URL: the RFC 9728 §3.1 suffix is
 * inserted between the host and the path of the resource identifier
 * (`https://api.example.com/v1` → `https://api.example.com/.well-known/oauth-protected-resource/v1`).
 * Pass the result as the middleware's `resourceMetadata` so every challenge points to it, and
 * serve it with the adapter's `serveProtectedResourceMetadata`.
 *
 * @example
 * ```ts
 * const metadata = protectedResourceMetadata({
 *   resource: 'https://api.example.com',
 *   authorizationServers: ['https://id.example.com'],
 *   scopesSupported: ['orders:read'],
 * })
 * metadata.path // '/.well-known/oauth-protected-resource'
 * ```
 * @see RFC 9728 §2, §3
 * @throws TypeError when `resource` is not an absolute http(s) URL or has a fragment.
 */
export function protectedResourceMetadata(
  init: ProtectedResourceMetadataInit,
): ProtectedResourceMetadata {
  if (init === null || typeof init !== 'object') {
    throw new TypeError('protectedResourceMetadata needs { resource, ... }')
  }
  const resource = parseHttpUrl(init.resource, 'resource')
  if (resource.hash !== '' || init.resource.includes('#')) {
    throw new TypeError('resource must not have a fragment (RFC 9728 §1.2)')
  }
  const suffix = resource.pathname === '/' ? '' : resource.pathname.replace(/\/$/, '')
  const path = `${PROTECTED_RESOURCE_WELL_KNOWN}${suffix}`
  const document: Record<string, unknown> = { resource: init.resource }
  const optional: [string, unknown][] = [
    ['authorization_servers', init.authorizationServers],
    ['scopes_supported', init.scopesSupported],
    ['bearer_methods_supported', init.bearerMethodsSupported ?? ['header']],
    ['resource_name', init.resourceName],
    ['resource_documentation', init.resourceDocumentation],
    ['resource_policy_uri', init.resourcePolicyUri],
    ['resource_tos_uri', init.resourceTosUri],
  ]
  for (const [name, value] of optional) {
    if (value !== undefined) document[name] = Array.isArray(value) ? [...value] : value
  }
  if (init.extra !== undefined) {
    for (const [name, value] of Object.entries(init.extra)) {
      if (name === 'resource') throw new TypeError('extra must not override "resource"')
      document[name] = value
    }
  }
  return Object.freeze({
    url: `${resource.origin}${path}`,
    path,
    document: Object.freeze(document),
    json: JSON.stringify(document),
  })
}

/** The response headers of the metadata document (cacheable for an hour). */
export const PROTECTED_RESOURCE_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'content-type': 'application/json',
  'cache-control': 'public, max-age=3600',
})
