/** Random values from the platform's CSPRNG (`crypto.getRandomValues`, on every runtime). */
import { encodeBase64url } from './encoding.js'

/** `length` random bytes. */
export function randomBytes(length: number): Uint8Array {
  const bytes = new Uint8Array(length)
  globalThis.crypto.getRandomValues(bytes)
  return bytes
}

/**
 * A fresh random value, base64url-encoded: 32 bytes (256 bits) by default, 43 characters. Used
 * for `state`, `nonce`, PKCE verifiers and `jti`s.
 */
export function randomValue(bytes = 32): string {
  return encodeBase64url(randomBytes(bytes))
}

/** A random UUID (version 4), as `jti`s of client assertions carry. */
export function randomUuid(): string {
  return globalThis.crypto.randomUUID()
}
