/**
 * DPoP keys (RFC 9449 §4.1, §4.2): the algorithms, generating a key pair, the public JWK that
 * every proof carries in its header, and the RFC 7638 thumbprint of that JWK (the `jkt` a
 * DPoP-bound token names in `cnf`). Keys are generated and hashed by jose, never by hand.
 */
import { type CryptoKey, calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose'
import { MIN_RSA_BITS } from '../kernel/algorithms.js'

/** The JWS algorithms a DPoP proof may be signed with: asymmetric ones only (RFC 9449 §4.2). */
export type DpopAlgorithm =
  | 'ES256'
  | 'ES384'
  | 'ES512'
  | 'RS256'
  | 'RS384'
  | 'RS512'
  | 'PS256'
  | 'PS384'
  | 'PS512'
  | 'EdDSA'
  | 'Ed25519'

/** What each algorithm needs of the key: its `kty`, and the curve for EC and OKP. */
const KEY_TYPES: Readonly<Record<DpopAlgorithm, { kty: 'RSA' | 'EC' | 'OKP'; crv?: string }>> = {
  ES256: { kty: 'EC', crv: 'P-256' },
  ES384: { kty: 'EC', crv: 'P-384' },
  ES512: { kty: 'EC', crv: 'P-521' },
  RS256: { kty: 'RSA' },
  RS384: { kty: 'RSA' },
  RS512: { kty: 'RSA' },
  PS256: { kty: 'RSA' },
  PS384: { kty: 'RSA' },
  PS512: { kty: 'RSA' },
  EdDSA: { kty: 'OKP', crv: 'Ed25519' },
  Ed25519: { kty: 'OKP', crv: 'Ed25519' },
}

/** Every algorithm DPoP proofs are made and accepted with. */
export const DPOP_ALGORITHMS: readonly DpopAlgorithm[] = Object.freeze(
  Object.keys(KEY_TYPES) as DpopAlgorithm[],
)

/** The members of a public JWK that RFC 7638 §3.2 hashes; the only ones a proof's `jwk` carries. */
const PUBLIC_MEMBERS: Readonly<Record<string, readonly string[]>> = {
  RSA: ['e', 'kty', 'n'],
  EC: ['crv', 'kty', 'x', 'y'],
  OKP: ['crv', 'kty', 'x'],
}

/** A public JWK reduced to its required members (no `d`, `p`, `q`, no `alg`, `kid` or `use`). */
export type PublicJwk = Readonly<Pick<JWK, 'kty' | 'crv' | 'x' | 'y' | 'n' | 'e'>>

/** A DPoP key pair from {@link generateDpopKeyPair}. */
export interface DpopKeyPair {
  /** The algorithm proofs are signed with. */
  readonly alg: DpopAlgorithm
  /** The private key (Web Crypto; not extractable unless asked for). */
  readonly privateKey: CryptoKey
  readonly publicKey: CryptoKey
  /** The public key as the `jwk` proof header carries it: required members only. */
  readonly publicJwk: PublicJwk
  /** The RFC 7638 SHA-256 thumbprint of `publicJwk` (base64url): the `cnf.jkt` of bound tokens. */
  readonly thumbprint: string
}

/** Options of {@link generateDpopKeyPair}. */
export interface GenerateDpopKeyPairOptions {
  /**
   * Make the private key exportable (default `false`). Only for a key you mean to store, for
   * example to share it across a fleet so every process can use the same DPoP-bound tokens.
   */
  extractable?: boolean | undefined
}

/**
 * Checks a caller's algorithm name.
 *
 * @throws TypeError for `none`, an HMAC algorithm or anything DPoP does not sign with.
 */
export function dpopAlgorithm(alg: unknown): DpopAlgorithm {
  if (typeof alg === 'string' && Object.hasOwn(KEY_TYPES, alg)) return alg as DpopAlgorithm
  const symmetric = typeof alg === 'string' && /^HS\d+$/.test(alg)
  throw new TypeError(
    `DPoP proofs are signed with an asymmetric algorithm (${DPOP_ALGORITHMS.join(', ')}), not ${JSON.stringify(String(alg))}${symmetric ? ': a symmetric key cannot prove possession to a third party' : ''}`,
  )
}

/**
 * Generates a key pair for DPoP proofs: ES256 (P-256) by default, also ES384, ES512, RS256 to
 * RS512 and PS256 to PS512 (2048-bit modulus), and EdDSA (Ed25519). The private key stays inside Web Crypto and is not
 * extractable unless `extractable` is set.
 *
 * @example
 * ```ts
 * const keyPair = await generateDpopKeyPair()          // ES256
 * const rsa = await generateDpopKeyPair('RS256')       // 2048-bit RSA
 * console.log(keyPair.thumbprint)                      // the jkt bound tokens will carry
 * ```
 * @see RFC 9449 §4.1, §4.2; RFC 7518 §3.1; RFC 7638 §3
 * @throws TypeError for an unsupported or symmetric algorithm.
 */
export async function generateDpopKeyPair(
  alg: DpopAlgorithm = 'ES256',
  options: GenerateDpopKeyPairOptions = {},
): Promise<DpopKeyPair> {
  const algorithm = dpopAlgorithm(alg)
  const { privateKey, publicKey } = await generateKeyPair(algorithm, {
    extractable: options.extractable === true,
    ...(KEY_TYPES[algorithm].kty === 'RSA' ? { modulusLength: MIN_RSA_BITS } : {}),
    ...(algorithm === 'EdDSA' ? { crv: 'Ed25519' } : {}),
  })
  const publicJwk = publicMembers(await exportJWK(publicKey))
  return Object.freeze({
    alg: algorithm,
    privateKey,
    publicKey,
    publicJwk,
    thumbprint: await dpopThumbprint(publicJwk),
  })
}

/**
 * The RFC 7638 SHA-256 thumbprint of a public JWK (base64url): the value a DPoP-bound access
 * token carries as `cnf.jkt`, and the `dpop_jkt` of an authorization request.
 *
 * @example
 * ```ts
 * await dpopThumbprint({ kty: 'EC', crv: 'P-256', x: '...', y: '...' }) // 'x4bBYZ9v...'
 * ```
 * @see RFC 7638 §3, RFC 9449 §6.1
 * @throws TypeError for a JWK that is not RSA, EC or OKP, or lacks a required member.
 */
export async function dpopThumbprint(jwk: JWK | PublicJwk): Promise<string> {
  return calculateJwkThumbprint(publicMembers(jwk), 'sha256')
}

/**
 * The required public members of a JWK, in RFC 7638 order; private members and metadata are
 * dropped.
 *
 * @throws TypeError for an unsupported `kty` or a missing member.
 */
export function publicMembers(jwk: JWK | PublicJwk): PublicJwk {
  const members = typeof jwk?.kty === 'string' ? PUBLIC_MEMBERS[jwk.kty] : undefined
  if (members === undefined) {
    throw new TypeError('a DPoP key is an RSA, EC or OKP key (kty "RSA", "EC" or "OKP")')
  }
  const result: Record<string, string> = {}
  for (const name of members) {
    const value = (jwk as Record<string, unknown>)[name]
    if (typeof value !== 'string' || value.length === 0) {
      throw new TypeError(`the DPoP public key has no "${name}"`)
    }
    result[name] = value
  }
  return Object.freeze(result) as PublicJwk
}

/**
 * Why a public key cannot be used with `alg` (another key type or curve, an RSA modulus under
 * 2048 bits), or `undefined` when it can.
 */
export function keyMismatch(alg: DpopAlgorithm, jwk: PublicJwk): string | undefined {
  const need = KEY_TYPES[alg]
  if (jwk.kty !== need.kty || (need.crv !== undefined && jwk.crv !== need.crv)) {
    return `the DPoP key (${jwk.kty}${jwk.crv ? ` ${jwk.crv}` : ''}) cannot sign with ${alg}`
  }
  if (jwk.kty === 'RSA' && rsaBits(jwk.n as string) < MIN_RSA_BITS) {
    return `a DPoP RSA key needs a modulus of at least ${MIN_RSA_BITS} bits`
  }
  return undefined
}

/** The bit length of a base64url RSA modulus. */
export function rsaBits(n: string): number {
  const bytes = Buffer.from(n, 'base64url')
  let start = 0
  while (start < bytes.length && bytes[start] === 0) start++
  if (start === bytes.length) return 0
  return (bytes.length - start - 1) * 8 + (32 - Math.clz32(bytes[start]!))
}
