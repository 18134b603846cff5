/**
 * Keys and signed tokens for unit tests, made with `jose` (an independent implementation, so a
 * bug in our verifier cannot hide behind a matching bug in our signer).
 */
import { generateKeyPairSync, type KeyObject } from 'node:crypto'
import { type JWK, SignJWT } from 'jose'

export interface TestKey {
  readonly privateKey: KeyObject
  readonly publicJwk: JWK
  readonly alg: string
}

export function makeKey(alg: string, kid: string): TestKey {
  const { privateKey, publicKey } = pairFor(alg)
  const publicJwk = { ...publicKey.export({ format: 'jwk' }), kid, use: 'sig' } as JWK
  return { privateKey, publicJwk, alg }
}

function pairFor(alg: string): { privateKey: KeyObject; publicKey: KeyObject } {
  if (alg.startsWith('RS') || alg.startsWith('PS'))
    return generateKeyPairSync('rsa', { modulusLength: 2048 })
  if (alg === 'ES256') return generateKeyPairSync('ec', { namedCurve: 'P-256' })
  if (alg === 'ES384') return generateKeyPairSync('ec', { namedCurve: 'P-384' })
  if (alg === 'ES512') return generateKeyPairSync('ec', { namedCurve: 'P-521' })
  if (alg === 'EdDSA') return generateKeyPairSync('ed25519')
  throw new Error(`no test key for ${alg}`)
}

export const NOW = 1_700_000_000

export async function sign(
  key: TestKey | { secret: Uint8Array; alg: string; kid?: string },
  claims: Record<string, unknown>,
  header: Record<string, unknown> = {},
): Promise<string> {
  const kid = 'publicJwk' in key ? key.publicJwk.kid : key.kid
  const protectedHeader = { alg: key.alg, ...(kid === undefined ? {} : { kid }), ...header }
  const signingKey = 'secret' in key ? key.secret : key.privateKey
  return new SignJWT(claims).setProtectedHeader(protectedHeader as { alg: string }).sign(signingKey)
}

/** Claims of a typical access token issued at {@link NOW}. */
export function accessClaims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    iss: 'https://id.example.com',
    sub: 'user-1',
    aud: 'my-api',
    iat: NOW,
    nbf: NOW,
    exp: NOW + 600,
    scope: 'api:read api:write',
    client_id: 'svc',
    jti: 'jti-1',
    ...overrides,
  }
}

export function unsigned(header: object, claims: object, signature = ''): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url')
  return `${part(header)}.${part(claims)}.${signature}`
}
