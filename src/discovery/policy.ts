/**
 * The security policy applied to a discovery document. Every opt-out is a named flag that stands
 * out in review; the defaults are the safe ones.
 */
import { failure, type RequestFailure } from '../http/result.js'
import { isLoopback } from '../internal/url.js'
import { type DiscoveryDocument, ENDPOINT_FIELDS, OPENID_REQUIRED_METADATA } from './document.js'

/**
 * Discovery policy (all members optional; the defaults are shown).
 *
 * @see OpenID Connect Discovery 1.0 §4.3 (the issuer must match), §3 (required metadata)
 */
export interface DiscoveryPolicy {
  /**
   * Refuse plain-HTTP URLs (default `true`).
   * @remarks **Risk when `false`:** metadata and keys can be altered in transit; tokens signed
   * by an attacker then validate. Only for closed test networks.
   */
  readonly requireHttps?: boolean
  /** Allow plain HTTP to 127.0.0.0/8, ::1 and `localhost` even when HTTPS is required (default `true`). */
  readonly allowHttpOnLoopback?: boolean
  /**
   * Require the document's `issuer` to equal the authority it was requested from (default `true`).
   * @remarks **Risk when `false`:** a document served from one host can claim any issuer.
   */
  readonly validateIssuerName?: boolean
  /**
   * The expected issuer, when it is not the address itself (for example an address behind a
   * gateway). Compared by exact string equality.
   */
  readonly authority?: string
  /**
   * Require every endpoint to be on the issuer's origin (default `true`), except the hosts of
   * `additionalEndpointBaseAddresses` and, unless `allowKnownProviderEndpoints` is `false`, the
   * documented hosts of well-known providers (Google, Amazon Cognito, Microsoft Entra ID).
   */
  readonly validateEndpoints?: boolean
  /** Extra base URLs endpoints may live under (for example `https://auth.example.com/`). */
  readonly additionalEndpointBaseAddresses?: readonly string[]
  /** Metadata names whose URL is not origin-checked (for example `['userinfo_endpoint']`). */
  readonly endpointValidationExcludeList?: readonly string[]
  /** Trust the documented endpoint hosts of well-known providers (default `true`). */
  readonly allowKnownProviderEndpoints?: boolean
  /** Metadata that must be present (default: the seven OpenID Connect Discovery §3 requires). */
  readonly requiredMetadata?: readonly string[]
}

export interface ResolvedPolicy {
  readonly requireHttps: boolean
  readonly allowHttpOnLoopback: boolean
  readonly validateIssuerName: boolean
  readonly authority: string | undefined
  readonly validateEndpoints: boolean
  readonly additionalEndpointBaseAddresses: readonly string[]
  readonly endpointValidationExcludeList: readonly string[]
  readonly allowKnownProviderEndpoints: boolean
  readonly requiredMetadata: readonly string[]
}

export function resolvePolicy(policy: DiscoveryPolicy | undefined): ResolvedPolicy {
  return {
    requireHttps: policy?.requireHttps ?? true,
    allowHttpOnLoopback: policy?.allowHttpOnLoopback ?? true,
    validateIssuerName: policy?.validateIssuerName ?? true,
    authority: policy?.authority,
    validateEndpoints: policy?.validateEndpoints ?? true,
    additionalEndpointBaseAddresses: policy?.additionalEndpointBaseAddresses ?? [],
    endpointValidationExcludeList: policy?.endpointValidationExcludeList ?? [],
    allowKnownProviderEndpoints: policy?.allowKnownProviderEndpoints ?? true,
    requiredMetadata: policy?.requiredMetadata ?? OPENID_REQUIRED_METADATA,
  }
}

/** A `policy` failure when `url` is plain HTTP and the policy forbids it. */
export function checkScheme(
  url: URL,
  policy: ResolvedPolicy,
  what: string,
): RequestFailure | undefined {
  if (url.protocol === 'https:' || !policy.requireHttps) return undefined
  if (url.protocol === 'http:' && policy.allowHttpOnLoopback && isLoopback(url)) return undefined
  return failure(
    'policy',
    `${what} must use HTTPS (got ${url.origin}); plain HTTP is allowed only on loopback`,
  )
}

/**
 * Checks the document's issuer against the issuers the requested address allows (exact string
 * comparison, OpenID Connect Discovery §4.3). Kept apart from {@link checkDocument} because it
 * depends on the address asked for, not on the document: a cached document is checked again for
 * every address that reads it.
 */
export function checkIssuerName(
  document: DiscoveryDocument,
  expectedIssuers: readonly string[],
  policy: ResolvedPolicy,
): RequestFailure | undefined {
  if (!policy.validateIssuerName || expectedIssuers.includes(document.issuer)) return undefined
  return failure(
    'policy',
    `issuer mismatch: expected ${expectedIssuers.join(' or ')}, the discovery document says ${document.issuer}`,
  )
}

/** Checks the issuer's scheme and every endpoint against the scheme and origin rules. */
export function checkDocument(
  document: DiscoveryDocument,
  policy: ResolvedPolicy,
): RequestFailure | undefined {
  const issuer = new URL(document.issuer)
  const schemeFailure = checkScheme(issuer, policy, 'the issuer')
  if (schemeFailure) return schemeFailure
  const raw = document.raw
  for (const name of ENDPOINT_FIELDS) {
    const value = raw[name]
    if (typeof value !== 'string') continue
    const url = new URL(value)
    const bad = checkScheme(url, policy, name)
    if (bad) return bad
    if (
      policy.validateEndpoints &&
      !policy.endpointValidationExcludeList.includes(name) &&
      !endpointAllowed(url, issuer, policy)
    ) {
      return failure(
        'policy',
        `${name} (${url.origin}) is not on the issuer's origin (${issuer.origin}); add it to policy.additionalEndpointBaseAddresses if this provider is trusted to serve it`,
      )
    }
  }
  return undefined
}

function endpointAllowed(url: URL, issuer: URL, policy: ResolvedPolicy): boolean {
  if (url.origin === issuer.origin) return true
  const href = url.href
  for (const base of policy.additionalEndpointBaseAddresses) {
    if (underBase(href, base)) return true
  }
  return policy.allowKnownProviderEndpoints && knownProviderAllows(issuer.hostname, url)
}

/**
 * `href` is `base` or below it. A plain string prefix is not enough: `https://keys.example.com`
 * would admit `https://keys.example.com.evil.net/` and `https://keys.example.com:444/`.
 */
function underBase(href: string, base: string): boolean {
  if (!href.startsWith(base)) return false
  if (href.length === base.length || base.endsWith('/')) return true
  const next = href[base.length]
  return next === '/' || next === '?' || next === '#'
}

/**
 * Providers that document endpoints on other hosts than their issuer. Matching is by HTTPS host
 * suffix, tied to the issuer's own host, so no other issuer gains these hosts.
 */
const KNOWN_PROVIDERS: readonly { issuerHost: RegExp; endpointHost: RegExp }[] = [
  // Google: issuer accounts.google.com, token and keys on *.googleapis.com.
  { issuerHost: /^accounts\.google\.com$/, endpointHost: /(^|\.)googleapis\.com$/ },
  // Amazon Cognito: issuer cognito-idp.<region>.amazonaws.com/<pool>, the hosted UI on
  // <domain>.auth.<region>.amazoncognito.com.
  {
    issuerHost: /^cognito-idp\.[a-z0-9-]+\.amazonaws\.com$/,
    endpointHost: /\.amazoncognito\.com$/,
  },
  // Microsoft Entra ID: userinfo is served by Microsoft Graph.
  { issuerHost: /^login\.microsoftonline\.com$/, endpointHost: /^graph\.microsoft\.com$/ },
]

function knownProviderAllows(issuerHost: string, url: URL): boolean {
  if (url.protocol !== 'https:') return false
  return KNOWN_PROVIDERS.some(
    (provider) => provider.issuerHost.test(issuerHost) && provider.endpointHost.test(url.hostname),
  )
}
