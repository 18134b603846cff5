/**
 * Choosing the keys a token may be verified with, and verifying its signature with
 * `node:crypto`: synchronously when validations run one at a time (no thread hop), on the libuv
 * thread pool when several are in flight (so every core works).
 */
import { createHmac, verify } from 'node:crypto'
import { TokenValidationError } from '../errors.js'
import { quote } from '../internal/quote.js'
import type { KeySet, VerificationKey, VerifyKey } from '../jwks/key-set.js'
import { ALGORITHMS } from './algorithms.js'
import type { DecodedJwt } from './jws.js'

/** A key selection: the keys to try, or why there are none. */
export type Selection = readonly VerificationKey[] | 'kid' | 'alg'

/**
 * Checks `alg` against what we support and the caller allows, before any key is looked at.
 */
export function checkAlgorithm(alg: string, allowed: readonly string[] | undefined): void {
  if (ALGORITHMS[alg] === undefined) {
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

/**
 * The keys of `keySet` that may verify this token: those with its `kid` (all of them when several
 * share it) or, without a `kid`, every key; kept only if they fit the algorithm. Keys without a
 * `kid` stay candidates for a token with one, since some providers omit key ids.
 */
export function selectKeys(keySet: KeySet, kid: string | undefined, alg: string): Selection {
  let pool: readonly VerificationKey[]
  if (kid === undefined || keySet.single) {
    pool = keySet.keys
  } else {
    pool = keySet.byKid.get(kid) ?? keySet.anonymous
    if (pool.length === 0) return 'kid'
  }
  // Usually every key in the pool fits: return it as is, without allocating.
  for (const key of pool) {
    if (!key.verifyKeys.has(alg)) {
      const fitting = pool.filter((candidate) => candidate.verifyKeys.has(alg))
      return fitting.length > 0 ? fitting : 'alg'
    }
  }
  return pool.length > 0 ? pool : 'alg'
}

/** Validations currently in progress; above one, signatures go to the thread pool. */
let inFlight = 0

export function enterValidation(): void {
  inFlight++
}

export function leaveValidation(): void {
  inFlight--
}

/** True when the algorithm is verified on the thread pool under load (every asymmetric one). */
export function isAsymmetric(alg: string): boolean {
  return ALGORITHMS[alg]?.family !== 'oct'
}

/** True when other validations are in progress, so the thread pool should take this one. */
export function busy(): boolean {
  return inFlight > 1
}

/**
 * Verifies the signature on this thread with the first candidate key that accepts it, and returns
 * that key; throws `signature` when none does.
 */
export function verifyNow(
  jwt: DecodedJwt,
  alg: string,
  keys: readonly VerificationKey[],
): VerificationKey {
  const spec = ALGORITHMS[alg]!
  if (spec.family === 'oct') {
    for (const key of keys) {
      if (hmacMatches(spec.hash!, key, jwt.signingInput, jwt.signaturePart)) return key
    }
  } else {
    // Synchronous, so the bytes can live in reused scratch buffers instead of two fresh ones.
    const signature = decodeSignature(jwt, alg, spec.signatureLength, signatureScratch)
    const data = latin1Bytes(jwt.signingInput)
    for (const key of keys) {
      if (verifySync(spec.hash, data, key.verifyKeys.get(alg)!, signature)) return key
    }
  }
  throw signatureError(alg, keys)
}

/** Scratch space for the synchronous path (never held across an await). */
const SCRATCH_LIMIT = 16 * 1024
let dataScratch = Buffer.allocUnsafeSlow(4096)
const signatureScratch = Buffer.allocUnsafeSlow(1024)

/** The signing input as bytes, in the scratch buffer when it fits. */
function latin1Bytes(text: string): Buffer {
  if (text.length > SCRATCH_LIMIT) return Buffer.from(text, 'latin1')
  if (text.length > dataScratch.length) dataScratch = Buffer.allocUnsafeSlow(SCRATCH_LIMIT)
  return dataScratch.subarray(0, dataScratch.write(text, 0, 'latin1'))
}

/**
 * Like {@link verifyNow}, on the libuv thread pool (asymmetric algorithms only). One promise for
 * the whole attempt: the keys are tried one after another from the completion callbacks.
 */
export function verifyOnPool(
  jwt: DecodedJwt,
  alg: string,
  keys: readonly VerificationKey[],
): Promise<VerificationKey> {
  const spec = ALGORITHMS[alg]!
  const signature = decodeSignature(jwt, alg, spec.signatureLength)
  const data = Buffer.from(jwt.signingInput, 'latin1')
  return new Promise((resolve, reject) => {
    let index = 0
    const tryNext = (): void => {
      const key = keys[index++]
      if (key === undefined) {
        reject(signatureError(alg, keys))
        return
      }
      verify(spec.hash, data, key.verifyKeys.get(alg)!, signature, (error, valid) => {
        if (!error && valid) resolve(key)
        else tryNext()
      })
    }
    tryNext()
  })
}

/**
 * The signature bytes. Only the canonical base64url spelling is accepted: Node's decoder ignores
 * the unused low bits of the last character, and a token that could be re-spelled and still
 * verify would slip past anything keyed on the token string, such as a list of revoked token
 * hashes. (decodeJwt has already checked the alphabet.)
 */
function decodeSignature(
  jwt: DecodedJwt,
  alg: string,
  length: number | undefined,
  scratch?: Buffer,
): Buffer {
  const text = jwt.signaturePart
  const spare = SPARE_BITS[text.length % 4]!
  if (
    spare < 0 ||
    (spare > 0 && (BASE64URL_VALUE[text.charCodeAt(text.length - 1)]! & ((1 << spare) - 1)) !== 0)
  ) {
    throw new TokenValidationError('malformed', 'the token signature is not canonical base64url')
  }
  const signature =
    scratch !== undefined && text.length <= (scratch.length * 4) / 3
      ? scratch.subarray(0, scratch.write(text, 0, 'base64url'))
      : Buffer.from(text, 'base64url')
  if (length !== undefined && signature.length !== length) {
    throw new TokenValidationError('signature', `the ${alg} signature has the wrong length`)
  }
  return signature
}

/** Unused low bits in the last character, by length modulo 4 (-1: no valid length). */
const SPARE_BITS = [0, -1, 4, 2] as const

/** The 6-bit value of each base64url character, by char code. */
const BASE64URL_VALUE: readonly number[] = (() => {
  const values: number[] = []
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
  for (let i = 0; i < alphabet.length; i++) values[alphabet.charCodeAt(i)] = i
  return values
})()

function signatureError(alg: string, keys: readonly VerificationKey[]): TokenValidationError {
  return new TokenValidationError(
    'signature',
    keys.length === 1
      ? `the ${alg} signature does not verify with key ${keyName(keys[0]!)}`
      : `the ${alg} signature does not verify with any of ${keys.length} candidate keys`,
  )
}

function verifySync(hash: string | null, data: Buffer, key: VerifyKey, signature: Buffer): boolean {
  try {
    return verify(hash, data, key, signature)
  } catch {
    return false
  }
}

/**
 * Compares the HMAC as base64url text: the MAC's own encoding is canonical, so a re-spelled
 * signature never matches. The comparison runs over every character whatever the mismatch.
 */
function hmacMatches(
  hash: string,
  key: VerificationKey,
  input: string,
  signature: string,
): boolean {
  const expected = createHmac(hash, key.keyObject).update(input).digest('base64url')
  if (expected.length !== signature.length) return false
  let difference = 0
  for (let i = 0; i < expected.length; i++) {
    difference |= expected.charCodeAt(i) ^ signature.charCodeAt(i)
  }
  return difference === 0
}

function keyName(key: VerificationKey): string {
  return key.kid === undefined ? `(no kid, ${key.family})` : `"${key.kid}"`
}
