/**
 * The one verify path: is the algorithm acceptable, is the signature well formed for it, and
 * does one of the candidate keys accept it. The platform work happens in the crypto backend; on
 * Node.js synchronously when a validation runs alone (no thread hop), on the libuv thread pool
 * when several are in flight (so every core works).
 */
import { backend } from '#crypto-backend'
import { TokenValidationError } from '../errors.js'
import { quote } from '../internal/quote.js'
import { algorithmSpec } from './algorithms.js'
import { decodedLength, isCanonicalBase64url } from './encoding.js'
import type { DecodedJws } from './jws.js'
import type { VerificationKey } from './keys.js'

/**
 * Checks `alg` against what we support and the caller allows, before any key is looked at:
 * `none` is `alg_none`, anything unknown or not allowed `unsupported_alg`.
 */
export function checkAlgorithm(alg: string, allowed: readonly string[] | undefined): void {
  if (algorithmSpec(alg) === undefined) {
    if (alg.toLowerCase() === 'none') {
      throw new TokenValidationError(
        'alg_none',
        'the token is unsigned (alg "none"), which is never accepted',
      )
    }
    throw new TokenValidationError(
      'unsupported_alg',
      `the token algorithm ${quote(alg)} is not supported`,
    )
  }
  if (allowed !== undefined && !allowed.includes(alg)) {
    throw new TokenValidationError(
      'unsupported_alg',
      `the token algorithm ${quote(alg)} is not allowed (allowed: ${allowed.join(', ')})`,
    )
  }
}

/** Validations currently in progress; above one, asymmetric signatures go to the thread pool. */
let inFlight = 0

export function enterValidation(): void {
  inFlight++
}

export function leaveValidation(): void {
  inFlight--
}

/** True when other validations are in progress, so the thread pool should take this one. */
export function busy(): boolean {
  return inFlight > 1
}

/**
 * Whether the backend has a thread pool to hand work to (Node's). Without one, a validation never
 * yields first to look for company: the verification is asynchronous anyway.
 */
export const hasThreadPool: boolean = backend.name === 'node'

/** True for the algorithms the thread pool may take (every asymmetric one). */
export function isAsymmetric(alg: string): boolean {
  const spec = algorithmSpec(alg)
  return spec !== undefined && spec.kty !== 'oct'
}

/**
 * Verifies the signature with the first candidate key that accepts it, and returns that key;
 * throws `malformed` for a signature that is not canonical base64url and `signature` when its
 * length is wrong for the algorithm (RFC 8017 §8.1.2: an RSA signature is exactly k octets) or
 * no key accepts it. `pool` puts asymmetric work on Node's thread pool (ignored elsewhere).
 */
export function verifySignature(
  jws: DecodedJws,
  alg: string,
  keys: readonly VerificationKey[],
  pool: boolean,
): VerificationKey | Promise<VerificationKey> {
  const spec = algorithmSpec(alg)!
  const signature = jws.signaturePart
  if (!isCanonicalBase64url(signature)) {
    // A MAC has one spelling: a re-spelled one simply does not match (and Web Crypto, which
    // compares decoded bytes, must not get the chance to say otherwise).
    if (spec.kty === 'oct') throw keyAt(-1, alg, keys)
    throw new TokenValidationError('malformed', 'the token signature is not canonical base64url')
  }
  const length = decodedLength(signature)
  if (spec.signatureLength !== undefined && length !== spec.signatureLength) {
    throw new TokenValidationError('signature', `the ${alg} signature has the wrong length`)
  }
  let candidates = keys
  for (const key of keys) {
    if (key.signatureLength !== undefined && key.signatureLength !== length) {
      // Usually every key fits; only then allocate the filtered list.
      candidates = keys.filter(
        (k) => k.signatureLength === undefined || k.signatureLength === length,
      )
      if (candidates.length === 0) {
        throw new TokenValidationError('signature', `the ${alg} signature has the wrong length`)
      }
      break
    }
  }
  const found = backend.verify(
    alg,
    candidates,
    jws.signingInput,
    signature,
    pool && spec.kty !== 'oct',
  )
  if (typeof found === 'number') return keyAt(found, alg, candidates)
  return found.then((index) => keyAt(index, alg, candidates))
}

function keyAt(index: number, alg: string, keys: readonly VerificationKey[]): VerificationKey {
  if (index >= 0) return keys[index]!
  throw new TokenValidationError(
    'signature',
    keys.length === 1
      ? `the ${alg} signature does not verify with key ${keyName(keys[0]!)}`
      : `the ${alg} signature does not verify with any of ${keys.length} candidate keys`,
  )
}

function keyName(key: VerificationKey): string {
  return key.kid === undefined ? `(no kid, ${key.kty})` : quote(key.kid)
}
