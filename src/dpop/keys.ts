/**
 * DPoP keys (RFC 9449 §4.1, §4.2): the algorithms, generating a key pair, the public JWK that
 * every proof carries in its header, and the RFC 7638 thumbprint of that JWK (the `jkt` a
 * DPoP-bound token names in `cnf`). Generated, hashed and imported by the kernel.
 */
import { ASYMMETRIC_ALGORITHMS } from '../kernel/algorithms.js'
import {
  generateKeyPair,
  jwkThumbprint,
  publicMembers,
  resolveSigningKey,
  type SigningKey,
} from '../kernel/keys.js'
import type { CryptoKey, PrivateKeyInput, PublicJwk } from '../kernel/types.js'

export type { PublicJwk } from '../kernel/types.js'

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

/** Every algorithm DPoP proofs are made and accepted with. */
export const DPOP_ALGORITHMS: readonly DpopAlgorithm[] = Object.freeze([
  ...(ASYMMETRIC_ALGORITHMS as readonly DpopAlgorithm[]),
])

/** A private key as callers hold it: a private JWK (with `d`), a `KeyObject` or a `CryptoKey`. */
export type DpopPrivateKey = PrivateKeyInput

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
  if (typeof alg === 'string' && (DPOP_ALGORITHMS as readonly string[]).includes(alg)) {
    return alg as DpopAlgorithm
  }
  const symmetric = typeof alg === 'string' && /^HS\d+$/.test(alg)
  throw new TypeError(
    `DPoP proofs are signed with an asymmetric algorithm (${DPOP_ALGORITHMS.join(', ')}), not ${JSON.stringify(String(alg))}${symmetric ? ': a symmetric key cannot prove possession to a third party' : ''}`,
  )
}

/**
 * Generates a key pair for DPoP proofs: ES256 (P-256) by default, also ES384, ES512, RS256 to
 * RS512 and PS256 to PS512 (2048-bit modulus), and EdDSA (Ed25519). The private key stays inside
 * Web Crypto and is not extractable unless `extractable` is set.
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
  const pair = await generateKeyPair(algorithm, options.extractable === true)
  return pair as DpopKeyPair
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
export async function dpopThumbprint(
  jwk: PublicJwk | Readonly<Record<string, unknown>>,
): Promise<string> {
  return jwkThumbprint(jwk as Readonly<Record<string, unknown>>)
}

/** A private key made ready to sign proofs (checked, its public JWK derived, its algorithm chosen). */
export async function dpopSigningKey(
  privateKey: DpopPrivateKey,
  publicJwk: PublicJwk | Readonly<Record<string, unknown>> | undefined,
  alg: string | undefined,
): Promise<SigningKey & { readonly alg: DpopAlgorithm; readonly publicJwk: PublicJwk }> {
  if (alg !== undefined) dpopAlgorithm(alg)
  const key = await resolveSigningKey(privateKey, {
    alg,
    publicJwk: publicJwk as Readonly<Record<string, unknown>> | undefined,
    needPublicJwk: true,
    allowed: DPOP_ALGORITHMS,
    what: 'the DPoP privateKey',
  })
  return key as SigningKey & { readonly alg: DpopAlgorithm; readonly publicJwk: PublicJwk }
}

export { publicMembers }
