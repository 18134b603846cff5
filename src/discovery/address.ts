/** Where to fetch discovery from, and which issuer values the answer may carry. */
import { parseHttpUrl } from '../internal/url.js'

export const WELL_KNOWN_OPENID = '/.well-known/openid-configuration'
/** RFC 8414 §3: OAuth 2.0 authorization server metadata. */
export const WELL_KNOWN_OAUTH = '/.well-known/oauth-authorization-server'
const WELL_KNOWN_PREFIX = '/.well-known/'

export interface DiscoveryTarget {
  /** The URL of the document. */
  readonly url: string
  /** The issuer values OpenID Connect Discovery §4.3 allows for this address. */
  readonly expectedIssuers: readonly string[]
  /** Which kind of metadata the URL serves: OpenID Connect Discovery, or RFC 8414 OAuth. */
  readonly kind: 'openid' | 'oauth'
  /**
   * For an issuer address: the RFC 8414 document to try when the OpenID one is absent (404),
   * for the same issuer, exactly.
   */
  readonly fallback?: DiscoveryTarget
}

/**
 * Accepts an issuer (`https://id.example.com/tenant`) or the full well-known URL. For an issuer,
 * the only acceptable `issuer` is that string, exactly. For a well-known URL the issuer is the
 * prefix before `/.well-known/...`; since §4.1 drops an issuer's terminating `/` before appending
 * the suffix, both the prefix and the prefix with `/` are acceptable.
 *
 * @throws TypeError when the address is missing or not an absolute http(s) URL.
 */
export function resolveDiscoveryTarget(address: unknown): DiscoveryTarget {
  const url = parseHttpUrl(address, 'address')
  const value = address as string
  const wellKnownAt = url.pathname.indexOf(WELL_KNOWN_PREFIX)
  if (wellKnownAt !== -1) {
    const prefix = `${url.origin}${url.pathname.slice(0, wellKnownAt)}`
    // RFC 8414 §3.1 inserts the well-known segment before the issuer's path:
    // https://host/.well-known/oauth-authorization-server/tenant is issuer https://host/tenant.
    const rest = url.pathname.slice(wellKnownAt + WELL_KNOWN_PREFIX.length)
    const kind = rest.startsWith(WELL_KNOWN_OAUTH.slice(WELL_KNOWN_PREFIX.length))
      ? 'oauth'
      : 'openid'
    const inserted = rest.indexOf('/')
    if (inserted !== -1) {
      return { url: url.href, expectedIssuers: [`${prefix}${rest.slice(inserted)}`], kind }
    }
    return { url: url.href, expectedIssuers: [prefix, `${prefix}/`], kind }
  }
  const base = value.endsWith('/') ? value.slice(0, -1) : value
  // RFC 8414 §3.1 inserts the well-known segment between the host and the issuer's path.
  const path = url.pathname === '/' ? '' : url.pathname.replace(/\/$/, '')
  return {
    url: `${base}${WELL_KNOWN_OPENID}`,
    expectedIssuers: [value],
    kind: 'openid',
    fallback: {
      url: `${url.origin}${WELL_KNOWN_OAUTH}${path}`,
      expectedIssuers: [value],
      kind: 'oauth',
    },
  }
}
