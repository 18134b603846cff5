/**
 * The base64url alphabet (RFC 4648 §5), in one place for the kernel's encoding helpers and both
 * crypto backends (which cannot import encoding.ts: it imports them).
 */

/** Only the unpadded base64url alphabet, any length. */
export const BASE64URL: RegExp = /^[A-Za-z0-9_-]*$/

/** The 6-bit value of each base64url character by char code; 256 for anything else. */
const VALUES = (() => {
  const values = new Uint16Array(128).fill(256)
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
  for (let i = 0; i < alphabet.length; i++) values[alphabet.charCodeAt(i)] = i
  return values
})()

/** The 6-bit value of the character of `text` at `at`; 256 outside the alphabet. */
export function sextet(text: string, at: number): number {
  const code = text.charCodeAt(at)
  return code < 128 ? VALUES[code]! : 256
}

/** The number of bytes an unpadded base64url text of `length` characters decodes to. */
export function decodedByteLength(length: number): number {
  return Math.floor((length * 3) / 4)
}
