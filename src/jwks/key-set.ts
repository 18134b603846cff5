/**
 * A key set ready for verification: every usable JWK imported once (by the kernel), indexed by
 * `kid`, and the selection of the keys a token may be verified with. One malformed key does not
 * spoil the set; it is skipped and counted.
 */
import { importKeyObject, importVerificationKey, type VerificationKey } from '../kernel/keys.js'
import type { JsonWebKey, JsonWebKeySet, KeyObject } from '../kernel/types.js'

export type { JsonWebKey, JsonWebKeySet } from '../kernel/types.js'

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

/** The most keys imported from one set: a provider publishes a handful. */
export const MAX_KEYS = 100

/**
 * Imports the verification keys of a JWK Set (or of one JWK). Encryption keys (`use: "enc"`),
 * keys whose `key_ops` exclude `verify`, RSA keys under 2048 bits and keys that do not import are
 * skipped. Symmetric (`oct`) keys are imported only when `allowSymmetric` is set (a static key
 * the caller configured): a provider's published set never makes HMAC possible. Beyond
 * {@link MAX_KEYS} keys the rest are skipped, so a hostile set cannot make every forged token try
 * thousands of keys.
 */
export async function importKeySet(
  jwks: JsonWebKeySet | JsonWebKey,
  options: { allowSymmetric: boolean },
): Promise<KeySet> {
  const single = !('keys' in jwks && Array.isArray(jwks.keys))
  const jwkList = single ? [jwks as JsonWebKey] : (jwks as JsonWebKeySet).keys
  const keys: VerificationKey[] = []
  const skipped: string[] = []
  const byKid = new Map<string, VerificationKey[]>()
  for (let index = 0; index < jwkList.length; index++) {
    const jwk = jwkList[index]!
    const label =
      typeof jwk?.kid === 'string' ? `key ${JSON.stringify(jwk.kid.slice(0, 64))}` : `key #${index}`
    if (keys.length >= MAX_KEYS) {
      skipped.push(`${jwkList.length - index} keys beyond the first ${MAX_KEYS} usable ones`)
      break
    }
    const imported = await importVerificationKey(jwk, options)
    if (typeof imported === 'string') {
      skipped.push(`${label}: ${imported}`)
      continue
    }
    keys.push(imported)
    if (imported.kid !== undefined) {
      const list = byKid.get(imported.kid)
      if (list) list.push(imported)
      else byKid.set(imported.kid, [imported])
    }
  }
  const anonymous = keys.filter((key) => key.kid === undefined)
  return { byKid, keys, anonymous, skipped, single }
}

/**
 * A key set of one `KeyObject` (a static key given as such). A private key is reduced to its
 * public half.
 */
export function keySetFromKeyObject(keyObject: KeyObject): KeySet {
  const imported = importKeyObject(keyObject)
  if (typeof imported === 'string') {
    return { byKid: new Map(), keys: [], anonymous: [], skipped: [imported] }
  }
  const keys = [imported]
  return { byKid: new Map(), keys, anonymous: keys, skipped: [], single: true }
}

/** A key selection: the keys to try, or why there are none. */
export type Selection = readonly VerificationKey[] | 'kid' | 'alg'

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
    if (!key.handles.has(alg)) {
      const fitting = pool.filter((candidate) => candidate.handles.has(alg))
      return fitting.length > 0 ? fitting : 'alg'
    }
  }
  return pool.length > 0 ? pool : 'alg'
}
