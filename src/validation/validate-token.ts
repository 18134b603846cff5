/**
 * `validateToken`: verify a JWT and check its claims, taking the issuer and keys from discovery
 * (cached) or from a static key.
 *
 * @see RFC 7519 §7.2, RFC 7515 §5.2, RFC 8725 (JWT best current practices)
 */
import type { KeyObject } from 'node:crypto'
import { type DiscoveryTarget, resolveDiscoveryTarget } from '../discovery/address.js'
import { discoveryCacheKey, getDiscoveryDocument } from '../discovery/get-discovery-document.js'
import {
  ConfigurationError,
  type IdentityModelError,
  ProviderUnavailableError,
  TokenValidationError,
} from '../errors.js'
import type { NetworkOptions } from '../http/options.js'
import { isUnavailable, type RequestFailure } from '../http/result.js'
import { quote } from '../internal/quote.js'
import {
  importKeySet,
  type JsonWebKey,
  type JsonWebKeySet,
  type KeySet,
  keySetFromKeyObject,
  type VerificationKey,
} from '../jwks/key-set.js'
import { type Claims, decodeJwt, type JwtHeader } from '../kernel/jws.js'
import {
  busy,
  checkAlgorithm,
  enterValidation,
  isAsymmetric,
  leaveValidation,
  type Selection,
  selectKeys,
  verifyNow,
  verifyOnPool,
} from '../kernel/verify.js'
import { getKeySet, refreshKeySet } from '../provider/key-set-cache.js'
import { defaultProviderCache, type ProviderCache } from '../provider/provider-cache.js'
import { checkClaims } from './claims.js'
import type { TokenValidationConfigInit } from './config.js'

/**
 * Validates a JWT and resolves to its claims.
 *
 * Secure by default: `alg: "none"` is never accepted; the algorithm must be allowed and must fit
 * the key (HMAC only with a static symmetric key); `exp` and `iat` are required; `iss`, `aud`,
 * `nbf`, `iat`, `nonce` and `subject` are checked; an async `claimsValidator` is awaited. In
 * discovery mode the issuer and keys come from `discoDocAddress`, cached; a `kid` missing from the
 * cached keys refreshes them (key rotation), rate-limited.
 *
 * @example
 * ```ts
 * const claims = await validateToken(jwt, { performDisco: true, audience: 'my-api' }, 'https://id.example.com')
 * console.log(claims.sub, claims.scope)
 * ```
 * @throws {@link TokenValidationError} the token is not acceptable (401);
 *   {@link ProviderUnavailableError} discovery or keys could not be fetched (503);
 *   {@link ConfigurationError} the configuration cannot work (500);
 *   `TypeError` for a caller mistake such as a missing `discoDocAddress`.
 */
export async function validateToken(
  jwt: string,
  config: TokenValidationConfigInit,
  discoDocAddress?: string,
): Promise<Claims> {
  if (config === null || typeof config !== 'object') {
    throw new TypeError('validateToken needs a TokenValidationConfig')
  }
  const tokenCache = config.verifiedTokenCache
  const tokenHash =
    tokenCache !== undefined && typeof jwt === 'string' ? tokenCache.keyOf(jwt) : undefined
  if (tokenHash !== undefined) {
    const claims = tokenCache!.lookup(
      tokenHash,
      config,
      nowSeconds(config),
      currentKeys(config, discoDocAddress),
    )
    if (claims !== undefined) {
      if (config.claimsValidator) await runClaimsValidator(config.claimsValidator, claims)
      return claims
    }
  }
  enterValidation()
  try {
    const decoded = decodeJwt(jwt)
    const { alg, kid } = decoded.header
    checkAlgorithm(alg, config.algorithms)
    if (config.typ !== undefined) checkTyp(decoded.header, config.typ)
    const verify = config.options?.verifySignature !== false

    let issuer = config.issuer
    let keys: Selection | undefined
    if (config.performDisco) {
      // The hot path: discovery and keys straight from the in-memory cache, no await.
      const provider =
        providerFromCache(config, discoDocAddress) ??
        (await loadProvider(config, discoDocAddress, verify))
      issuer ??= provider.issuer
      if (verify) {
        keys = selectKeys(provider.keySet, kid, alg)
        if (keys === 'kid') keys = await afterKeyRotation(config, provider, kid, alg)
        rejectMiss(keys, provider.keySet, kid, alg)
      }
    } else if (verify) {
      const keySet = staticKeySet(config.key)
      keys = selectKeys(keySet, kid, alg)
      rejectMiss(keys, keySet, kid, alg)
    }

    let verifiedBy: VerificationKey | undefined
    if (keys !== undefined && typeof keys !== 'string') {
      if (isAsymmetric(alg)) {
        // threadPool 'auto': on the pool when other validations are in flight, so every core
        // works; a validation that looks alone yields once first (callers started together,
        // like a batch, then show up), and only a truly lone one verifies here, without the hop.
        const mode = config.threadPool
        let pool = mode === 'always' || (mode !== 'never' && busy())
        if (!pool && mode !== 'never') {
          await undefined
          pool = busy()
        }
        verifiedBy = pool ? await verifyOnPool(decoded, alg, keys) : verifyNow(decoded, alg, keys)
      } else {
        verifiedBy = verifyNow(decoded, alg, keys)
      }
    }

    checkClaims(decoded.claims, config, issuer, nowSeconds(config))
    if (tokenHash !== undefined && verifiedBy !== undefined) {
      tokenCache!.remember(tokenHash, config, decoded.claims, verifiedBy)
    }
    if (config.claimsValidator) await runClaimsValidator(config.claimsValidator, decoded.claims)
    return decoded.claims
  } finally {
    leaveValidation()
  }
}

function nowSeconds(config: TokenValidationConfigInit): number {
  return (config.currentDate?.getTime() ?? Date.now()) / 1000
}

/** The keys that currently verify tokens for this config, when known without any I/O. */
function currentKeys(
  config: TokenValidationConfigInit,
  address: string | undefined,
): readonly VerificationKey[] | undefined {
  if (config.performDisco) return providerFromCache(config, address)?.keySet.keys
  const key = config.key
  return key !== null && typeof key === 'object' ? staticKeySets.get(key)?.keys : undefined
}

/** A provider's issuer and current key set, as validation needs them. */
interface Provider {
  readonly issuer: string
  readonly jwksUri: string
  readonly keySet: KeySet
  readonly cache: ProviderCache
}

/** Discovery targets and cache keys by address (memoised: addresses come from configuration). */
const targets = new Map<
  string,
  { readonly target: DiscoveryTarget; readonly byPolicy: WeakMap<object, string> }
>()

/** The discovery cache key of an address under the config's policy. */
function discoveryKey(config: TokenValidationConfigInit, address: string | undefined): string {
  let known = targets.get(address as string)
  if (known === undefined) {
    known = { target: resolveDiscoveryTarget(address), byPolicy: new WeakMap() }
    if (targets.size >= 100) targets.clear()
    targets.set(address as string, known)
  }
  const policy = config.policy
  if (policy === undefined) return known.target.url
  let key = known.byPolicy.get(policy)
  if (key === undefined) {
    key = discoveryCacheKey(known.target.url, policy)
    known.byPolicy.set(policy, key)
  }
  return key
}

/** The provider from fresh cache entries only, synchronously; `undefined` when anything is missing. */
function providerFromCache(
  config: TokenValidationConfigInit,
  address: string | undefined,
): Provider | undefined {
  const cache = config.cache ?? defaultProviderCache
  const document = cache.discovery.peek(discoveryKey(config, address))
  const jwksUri = document?.jwksUri
  if (jwksUri === undefined) return undefined
  const keySet = cache.keys.peek(jwksUri)
  if (keySet === undefined) return undefined
  return { issuer: document!.issuer, jwksUri, keySet, cache }
}

/** The provider, fetching (or serving stale) discovery and keys through the cache. */
async function loadProvider(
  config: TokenValidationConfigInit,
  address: string | undefined,
  needKeys: boolean,
): Promise<Provider> {
  const cache = config.cache ?? defaultProviderCache
  discoveryKey(config, address) // validates the address: a TypeError for a caller mistake
  const document = await getDiscoveryDocument({
    address,
    policy: config.policy,
    cache,
    fetch: config.fetch,
    timeoutMs: config.timeoutMs,
  })
  if (!document.isSuccessful) throw providerError('discovery', document)
  const jwksUri = document.jwksUri
  if (jwksUri === undefined) {
    throw new ConfigurationError(`the discovery document of ${document.issuer} has no jwks_uri`)
  }
  if (!needKeys) return { issuer: document.issuer, jwksUri, keySet: EMPTY_KEY_SET, cache }
  const lookup = await getKeySet(cache, jwksUri, networkOf(config))
  if (lookup.value === undefined) throw providerError('jwks', lookup.failure!)
  return { issuer: document.issuer, jwksUri, keySet: lookup.value, cache }
}

const EMPTY_KEY_SET: KeySet = { byKid: new Map(), keys: [], anonymous: [], skipped: [] }

function networkOf(config: TokenValidationConfigInit): NetworkOptions {
  return { fetch: config.fetch, timeoutMs: config.timeoutMs }
}

/**
 * Key rotation: the token names a `kid` the cached set lacks, so the provider may have published
 * a new key. Refreshes the set (rate-limited by the cache's cooldown) and selects again.
 */
async function afterKeyRotation(
  config: TokenValidationConfigInit,
  provider: Provider,
  kid: string | undefined,
  alg: string,
): Promise<Selection> {
  const lookup = await refreshKeySet(provider.cache, provider.jwksUri, networkOf(config))
  if (lookup.failure !== undefined || lookup.value === undefined) {
    throw providerError('jwks', lookup.failure!)
  }
  const keys = selectKeys(lookup.value, kid, alg)
  rejectMiss(keys, lookup.value, kid, alg)
  return keys
}

/** Throws `key_not_found` or `unsupported_alg` when the selection found no key. */
function rejectMiss(
  keys: Selection,
  keySet: KeySet,
  kid: string | undefined,
  alg: string,
): asserts keys is readonly VerificationKey[] {
  if (keys === 'kid') {
    const known = [...keySet.byKid.keys()]
    throw new TokenValidationError(
      'key_not_found',
      `kid ${quote(kid)} is not in the key set (keys: ${known.length > 0 ? known.join(', ') : 'none with a kid'})`,
    )
  }
  if (keys === 'alg') {
    throw new TokenValidationError(
      'unsupported_alg',
      `no ${kid === undefined ? '' : `${quote(kid)} `}key in the key set fits algorithm ${alg}`,
    )
  }
}

const staticKeySets = new WeakMap<object, KeySet>()

/** The static key as a key set, imported once per key object. */
function staticKeySet(key: JsonWebKey | JsonWebKeySet | KeyObject | undefined): KeySet {
  if (key === undefined || key === null || typeof key !== 'object') {
    throw new ConfigurationError(
      'performDisco is false, so `key` (a JWK, JWK Set or KeyObject) is required',
    )
  }
  let keySet = staticKeySets.get(key)
  if (keySet === undefined) {
    keySet = isKeyObject(key)
      ? keySetFromKeyObject(key)
      : importKeySet(key, { allowSymmetric: true })
    if (keySet.keys.length === 0) {
      throw new TokenValidationError(
        'key_conversion',
        `the configured key cannot be used: ${keySet.skipped.join('; ') || 'the key set is empty'}`,
      )
    }
    staticKeySets.set(key, keySet)
  }
  return keySet
}

function isKeyObject(key: object): key is KeyObject {
  return typeof (key as KeyObject).export === 'function' && 'type' in key
}

function checkTyp(header: JwtHeader, allowed: string | readonly string[]): void {
  const list = typeof allowed === 'string' ? [allowed] : allowed
  const typ = header.typ === undefined ? undefined : normalizeTyp(header.typ)
  if (typ === undefined || !list.some((value) => normalizeTyp(value) === typ)) {
    throw new TokenValidationError(
      'malformed',
      `the token type (typ ${header.typ === undefined ? 'absent' : quote(header.typ)}) is not allowed (expected ${list.join(' or ')})`,
    )
  }
}

function normalizeTyp(typ: string): string {
  const lower = typ.toLowerCase()
  return lower.startsWith('application/') ? lower.slice(12) : lower
}

async function runClaimsValidator(
  validator: (claims: Claims) => void | Promise<void>,
  claims: Claims,
): Promise<void> {
  try {
    await validator(claims)
  } catch (error) {
    const claim = error instanceof TokenValidationError ? error.claim : undefined
    const reason = error instanceof Error ? error.message : String(error)
    throw new TokenValidationError(
      'claim_validation',
      `claimsValidator rejected the token: ${reason}`,
      {
        cause: error,
        ...(claim === undefined ? {} : { claim }),
      },
    )
  }
}

/**
 * The error for a discovery or JWKS failure: a policy violation or a 4xx (a wrong address) is the
 * configuration's fault; everything else means the provider is unavailable.
 */
function providerError(what: 'discovery' | 'jwks', failure: RequestFailure): IdentityModelError {
  const name = what === 'discovery' ? 'discovery document' : 'key set (jwks_uri)'
  const status = failure.httpStatus
  if (!isUnavailable(failure)) {
    return new ConfigurationError(`the ${name} cannot be used: ${failure.error}`, {
      cause: failure,
    })
  }
  return new ProviderUnavailableError(`the ${name} could not be fetched: ${failure.error}`, {
    cause: failure,
    ...(status === undefined ? {} : { httpStatus: status }),
  })
}
