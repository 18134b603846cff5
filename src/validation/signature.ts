/**
 * Choosing the keys a token may be verified with, and verifying its signature with
 * `node:crypto`: synchronously when validations run one at a time (no thread hop), on the libuv
 * thread pool when several are in flight (so every core works).
 */
import { createHmac, timingSafeEqual, verify } from 'node:crypto'
import { TokenValidationError } from '../errors.js'
import { ALGORITHMS } from '../jwks/algorithms.js'
import type { KeySet, VerificationKey, VerifyKey } from '../jwks/key-set.js'
import type { DecodedJwt } from './jwt.js'

/** A key selection: the keys to try, or why there are none. */
export type Candidates =
  | { readonly keys: readonly VerificationKey[]; readonly miss?: undefined }
  | { readonly keys?: undefined; readonly miss: 'kid' | 'alg' }

/**
 * Checks `alg` against what we support and the caller allows, before any key is looked at.
 */
export function checkAlgorithm(alg: string, allowed: readonly string[] | undefined): void {
  if (alg.toLowerCase() === 'none') {
    throw new TokenValidationError(
      'alg_none',
      'the token is unsigned (alg "none"), which is never accepted',
    )
  }
  if (ALGORITHMS[alg] === undefined) {
    throw new TokenValidationError(
      'unsupported_alg',
      `the token algorithm "${alg}" is not supported`,
    )
  }
  if (allowed !== undefined && !allowed.includes(alg)) {
    throw new TokenValidationError(
      'unsupported_alg',
      `the token algorithm "${alg}" is not allowed (allowed: ${allowed.join(', ')})`,
    )
  }
}

/**
 * The keys of `keySet` that may verify this token: those with its `kid` (all of them when several
 * share it) or, without a `kid`, every key; kept only if they fit the algorithm. Keys without a
 * `kid` stay candidates for a token with one, since some providers omit key ids.
 */
export function selectKeys(keySet: KeySet, kid: string | undefined, alg: string): Candidates {
  let pool: readonly VerificationKey[]
  if (kid === undefined || keySet.single) {
    pool = keySet.keys
  } else {
    const named = keySet.byKid.get(kid)
    pool = named ?? keySet.keys.filter((key) => key.kid === undefined)
    if (pool.length === 0) return { miss: 'kid' }
  }
  const fitting = pool.filter((key) => key.verifyKeys.has(alg))
  return fitting.length > 0 ? { keys: fitting } : { miss: 'alg' }
}

/** Validations currently in progress; above one, signatures go to the thread pool. */
let inFlight = 0

export function enterValidation(): void {
  inFlight++
}

export function leaveValidation(): void {
  inFlight--
}

/**
 * Verifies the signature with the first candidate key that accepts it; throws `signature` when
 * none does.
 */
export async function verifySignature(
  jwt: DecodedJwt,
  alg: string,
  keys: readonly VerificationKey[],
): Promise<void> {
  const spec = ALGORITHMS[alg]!
  const signature = jwt.signature
  if (spec.signatureLength !== undefined && signature.length !== spec.signatureLength) {
    throw new TokenValidationError('signature', `the ${alg} signature has the wrong length`)
  }
  const data = spec.family === 'oct' ? undefined : Buffer.from(jwt.signingInput, 'latin1')
  // One yield before an asymmetric check, so that callers started together (a batch, a busy
  // server) all count in `inFlight` and go to the thread pool instead of queueing on this one.
  if (data !== undefined) await undefined
  for (const key of keys) {
    const verifyKey = key.verifyKeys.get(alg)!
    let valid: boolean
    if (spec.family === 'oct') {
      valid = hmacMatches(spec.hash!, key, jwt.signingInput, signature)
    } else if (inFlight > 1) {
      valid = await verifyOnThreadPool(spec.hash, data!, verifyKey, signature)
    } else {
      valid = verifySync(spec.hash, data!, verifyKey, signature)
    }
    if (valid) return
  }
  throw new TokenValidationError(
    'signature',
    keys.length === 1
      ? `the signature does not verify with key ${keyName(keys[0]!)}`
      : `the signature does not verify with any of ${keys.length} candidate keys`,
  )
}

function verifySync(hash: string | null, data: Buffer, key: VerifyKey, signature: Buffer): boolean {
  try {
    return verify(hash, data, key, signature)
  } catch {
    return false
  }
}

function hmacMatches(
  hash: string,
  key: VerificationKey,
  input: string,
  signature: Buffer,
): boolean {
  const expected = createHmac(hash, key.keyObject).update(input).digest()
  return expected.length === signature.length && timingSafeEqual(expected, signature)
}

function verifyOnThreadPool(
  hash: string | null,
  data: Buffer,
  key: VerifyKey,
  signature: Buffer,
): Promise<boolean> {
  return new Promise((resolve) => {
    verify(hash, data, key, signature, (error, valid) => resolve(!error && valid))
  })
}

function keyName(key: VerificationKey): string {
  return key.kid === undefined ? `(no kid, ${key.family})` : `"${key.kid}"`
}
