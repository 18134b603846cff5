/**
 * The DPoP handle: one key, and the nonces servers asked for, made once and passed as `dpop` to
 * token requests, to {@link createDpopFetch}, or in a `TokenManager`'s request.
 */
import { decodeJws } from '../kernel/jws.js'
import { importVerificationKey, type SigningKey } from '../kernel/keys.js'
import type { CryptoKey, JsonWebKey } from '../kernel/types.js'
import { verifySignature } from '../kernel/verify.js'
import {
  type DpopAlgorithm,
  type DpopPrivateKey,
  dpopSigningKey,
  dpopThumbprint,
  generateDpopKeyPair,
  type PublicJwk,
} from './keys.js'
import { type DpopProofClaims, isNonce, signDpopProof } from './proof.js'

type ProofKey = SigningKey & { readonly alg: DpopAlgorithm; readonly publicJwk: PublicJwk }

/** What {@link createDpop} takes: nothing (a fresh ES256 key), or the key to use. */
export interface CreateDpopOptions {
  /**
   * A key pair: from {@link generateDpopKeyPair}, or any Web Crypto `{ privateKey, publicKey }`.
   */
  keyPair?: { readonly privateKey: CryptoKey; readonly publicKey: CryptoKey } | undefined
  /** A private key you keep: a private JWK (with `d`) or a private `KeyObject`. */
  privateKey?: DpopPrivateKey | undefined
  /** The public JWK of `privateKey`, when it cannot be derived (a non-extractable `CryptoKey`). */
  publicJwk?: JsonWebKey | undefined
  /**
   * The algorithm: for a generated key, which one to generate (default ES256); for a given key,
   * default what the key implies (RSA → RS256, P-256 → ES256, Ed25519 → EdDSA ...).
   */
  alg?: DpopAlgorithm | undefined
  /** How many servers' nonces are remembered at most (default 100; the least recent goes). */
  maxNonces?: number | undefined
}

/**
 * A DPoP key with its nonce memory. Pass it as `dpop` to any token request (client
 * credentials, authorization code, refresh, device, token exchange), in a `TokenManager`'s
 * `request`, or to {@link createDpopFetch}. The private key stays inside: the handle exposes only
 * the public JWK and its thumbprint.
 */
export interface DpopHandle {
  /** The algorithm proofs are signed with. */
  readonly alg: DpopAlgorithm
  /** The public key proofs carry (required members only). */
  readonly publicJwk: PublicJwk
  /** RFC 7638 thumbprint of `publicJwk`: the `cnf.jkt` of the tokens bound to this key. */
  readonly thumbprint: string
  /**
   * Signs a proof for one request. Without `nonce`, the nonce last remembered for the URL's
   * origin is included, if any.
   */
  proof(claims: DpopProofClaims): Promise<string>
  /** The nonce remembered for a server (by the URL's origin), if any. */
  nonceFor(url: string | URL): string | undefined
  /**
   * Remembers a server's `DPoP-Nonce` for the URL's origin (RFC 9449 §8.2: the latest one wins);
   * a missing or malformed value is ignored.
   */
  rememberNonce(url: string | URL, nonce: string | null | undefined): void
}

const DEFAULT_MAX_NONCES = 100

/**
 * Creates a DPoP handle: generates a key (ES256 unless `alg` says otherwise), or takes yours
 * (`keyPair`, or `privateKey` with `publicJwk` when it cannot be derived). Create it once per
 * client and keep it: tokens issued with it are bound to its key, and it remembers each
 * server's nonce for the next proofs.
 *
 * @example
 * ```ts
 * const dpop = await createDpop()
 * const response = await requestClientCredentialsToken({
 *   address: disco.tokenEndpoint, clientId, clientSecret, scope: 'api:read', dpop,
 * })
 * // response.token.token_type === 'DPoP'; the token's cnf.jkt === dpop.thumbprint
 * const api = createDpopFetch(dpop, { accessToken: response.token.access_token })
 * ```
 * @remarks **Warning:** a DPoP-bound token is only as safe as its key. A key shared across
 * processes (to share their tokens) must be stored like a secret; one that leaks lets the thief
 * use every token bound to it.
 * @see RFC 9449 §4 (proofs), §5 (token requests), §7 (resource requests), §8 (nonces)
 * @throws TypeError for a key that cannot sign DPoP proofs (public, symmetric, an RSA modulus
 *   under 2048 bits), a `publicJwk` that does not belong to the private key, an unsupported
 *   algorithm, or both `keyPair` and `privateKey`.
 */
export async function createDpop(options: CreateDpopOptions = {}): Promise<DpopHandle> {
  if (options === null || typeof options !== 'object') {
    throw new TypeError('createDpop takes options: { keyPair?, privateKey?, alg? }')
  }
  const maxNonces = options.maxNonces ?? DEFAULT_MAX_NONCES
  if (!(Number.isInteger(maxNonces) && maxNonces > 0)) {
    throw new TypeError('maxNonces must be a positive integer')
  }
  const key = await signingKey(options)
  const thumbprint = await dpopThumbprint(key.publicJwk)
  const nonces = new Map<string, string>()

  const nonceFor = (url: string | URL): string | undefined => nonces.get(originOf(url))
  const handle: DpopHandle = {
    alg: key.alg,
    publicJwk: key.publicJwk,
    thumbprint,
    proof: (claims) => {
      if (claims === null || typeof claims !== 'object') {
        throw new TypeError('proof() needs { htm, htu }')
      }
      // An invalid htu gets no nonce here, and signDpopProof's TypeError says what is wrong.
      const nonce = claims.nonce ?? (isAbsolute(claims.htu) ? nonceFor(claims.htu) : undefined)
      return signDpopProof(key, { ...claims, nonce })
    },
    nonceFor,
    rememberNonce(url, nonce) {
      if (!isNonce(nonce)) return
      const origin = originOf(url)
      nonces.delete(origin)
      nonces.set(origin, nonce)
      if (nonces.size > maxNonces) nonces.delete(nonces.keys().next().value as string)
    },
  }
  return Object.freeze(handle)
}

async function signingKey(options: CreateDpopOptions): Promise<ProofKey> {
  const { keyPair, privateKey, publicJwk, alg } = options
  if (keyPair !== undefined && privateKey !== undefined) {
    throw new TypeError('createDpop takes keyPair or privateKey, not both')
  }
  if (keyPair !== undefined) {
    if (keyPair === null || typeof keyPair !== 'object') {
      throw new TypeError('keyPair must be { privateKey, publicKey }')
    }
    const pair = keyPair as {
      privateKey: CryptoKey
      publicKey: CryptoKey
      publicJwk?: PublicJwk
      alg?: DpopAlgorithm
    }
    // A pair from generateDpopKeyPair carries its public JWK; any other pair's public key must
    // be extractable (public keys always are, in Web Crypto).
    const publicSide = publicJwk ?? pair.publicJwk ?? (await exportPublicJwk(pair.publicKey))
    const key = await dpopSigningKey(pair.privateKey, publicSide, alg ?? pair.alg)
    await checkPair(key)
    return key
  }
  if (privateKey !== undefined) {
    const key = await dpopSigningKey(privateKey, publicJwk, alg)
    if (publicJwk !== undefined) await checkPair(key)
    return key
  }
  const generated = await generateDpopKeyPair(alg ?? 'ES256')
  return dpopSigningKey(generated.privateKey, generated.publicJwk, generated.alg)
}

async function exportPublicJwk(key: CryptoKey): Promise<Record<string, unknown>> {
  const subtle = globalThis.crypto.subtle as unknown as {
    exportKey(format: 'jwk', key: unknown): Promise<Record<string, unknown>>
  }
  try {
    return await subtle.exportKey('jwk', key)
  } catch (cause) {
    throw new TypeError('the DPoP keyPair public key cannot be exported; pass publicJwk', { cause })
  }
}

/** A public JWK given beside the private key must be its own: sign once and verify. */
async function checkPair(key: ProofKey): Promise<void> {
  const probe = await signDpopProof(key, { htm: 'POST', htu: 'https://dpop.invalid/' })
  const verifier = await importVerificationKey(
    { ...key.publicJwk, alg: key.alg },
    { allowSymmetric: false },
  )
  try {
    if (typeof verifier === 'string') throw new TypeError(verifier)
    await verifySignature(decodeJws(probe), key.alg, [verifier], false)
  } catch {
    throw new TypeError('the DPoP public key does not belong to the private key')
  }
}

function isAbsolute(url: string | URL): boolean {
  return url instanceof URL || URL.canParse(url)
}

function originOf(url: string | URL): string {
  try {
    return new URL(url).origin
  } catch {
    throw new TypeError('a DPoP nonce belongs to an absolute URL')
  }
}
