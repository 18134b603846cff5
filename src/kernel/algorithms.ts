/**
 * The JWS algorithms we verify (RFC 7518 §3, RFC 8037 §3.1) and which keys each one fits.
 * HMAC algorithms only ever apply to a static symmetric key the caller configured.
 */

export type KeyFamily = 'RSA' | 'EC' | 'OKP' | 'oct'

export interface AlgorithmSpec {
  /** The key type the algorithm needs. */
  readonly family: KeyFamily
  /** Node's digest name; `null` for EdDSA. */
  readonly hash: 'sha256' | 'sha384' | 'sha512' | null
  readonly pss?: true
  /** The EC curve, for ECDSA. */
  readonly crv?: 'P-256' | 'P-384' | 'P-521'
  /** The exact signature length in bytes, where it is fixed (ECDSA, EdDSA, HMAC). */
  readonly signatureLength?: number
}

export const ALGORITHMS: Readonly<Record<string, AlgorithmSpec>> = {
  RS256: { family: 'RSA', hash: 'sha256' },
  RS384: { family: 'RSA', hash: 'sha384' },
  RS512: { family: 'RSA', hash: 'sha512' },
  PS256: { family: 'RSA', hash: 'sha256', pss: true },
  PS384: { family: 'RSA', hash: 'sha384', pss: true },
  PS512: { family: 'RSA', hash: 'sha512', pss: true },
  ES256: { family: 'EC', hash: 'sha256', crv: 'P-256', signatureLength: 64 },
  ES384: { family: 'EC', hash: 'sha384', crv: 'P-384', signatureLength: 96 },
  ES512: { family: 'EC', hash: 'sha512', crv: 'P-521', signatureLength: 132 },
  EdDSA: { family: 'OKP', hash: null },
  Ed25519: { family: 'OKP', hash: null, signatureLength: 64 },
  HS256: { family: 'oct', hash: 'sha256', signatureLength: 32 },
  HS384: { family: 'oct', hash: 'sha384', signatureLength: 48 },
  HS512: { family: 'oct', hash: 'sha512', signatureLength: 64 },
}

const RSA_ALGS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'] as const
const HMAC_ALGS = ['HS256', 'HS384', 'HS512'] as const

/** Minimum RSA modulus accepted (RFC 7518 §3.3 requires 2048 bits). */
export const MIN_RSA_BITS = 2048

/**
 * The algorithms a key may verify: only its `alg` when it names one, else every algorithm of its
 * type (RSA → RS* and PS*, EC by curve, OKP Ed25519 → EdDSA, oct → HS*).
 */
export function algorithmsForKey(
  family: KeyFamily,
  curve: string | undefined,
  declaredAlg: string | undefined,
): readonly string[] {
  const candidates = familyAlgorithms(family, curve)
  if (declaredAlg === undefined) return candidates
  return candidates.includes(declaredAlg) ? [declaredAlg] : []
}

function familyAlgorithms(family: KeyFamily, curve: string | undefined): readonly string[] {
  switch (family) {
    case 'RSA':
      return RSA_ALGS
    case 'oct':
      return HMAC_ALGS
    case 'EC':
      return curve === 'P-256'
        ? ['ES256']
        : curve === 'P-384'
          ? ['ES384']
          : curve === 'P-521'
            ? ['ES512']
            : []
    case 'OKP':
      return curve === 'Ed25519' ? ['EdDSA', 'Ed25519'] : curve === 'Ed448' ? ['EdDSA'] : []
  }
}

export function isSymmetric(alg: string): boolean {
  return ALGORITHMS[alg]?.family === 'oct'
}
