/** A discovery document and a one-route provider for the discovery tests. */

import type { DiscoveryPolicy } from '../../src/discovery/policy.js'
import { getDiscoveryDocument } from '../../src/provider/get-discovery-document.js'
import { fakeFetch, json } from '../support/fake-fetch.js'

/** The seven members OpenID Connect Discovery §3 requires, with endpoints under `issuer`. */
export function metadata(
  issuer: string,
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  const base = issuer.endsWith('/') ? issuer.slice(0, -1) : issuer
  return {
    issuer,
    authorization_endpoint: `${base}/authorize`,
    token_endpoint: `${base}/token`,
    jwks_uri: `${base}/jwks`,
    response_types_supported: ['code'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['RS256'],
    ...overrides,
  }
}

/**
 * Serves `document` at `url` and fetches it from `address` without caching, so each test sees
 * one request.
 */
export async function discover(
  url: string,
  document: Record<string, unknown>,
  address: string,
  policy?: DiscoveryPolicy,
) {
  const fake = fakeFetch({ [url]: () => json(document) })
  const result = await getDiscoveryDocument({
    address,
    fetch: fake.fetch,
    cache: false,
    ...(policy === undefined ? {} : { policy }),
  })
  return { result, fake }
}
