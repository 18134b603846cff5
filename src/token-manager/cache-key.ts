/**
 * The cache key of a client-credentials request: every parameter that changes the token it
 * yields, hashed. Two requests share a token exactly when they would get the same one.
 */

import { defaultMethod } from '../client-auth/methods.js'
import { parseHttpUrl } from '../internal/url.js'
import { hashKey } from '../kernel/digest.js'
import type { ClientCredentialsTokenRequestInit } from '../token/client-credentials.js'

/**
 * `token:` and the SHA-256 (base64url) of the token endpoint, client id, authentication method,
 * scope, resource, audience and extra parameters, and the DPoP key's thumbprint (of its public
 * key) when the tokens are DPoP-bound. Scope and resource values are sorted (their order does
 * not change the grant); extra parameters are sorted by name and keep their values' order. The
 * secret and private key are not part of it: they prove who the client is but do not change the
 * token, and nothing derived from them should sit in a shared store's key space.
 *
 * @throws TypeError when `address` is not an absolute http(s) URL or `clientId` is missing.
 */
export function tokenCacheKey(request: ClientCredentialsTokenRequestInit): string {
  const endpoint = parseHttpUrl(request.address, 'request.address').href
  if (typeof request.clientId !== 'string' || request.clientId.length === 0) {
    throw new TypeError('request.clientId is required')
  }
  const scope =
    typeof request.scope === 'string' ? request.scope.split(/\s+/) : [...(request.scope ?? [])]
  const resource =
    typeof request.resource === 'string' ? [request.resource] : [...(request.resource ?? [])]
  const parameters = Object.entries(request.parameters ?? {})
    .filter(([, value]) => value !== undefined)
    .map(([name, value]) => [name, Array.isArray(value) ? value.map(String) : String(value)])
    .sort(([a], [b]) => (a! < b! ? -1 : a! > b! ? 1 : 0))
  const dpop = request.dpop
  if (dpop !== undefined && (dpop === null || typeof dpop.thumbprint !== 'string')) {
    throw new TypeError('request.dpop must be a handle from createDpop()')
  }
  const material = JSON.stringify([
    'client_credentials',
    endpoint,
    request.clientId,
    defaultMethod(request),
    [...new Set(scope.filter((value) => value.length > 0))].sort(),
    [...new Set(resource)].sort(),
    request.audience ?? null,
    parameters,
    // A DPoP-bound token is usable only with its key: one cache entry per key. Left out
    // without DPoP, so the keys of bearer tokens stay what they were.
    ...(dpop === undefined ? [] : [{ jkt: dpop.thumbprint }]),
  ])
  return `token:${hashKey(material)}`
}
