/**
 * base64url (RFC 4648 §5) and the other byte-level helpers of the kernel, over the crypto
 * backend's codecs (Node's native one, or the web backend's), with the strictness JOSE needs.
 */
import { backend } from '#crypto-backend'
import { BASE64URL, decodedByteLength, sextet } from './alphabet.js'

/** Unused low bits in the last character, by length modulo 4 (-1: no valid length). */
const SPARE_BITS = [0, -1, 4, 2] as const

/**
 * True when `text` uses only the base64url alphabet (no padding), whatever its length. The
 * backend judges every length that decodes, its fastest way; a length of 1 modulo 4 never
 * decodes and is left to the regular expression.
 */
export function isBase64url(text: string): boolean {
  return text.length % 4 === 1 ? BASE64URL.test(text) : backend.isDecodableBase64url(text)
}

/**
 * True when `text` is the one canonical base64url spelling of its bytes: a valid length, and the
 * unused low bits of the last character zero. Decoders ignore those bits, so a signature that
 * could be re-spelled and still verify would slip past anything keyed on the token string (a
 * list of revoked token hashes, a replay cache). The alphabet must be checked first.
 */
export function isCanonicalBase64url(text: string): boolean {
  const spare = SPARE_BITS[text.length % 4]!
  if (spare < 0) return false
  // Stryker disable next-line all: a shortcut only; with no spare bits the mask below is 0 (and '' reads an undefined value, also 0)
  if (spare === 0 || text.length === 0) return true
  return (sextet(text, text.length - 1) & ((1 << spare) - 1)) === 0
}

/** The number of bytes a canonical base64url text decodes to. */
export function decodedLength(text: string): number {
  return decodedByteLength(text.length)
}

/** Decodes base64url; `undefined` when the input has characters outside the alphabet. */
export function decodeBase64url(input: string): Uint8Array | undefined {
  return backend.base64urlToBytes(input)
}

/** Decodes base64url to UTF-8 text; `undefined` outside the alphabet. */
export function decodeBase64urlText(input: string): string | undefined {
  return backend.base64urlToText(input)
}

const encoder = new TextEncoder()

/** Encodes bytes, or a string as UTF-8, as unpadded base64url. */
export function encodeBase64url(input: Uint8Array | string): string {
  return backend.bytesToBase64url(typeof input === 'string' ? encoder.encode(input) : input)
}

/** Encodes bytes, or a string as UTF-8, as padded standard base64 (HTTP Basic credentials). */
export function encodeBase64(input: Uint8Array | string): string {
  const url = encodeBase64url(input)
  return url.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (url.length % 4)) % 4)
}

/** UTF-8 bytes of a string. */
export function utf8(text: string): Uint8Array {
  return encoder.encode(text)
}

/**
 * Compares two byte strings in time that depends only on their lengths (for MACs and other
 * secrets).
 */
export function timingSafeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  let difference = 0
  for (let i = 0; i < a.length; i++) difference |= a[i]! ^ b[i]!
  return difference === 0
}
