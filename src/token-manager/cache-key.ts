/**
 * The cache key of a client-credentials request: every parameter that changes the token it
 * yields, hashed. Two requests share a token exactly when they would get the same one.
 */
import { defaultMethod } from '../client-auth/methods.js'
import { parseHttpUrl } from '../internal/url.js'
import { hashKey, hmac, sha256Base64url } from '../kernel/digest.js'
import { encodeBase64url, utf8 } from '../kernel/encoding.js'
import { isCryptoKey, isKeyObject, jwkThumbprint } from '../kernel/keys.js'
import { randomValue } from '../kernel/random.js'
import type { PrivateKeyInput } from '../kernel/types.js'
import type { ClientCredentialsTokenRequestInit } from '../token/client-credentials.js'

/**
 * `token:{...}` around the SHA-256 (base64url) of the token endpoint, client id, authentication method,
 * the credentials, scope, resource, audience and extra parameters, and the DPoP key's thumbprint
 * (of its public key) when the tokens are DPoP-bound. Scope and resource values are sorted (their
 * order does not change the grant); extra parameters are sorted by name and keep their values'
 * order.
 *
 * The credentials are in it so that a manager configured with a wrong secret or another private
 * key is never handed the token the real client obtained: it has to ask the provider, which
 * refuses it. Neither appears in clear: the secret enters as an HMAC keyed with itself, the
 * private key as the SHA-256 of its public key, and both only inside the outer SHA-256.
 *
 * @throws TypeError when `address` is not an absolute http(s) URL, `clientId` is missing, or
 *   `privateKey` is not a private key.
 */
export function tokenCacheKey(request: ClientCredentialsTokenRequestInit): string {
  return `token:{${tokenCacheDigest(request)}}`
}

/**
 * The SHA-256 inside {@link tokenCacheKey}: the `{...}` hash tag that the token's entry, lock and
 * failure marker share.
 */
export function tokenCacheDigest(request: ClientCredentialsTokenRequestInit): string {
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
    methodId(defaultMethod(request)),
    credentialFingerprint(request),
    [...new Set(scope.filter((value) => value.length > 0))].sort(),
    [...new Set(resource)].sort(),
    request.audience ?? null,
    parameters,
    // A DPoP-bound token is usable only with its key: one cache entry per key. Left out
    // without DPoP, so the keys of bearer tokens stay what they were.
    ...(dpop === undefined ? [] : [{ jkt: dpop.thumbprint }]),
  ])
  return hashKey(material)
}

/**
 * What identifies the client's credentials without revealing them: an HMAC of the secret keyed
 * with the secret itself (a generated client secret cannot be guessed back from it), and the
 * RFC 7638 thumbprint of the private key's public half, so that a JWK and a `KeyObject` of the
 * same key give the same value. A `CryptoKey` (whose public half cannot be read synchronously)
 * is identified by the object itself: another object means another entry, never a shared token.
 */
function credentialFingerprint(request: ClientCredentialsTokenRequestInit): string[] {
  const parts: string[] = []
  const secret = request.clientSecret
  if (typeof secret === 'string') {
    const mac = hmac('SHA-256', utf8(secret), 'identity-model client secret')
    parts.push(`secret:${encodeBase64url(mac)}`)
  }
  const key = request.privateKey
  if (key !== undefined) parts.push(`key:${keyFingerprint(key)}`)
  // mTLS (RFC 8705): the certificate authenticates the client and binds its tokens, so another
  // certificate is another entry. Its digest as given (PEM or DER): a re-encoding of the same
  // certificate only costs a separate entry, never a shared token.
  const cert = request.tls?.cert
  if (cert !== undefined) parts.push(`cert:${sha256Base64url(cert)}`)
  return parts
}

const objectIds = new WeakMap<object, string>()

/** A random id per object: another object means another entry, never a shared token. */
function objectId(value: object): string {
  let id = objectIds.get(value)
  if (id === undefined) {
    id = `object:${randomValue(16)}`
    objectIds.set(value, id)
  }
  return id
}

/** A method by its name; the caller's own function by its identity. */
function methodId(method: ReturnType<typeof defaultMethod>): string {
  return typeof method === 'function' ? objectId(method) : method
}

function keyFingerprint(key: PrivateKeyInput): string {
  if (isCryptoKey(key)) return objectId(key)
  try {
    const jwk = isKeyObject(key) ? key.export({ format: 'jwk' }) : key
    return jwkThumbprint(jwk as Readonly<Record<string, unknown>>)
  } catch {
    throw new TypeError(
      'request.privateKey must be a private key (a private JWK, a KeyObject or a CryptoKey)',
    )
  }
}
