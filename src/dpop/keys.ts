/**
 * DPoP keys (RFC 9449 §4.1, §4.2): generating a key pair, taking a caller's private key, the
 * public JWK that every proof carries in its header, and the RFC 7638 thumbprint of that JWK (the
 * `jkt` a DPoP-bound token names in `cnf`). Keys are generated, imported and used by jose, never
 * by hand.
 */
import { createPublicKey, KeyObject } from 'node:crypto'
import {
  type CryptoKey,
  calculateJwkThumbprint,
  exportJWK,
  generateKeyPair,
  importJWK,
  type JWK,
} from 'jose'
import { MIN_RSA_BITS } from '../jwks/algorithms.js'

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

/** A private key made ready to sign proofs: what every proof needs, resolved once. */
export interface SigningKey {
  readonly alg: DpopAlgorithm
  readonly key: CryptoKey | KeyObject
  readonly publicJwk: PublicJwk
}

/** A private key as callers hold it: a private JWK (with `d`), a `KeyObject` or a `CryptoKey`. */
export type DpopPrivateKey = JWK | KeyObject | CryptoKey

/**
 * Resolves a caller's private key: checks it is private and asymmetric, derives its public JWK
 * (from the JWK, the `KeyObject`, or an extractable `CryptoKey`; a non-extractable one needs
 * `publicJwk`) and picks the algorithm (`alg`, else the JWK's `alg`, else what the key implies:
 * RSA → RS256, RSA-PSS → PS256, P-256 → ES256, P-384 → ES384, P-521 → ES512, Ed25519 → EdDSA).
 *
 * @throws TypeError for a public or symmetric key, an RSA modulus under 2048 bits, an algorithm
 *   that does not fit the key, or a non-extractable `CryptoKey` without `publicJwk`. The message
 *   never contains key material.
 */
export async function resolveSigningKey(
  privateKey: DpopPrivateKey,
  publicJwk?: JWK | PublicJwk,
  alg?: string,
): Promise<SigningKey> {
  if (privateKey === null || typeof privateKey !== 'object') {
    throw new TypeError('a DPoP privateKey is required (a private JWK, KeyObject or CryptoKey)')
  }
  if (isKeyObject(privateKey)) return fromKeyObject(privateKey, publicJwk, alg)
  if (isCryptoKey(privateKey)) return fromCryptoKey(privateKey, publicJwk, alg)
  return fromJwk(privateKey as JWK, publicJwk, alg)
}

async function fromJwk(
  jwk: JWK,
  publicJwk: JWK | PublicJwk | undefined,
  alg: string | undefined,
): Promise<SigningKey> {
  if (jwk.kty === 'oct') throw symmetricKey()
  if (typeof jwk.d !== 'string') {
    throw new TypeError('the DPoP privateKey JWK has no "d": a private key is needed to sign')
  }
  const pub = publicMembers(publicJwk ?? jwk)
  const algorithm = dpopAlgorithm(alg ?? jwk.alg ?? impliedAlg(pub.kty, pub.crv))
  checkFit(algorithm, pub)
  const key = await withoutKeyMaterial(() => importJWK(jwk, algorithm), algorithm)
  return { alg: algorithm, key: key as CryptoKey, publicJwk: pub }
}

function fromKeyObject(
  key: KeyObject,
  publicJwk: JWK | PublicJwk | undefined,
  alg: string | undefined,
): SigningKey {
  if (key.type === 'secret') throw symmetricKey()
  if (key.type !== 'private') {
    throw new TypeError('the DPoP privateKey is a public key: a private key is needed to sign')
  }
  const type = key.asymmetricKeyType
  if (type === 'rsa-pss' && publicJwk === undefined) {
    // Node cannot export an RSA-PSS key as a JWK; a plain RSA key signs PS256 just as well.
    throw new TypeError(
      'an RSA-PSS KeyObject needs its publicJwk; or use an "rsa" KeyObject with alg PS256',
    )
  }
  const pub = publicMembers(publicJwk ?? (createPublicKey(key).export({ format: 'jwk' }) as JWK))
  const implied = type === 'rsa-pss' ? 'PS256' : impliedAlg(pub.kty, pub.crv)
  const algorithm = dpopAlgorithm(alg ?? implied)
  checkFit(algorithm, pub)
  return { alg: algorithm, key, publicJwk: pub }
}

async function fromCryptoKey(
  key: CryptoKey,
  publicJwk: JWK | PublicJwk | undefined,
  alg: string | undefined,
): Promise<SigningKey> {
  if (key.type === 'secret') throw symmetricKey()
  if (key.type !== 'private') {
    throw new TypeError('the DPoP privateKey is a public key: a private key is needed to sign')
  }
  let source = publicJwk
  if (source === undefined) {
    if (!key.extractable) {
      throw new TypeError(
        'a non-extractable CryptoKey needs its publicJwk (or pass the whole key pair as keyPair)',
      )
    }
    source = await exportJWK(key)
  }
  const pub = publicMembers(source)
  const algorithm = dpopAlgorithm(alg ?? cryptoKeyAlg(key) ?? impliedAlg(pub.kty, pub.crv))
  checkFit(algorithm, pub)
  return { alg: algorithm, key, publicJwk: pub }
}

/** The algorithm a Web Crypto key was made for (it cannot be used with another hash or padding). */
function cryptoKeyAlg(key: CryptoKey): string | undefined {
  const algorithm = key.algorithm as { name: string; hash?: { name: string } }
  const bits = algorithm.hash?.name.replace('SHA-', '')
  if (algorithm.name === 'RSASSA-PKCS1-v1_5') return `RS${bits}`
  if (algorithm.name === 'RSA-PSS') return `PS${bits}`
  if (algorithm.name === 'Ed25519') return 'EdDSA'
  return undefined
}

function impliedAlg(kty: string | undefined, crv: string | undefined): string | undefined {
  if (kty === 'RSA') return 'RS256'
  if (crv === 'P-256') return 'ES256'
  if (crv === 'P-384') return 'ES384'
  if (crv === 'P-521') return 'ES512'
  if (crv === 'Ed25519') return 'EdDSA'
  return undefined
}

/** The algorithm must fit the key type and curve, and an RSA modulus must be 2048 bits or more. */
function checkFit(alg: DpopAlgorithm, jwk: PublicJwk): void {
  const problem = keyMismatch(alg, jwk)
  if (problem !== undefined) throw new TypeError(problem)
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

async function withoutKeyMaterial<T>(run: () => Promise<T>, alg: string): Promise<T> {
  try {
    return await run()
  } catch (cause) {
    // jose's messages name the problem, never the key material.
    const reason = cause instanceof Error ? cause.message : 'unknown error'
    throw new TypeError(`the DPoP privateKey cannot sign with ${alg} (${reason})`, { cause })
  }
}

function symmetricKey(): TypeError {
  return new TypeError(
    'a DPoP key must be asymmetric: a symmetric key cannot prove possession to a third party',
  )
}

function isKeyObject(key: object): key is KeyObject {
  return key instanceof KeyObject
}

function isCryptoKey(key: object): key is CryptoKey {
  return (
    typeof (key as CryptoKey).type === 'string' &&
    typeof (key as CryptoKey).algorithm === 'object' &&
    typeof (key as CryptoKey).usages === 'object'
  )
}
