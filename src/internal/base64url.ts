/** base64url helpers (RFC 4648 §5) over Node's native codec. */

const BASE64URL = /^[A-Za-z0-9_-]*$/

/** Decodes base64url; `undefined` when the input has characters outside the alphabet. */
export function decodeBase64url(input: string): Buffer | undefined {
  if (!BASE64URL.test(input) || input.length % 4 === 1) return undefined
  return Buffer.from(input, 'base64url')
}

export function encodeBase64url(input: Uint8Array | string): string {
  return Buffer.from(input).toString('base64url')
}
