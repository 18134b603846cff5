/**
 * base64url and JWT-part helpers for the portable suite and the runtime benchmark, on Web APIs
 * only (`atob`, `btoa`, `TextEncoder`): no `Buffer` where the suite runs.
 */

export function base64urlToBytes(text: string): Uint8Array<ArrayBuffer> {
  const base64 = text.replace(/-/g, '+').replace(/_/g, '/')
  const binary = atob(base64 + '='.repeat((4 - (base64.length % 4)) % 4))
  const bytes = new Uint8Array(binary.length)
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i)
  return bytes
}

export function bytesToBase64url(bytes: Uint8Array): string {
  let binary = ''
  for (const byte of bytes) binary += String.fromCharCode(byte)
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

/** The decoded JSON of a compact JWS part (0: header, 1: payload), without any check. */
export function jwtPart(token: string, index: 0 | 1): Record<string, unknown> {
  const part = token.split('.')[index] ?? ''
  return JSON.parse(new TextDecoder().decode(base64urlToBytes(part))) as Record<string, unknown>
}

/** The signing input and signature bytes of a compact JWS. */
export function splitJws(token: string): {
  data: Uint8Array<ArrayBuffer>
  signature: Uint8Array<ArrayBuffer>
} {
  const dot = token.lastIndexOf('.')
  return {
    data: new TextEncoder().encode(token.slice(0, dot)),
    signature: base64urlToBytes(token.slice(dot + 1)),
  }
}

/** Web Crypto algorithm parameters (structural: the suite is type-checked without the DOM lib). */
export interface SubtleParams {
  readonly import: { readonly name: string; readonly hash?: string; readonly namedCurve?: string }
  readonly verify: { readonly name: string; readonly hash?: string; readonly saltLength?: number }
}

/** Web Crypto import and verify parameters of the JWS algorithms the suite uses. */
export function subtleParams(alg: string): SubtleParams {
  switch (alg) {
    case 'RS256':
      return {
        import: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
        verify: { name: 'RSASSA-PKCS1-v1_5' },
      }
    case 'PS256':
      return {
        import: { name: 'RSA-PSS', hash: 'SHA-256' },
        verify: { name: 'RSA-PSS', saltLength: 32 },
      }
    case 'ES256':
      return {
        import: { name: 'ECDSA', namedCurve: 'P-256' },
        verify: { name: 'ECDSA', hash: 'SHA-256' },
      }
    case 'EdDSA':
      return { import: { name: 'Ed25519' }, verify: { name: 'Ed25519' } }
    case 'HS256':
      return { import: { name: 'HMAC', hash: 'SHA-256' }, verify: { name: 'HMAC' } }
    default:
      throw new Error(`no Web Crypto parameters for ${alg}`)
  }
}

/** The token with its payload changed (`sub: admin`) and its signature kept. */
export function tamper(token: string): string {
  const [header, , signature] = token.split('.')
  const payload = { ...jwtPart(token, 1), sub: 'admin' }
  return `${header}.${bytesToBase64url(new TextEncoder().encode(JSON.stringify(payload)))}.${signature}`
}

/** Imports a public JWK (or an HMAC `oct` JWK) as a Web Crypto verification key. */
export function importVerifyKey(
  jwk: object,
  params: SubtleParams['import'],
): ReturnType<typeof crypto.subtle.importKey> {
  // `as never`: the JWK and parameter types come from the DOM lib, which this project does not load.
  return crypto.subtle.importKey('jwk', jwk as never, params as never, false, ['verify'])
}
