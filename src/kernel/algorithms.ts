/**
 * The one registry of JWS algorithms (RFC 7518 §3, RFC 8037 §3.1, RFC 9864): for each, the key
 * it needs (type and curve), its hash, its signature length where that is fixed, and what each
 * crypto backend passes to the platform. Everything else in the library (validation, DPoP,
 * client assertions, request objects) asks this table; nothing keeps its own.
 *
 * HMAC algorithms only ever apply to a static symmetric key the caller configured.
 */

/** A JWK key type (RFC 7518 §6.1). */
export type KeyType = 'RSA' | 'EC' | 'OKP' | 'oct'

/** The hashes of the SHA-2 family, by their Web Crypto names. */
export type HashName = 'SHA-256' | 'SHA-384' | 'SHA-512'

/** One JWS algorithm. */
export interface AlgorithmSpec {
  readonly kty: KeyType
  /** The hash of the signature scheme; `undefined` for EdDSA, which hashes internally. */
  readonly hash: HashName | undefined
  /** The curve, for ECDSA and EdDSA. */
  readonly crv?: 'P-256' | 'P-384' | 'P-521' | 'Ed25519'
  /** The exact signature length in bytes, where the algorithm fixes it (ECDSA, EdDSA, HMAC). */
  readonly signatureLength?: number
  /** What `node:crypto` needs: the digest name, and the RSA padding or ECDSA encoding. */
  readonly node: {
    readonly digest: 'sha256' | 'sha384' | 'sha512' | null
    readonly pss?: true
    readonly ieeeP1363?: true
  }
  /** The Web Crypto algorithm name (the key's import parameters follow from it). */
  readonly web: 'RSASSA-PKCS1-v1_5' | 'RSA-PSS' | 'ECDSA' | 'Ed25519' | 'HMAC'
}

const rsa = (hash: HashName, pss: boolean): AlgorithmSpec => ({
  kty: 'RSA',
  hash,
  node: { digest: nodeDigest(hash), ...(pss ? { pss: true as const } : {}) },
  web: pss ? 'RSA-PSS' : 'RSASSA-PKCS1-v1_5',
})

const ecdsa = (
  hash: HashName,
  crv: 'P-256' | 'P-384' | 'P-521',
  length: number,
): AlgorithmSpec => ({
  kty: 'EC',
  hash,
  crv,
  signatureLength: length,
  node: { digest: nodeDigest(hash), ieeeP1363: true },
  web: 'ECDSA',
})

const hmac = (hash: HashName, length: number): AlgorithmSpec => ({
  kty: 'oct',
  hash,
  signatureLength: length,
  node: { digest: nodeDigest(hash) },
  web: 'HMAC',
})

function nodeDigest(hash: HashName): 'sha256' | 'sha384' | 'sha512' {
  return hash === 'SHA-256' ? 'sha256' : hash === 'SHA-384' ? 'sha384' : 'sha512'
}

/** Every algorithm the library signs or verifies with. */
export const ALGORITHMS: Readonly<Record<string, AlgorithmSpec>> = Object.freeze({
  ES256: ecdsa('SHA-256', 'P-256', 64),
  ES384: ecdsa('SHA-384', 'P-384', 96),
  ES512: ecdsa('SHA-512', 'P-521', 132),
  RS256: rsa('SHA-256', false),
  RS384: rsa('SHA-384', false),
  RS512: rsa('SHA-512', false),
  PS256: rsa('SHA-256', true),
  PS384: rsa('SHA-384', true),
  PS512: rsa('SHA-512', true),
  // EdDSA names the curve by the key (RFC 8037); Ed25519 is the fully specified name (RFC 9864).
  // The key's curve decides (Ed25519 or Ed448), so neither the curve nor the length is fixed.
  EdDSA: { kty: 'OKP', hash: undefined, node: { digest: null }, web: 'Ed25519' },
  Ed25519: {
    kty: 'OKP',
    hash: undefined,
    crv: 'Ed25519',
    signatureLength: 64,
    node: { digest: null },
    web: 'Ed25519',
  },
  HS256: hmac('SHA-256', 32),
  HS384: hmac('SHA-384', 48),
  HS512: hmac('SHA-512', 64),
} satisfies Record<string, AlgorithmSpec>)

/** The spec of a supported algorithm, or `undefined` (`none` and anything unknown). */
export function algorithmSpec(alg: string): AlgorithmSpec | undefined {
  return Object.hasOwn(ALGORITHMS, alg) ? ALGORITHMS[alg] : undefined
}

const RSA_ALGS: readonly string[] = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512']
const HMAC_ALGS: readonly string[] = ['HS256', 'HS384', 'HS512']
const EC_ALGS: Readonly<Record<string, readonly string[]>> = {
  'P-256': ['ES256'],
  'P-384': ['ES384'],
  'P-521': ['ES512'],
}
const OKP_ALGS: Readonly<Record<string, readonly string[]>> = {
  Ed25519: ['EdDSA', 'Ed25519'],
  Ed448: ['EdDSA'],
}

/** Every asymmetric algorithm: what DPoP proofs, client assertions and request objects may use. */
export const ASYMMETRIC_ALGORITHMS: readonly string[] = Object.freeze(
  Object.keys(ALGORITHMS).filter((alg) => ALGORITHMS[alg]!.kty !== 'oct'),
)

/** Minimum RSA modulus accepted, for verifying and for signing (RFC 7518 §3.3: 2048 bits). */
export const MIN_RSA_BITS = 2048

/**
 * The algorithms a key may be used with: only its `alg` when it names one, else every algorithm
 * of its type (RSA → RS* and PS*, EC by curve, OKP Ed25519 → EdDSA, oct → HS*).
 */
export function algorithmsForKey(
  kty: string,
  crv: string | undefined,
  declaredAlg: string | undefined,
): readonly string[] {
  const candidates =
    kty === 'RSA'
      ? RSA_ALGS
      : kty === 'oct'
        ? HMAC_ALGS
        : kty === 'EC'
          ? (EC_ALGS[crv ?? ''] ?? [])
          : kty === 'OKP'
            ? (OKP_ALGS[crv ?? ''] ?? [])
            : []
  if (declaredAlg === undefined) return candidates
  return candidates.includes(declaredAlg) ? [declaredAlg] : []
}

/** The algorithm a key implies when none is named: RS256, ES256/384/512 by curve, EdDSA. */
export function impliedAlgorithm(kty: string, crv: string | undefined): string | undefined {
  if (kty === 'RSA') return 'RS256'
  if (kty === 'EC') return EC_ALGS[crv ?? '']?.[0]
  if (kty === 'OKP' && crv === 'Ed25519') return 'EdDSA'
  return undefined
}

/** Whether a key of type `kty` (and curve `crv`) can be used with `alg`. */
export function keyFits(alg: string, kty: string, crv: string | undefined): boolean {
  return algorithmsForKey(kty, crv, undefined).includes(alg)
}

export function isSymmetric(alg: string): boolean {
  return algorithmSpec(alg)?.kty === 'oct'
}
