/**
 * Synchronous digests and MACs on every runtime (Node's `node:crypto`, or the kernel's own SHA-2
 * where only Web Crypto's asynchronous `digest` exists): PKCE challenges, DPoP `ath`, RFC 7638
 * thumbprints, `at_hash`/`c_hash`, and the hashed keys of caches that must never hold a token.
 */
import { backend } from '#crypto-backend'
import type { HashName } from './algorithms.js'
import { encodeBase64url } from './encoding.js'

export type { HashName } from './algorithms.js'

/** The digest of `data` (bytes, or a string as UTF-8). */
export function digest(hash: HashName, data: Uint8Array | string): Uint8Array {
  return backend.digest(hash, data)
}

/** base64url(SHA-256(data)): the form `ath`, PKCE challenges and thumbprints take. */
export function sha256Base64url(data: Uint8Array | string): string {
  return typeof data === 'string'
    ? backend.hashKey(data)
    : encodeBase64url(backend.digest('SHA-256', data))
}

/**
 * The key under which a cache remembers a token (or anything secret) without holding it:
 * base64url(SHA-256(text)).
 */
export function hashKey(text: string): string {
  return backend.hashKey(text)
}

/** An HMAC of `data` keyed with `key`. */
export function hmac(hash: HashName, key: Uint8Array, data: Uint8Array | string): Uint8Array {
  return backend.hmac(hash, key, data)
}
