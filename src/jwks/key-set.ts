/**
 * A key set ready for verification: every usable JWK imported once into a `KeyObject`, indexed by
 * `kid`. One malformed key does not spoil the set; it is skipped and counted.
 */
import {
  constants,
  createPublicKey,
  createSecretKey,
  type KeyObject,
  type JsonWebKey as NodeJsonWebKey,
} from 'node:crypto'
import { ALGORITHMS, algorithmsForKey, type KeyFamily, MIN_RSA_BITS } from '../kernel/algorithms.js'

/** A JSON Web Key (RFC 7517 §4) as it appears on the wire. */
export interface JsonWebKey {
  readonly kty: string
  readonly kid?: string
  readonly use?: string
  readonly key_ops?: readonly string[]
  readonly alg?: string
  readonly crv?: string
  readonly [member: string]: unknown
}

/** A JWK Set (RFC 7517 §5). */
export interface JsonWebKeySet {
  readonly keys: readonly JsonWebKey[]
}

/** What `crypto.verify` takes for one algorithm and key, built once. */
export type VerifyKey =
  | KeyObject
  | { key: KeyObject; padding: number; saltLength: number }
  | { key: KeyObject; dsaEncoding: 'ieee-p1363' }

export interface VerificationKey {
  readonly kid: string | undefined
  readonly family: KeyFamily
  readonly keyObject: KeyObject
  /** Algorithm → the argument `crypto.verify` needs; only the algorithms this key may verify. */
  readonly verifyKeys: ReadonlyMap<string, VerifyKey>
}

export interface KeySet {
  /** Keys by `kid`; several keys may share one. */
  readonly byKid: ReadonlyMap<string, readonly VerificationKey[]>
  readonly keys: readonly VerificationKey[]
  /** The keys without a `kid`: candidates for any token whose `kid` names no key. */
  readonly anonymous: readonly VerificationKey[]
  /** Why keys were left out (one line per key, no key material). */
  readonly skipped: readonly string[]
  /** A single static key: tried whatever `kid` the token names. */
  readonly single?: boolean
}

/**
 * Imports the verification keys of a JWK Set. Encryption keys (`use: "enc"`), keys whose
 * `key_ops` exclude `verify`, RSA keys under 2048 bits and keys that do not parse are skipped.
 * Symmetric (`oct`) keys are imported only when `allowSymmetric` is set (a static key the caller
 * configured): a provider's published set never makes HMAC possible.
 */
export function importKeySet(
  jwks: JsonWebKeySet | JsonWebKey,
  options: { allowSymmetric: boolean },
): KeySet {
  const single = !('keys' in jwks && Array.isArray(jwks.keys))
  const jwkList = single ? [jwks as JsonWebKey] : (jwks as JsonWebKeySet).keys
  const keys: VerificationKey[] = []
  const skipped: string[] = []
  const byKid = new Map<string, VerificationKey[]>()
  jwkList.forEach((jwk, index) => {
    const label = typeof jwk?.kid === 'string' ? `key "${jwk.kid}"` : `key #${index}`
    const imported = importKey(jwk, options.allowSymmetric)
    if (typeof imported === 'string') {
      skipped.push(`${label}: ${imported}`)
      return
    }
    keys.push(imported)
    if (imported.kid !== undefined) {
      const list = byKid.get(imported.kid)
      if (list) list.push(imported)
      else byKid.set(imported.kid, [imported])
    }
  })
  const anonymous = keys.filter((key) => key.kid === undefined)
  return { byKid, keys, anonymous, skipped, single }
}

/** Imports one JWK, or says (without key material) why it cannot be used. */
function importKey(jwk: JsonWebKey, allowSymmetric: boolean): VerificationKey | string {
  if (jwk === null || typeof jwk !== 'object' || typeof jwk.kty !== 'string') {
    return 'not a JWK (no kty)'
  }
  if (jwk.use !== undefined && jwk.use !== 'sig') return `use is "${String(jwk.use)}", not "sig"`
  if (Array.isArray(jwk.key_ops) && !jwk.key_ops.includes('verify')) {
    return 'key_ops does not include "verify"'
  }
  const family = jwk.kty as KeyFamily
  if (!['RSA', 'EC', 'OKP', 'oct'].includes(family)) return `unsupported kty "${jwk.kty}"`
  if (family === 'oct' && !allowSymmetric) return 'symmetric keys are only accepted as a static key'
  if (jwk.alg !== undefined && typeof jwk.alg !== 'string') return 'alg is not a string'
  const algorithms = algorithmsForKey(family, jwk.crv, jwk.alg)
  if (algorithms.length === 0) {
    return `no supported algorithm fits kty "${jwk.kty}"${jwk.crv ? ` crv "${jwk.crv}"` : ''}${jwk.alg ? ` alg "${jwk.alg}"` : ''}`
  }
  let keyObject: KeyObject
  try {
    keyObject =
      family === 'oct'
        ? createSecretKey(Buffer.from(String(jwk.k ?? ''), 'base64url'))
        : createPublicKey({ key: publicMembers(jwk), format: 'jwk' })
  } catch (error) {
    return `does not import (${(error as Error).message})`
  }
  if (family === 'RSA') {
    const bits = keyObject.asymmetricKeyDetails?.modulusLength ?? 0
    if (bits < MIN_RSA_BITS) return `RSA modulus of ${bits} bits is under ${MIN_RSA_BITS}`
  }
  if (family === 'oct' && keyObject.symmetricKeySize === 0) return 'empty symmetric key'
  const verifyKeys = new Map<string, VerifyKey>()
  for (const alg of algorithms) verifyKeys.set(alg, verifyKeyFor(alg, keyObject))
  return {
    kid: typeof jwk.kid === 'string' ? jwk.kid : undefined,
    family,
    keyObject,
    verifyKeys,
  }
}

/** Only the public members, so a private JWK given by mistake never imports as private. */
function publicMembers(jwk: JsonWebKey): NodeJsonWebKey {
  const { kty, crv, n, e, x, y } = jwk as Record<string, string | undefined>
  const out: NodeJsonWebKey = { kty: kty as string }
  if (crv !== undefined) out.crv = crv
  if (n !== undefined) out.n = n
  if (e !== undefined) out.e = e
  if (x !== undefined) out.x = x
  if (y !== undefined) out.y = y
  return out
}

function verifyKeyFor(alg: string, key: KeyObject): VerifyKey {
  const spec = ALGORITHMS[alg]
  if (spec?.pss) {
    return {
      key,
      padding: constants.RSA_PKCS1_PSS_PADDING,
      saltLength: constants.RSA_PSS_SALTLEN_DIGEST,
    }
  }
  if (spec?.family === 'EC') return { key, dsaEncoding: 'ieee-p1363' }
  return key
}

const CURVES: Readonly<Record<string, string>> = {
  prime256v1: 'P-256',
  secp384r1: 'P-384',
  secp521r1: 'P-521',
}

/**
 * A key set of one `KeyObject` (a static key given as such). A private key is reduced to its
 * public half.
 */
export function keySetFromKeyObject(keyObject: KeyObject): KeySet {
  let family: KeyFamily
  let curve: string | undefined
  let key = keyObject
  if (keyObject.type === 'secret') {
    family = 'oct'
  } else {
    if (keyObject.type === 'private') key = createPublicKey(keyObject)
    const type = keyObject.asymmetricKeyType
    if (type === 'rsa' || type === 'rsa-pss') family = 'RSA'
    else if (type === 'ec') {
      family = 'EC'
      curve = CURVES[keyObject.asymmetricKeyDetails?.namedCurve ?? '']
    } else if (type === 'ed25519' || type === 'ed448') {
      family = 'OKP'
      curve = type === 'ed25519' ? 'Ed25519' : 'Ed448'
    } else {
      const skipped = [`unsupported key type "${String(type)}"`]
      return { byKid: new Map(), keys: [], anonymous: [], skipped }
    }
  }
  const algorithms = algorithmsForKey(family, curve, undefined)
  const verifyKeys = new Map<string, VerifyKey>()
  for (const alg of algorithms) verifyKeys.set(alg, verifyKeyFor(alg, key))
  const verificationKey: VerificationKey = { kid: undefined, family, keyObject: key, verifyKeys }
  const keys = [verificationKey]
  return { byKid: new Map(), keys, anonymous: keys, skipped: [], single: true }
}
