/**
 * `validateToken`: verify a JWT and check its claims, taking the issuer and keys from discovery
 * (cached) or from a static key.
 *
 * @see RFC 7519 §7.2, RFC 7515 §5.2, RFC 8725 (JWT best current practices)
 */
import type { KeyObject } from 'node:crypto'
import { defaultProviderCache, type ProviderCache } from '../cache/provider-cache.js'
import { type DiscoveryTarget, resolveDiscoveryTarget } from '../discovery/address.js'
import {
  type DiscoverySuccess,
  discoveryCacheKey,
  getDiscoveryDocument,
} from '../discovery/get-discovery-document.js'
import {
  ConfigurationError,
  type IdentityModelError,
  ProviderUnavailableError,
  TokenValidationError,
} from '../errors.js'
import type { RequestFailure } from '../http/result.js'
import {
  importKeySet,
  type JsonWebKey,
  type JsonWebKeySet,
  type KeySet,
  keySetFromKeyObject,
} from '../jwks/key-set.js'
import { getKeySet, refreshKeySet } from '../jwks/key-set-cache.js'
import { checkClaims } from './claims.js'
import type { TokenValidationConfigInit } from './config.js'
import { type Claims, type DecodedJwt, decodeJwt, type JwtHeader } from './jwt.js'
import {
  type Candidates,
  checkAlgorithm,
  enterValidation,
  leaveValidation,
  selectKeys,
  verifySignature,
} from './signature.js'

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
  enterValidation()
  try {
    const decoded = decodeJwt(jwt)
    const { alg } = decoded.header
    checkAlgorithm(alg, config.algorithms)
    if (config.typ !== undefined) checkTyp(decoded.header, config.typ)

    let issuer = config.issuer
    if (config.performDisco) {
      const provider = await fromDiscovery(config, discoDocAddress)
      issuer ??= provider.issuer
      if (config.options?.verifySignature !== false) {
        await verifyWithProvider(decoded, config, provider)
      }
    } else if (config.options?.verifySignature !== false) {
      await verifyWithKeySet(decoded, staticKeySet(config.key))
    }

    const now = (config.currentDate?.getTime() ?? Date.now()) / 1000
    checkClaims(decoded.claims, config, issuer, now)
    if (config.claimsValidator) await runClaimsValidator(config.claimsValidator, decoded.claims)
    return decoded.claims
  } finally {
    leaveValidation()
  }
}

interface Provider {
  readonly issuer: string
  readonly jwksUri: string
  readonly cache: ProviderCache
}

const targets = new Map<string, DiscoveryTarget>()
const policyKeys = new WeakMap<object, string>()

/** The discovery document for `address`: from the cache without awaiting a fetch when fresh. */
async function fromDiscovery(
  config: TokenValidationConfigInit,
  address: string | undefined,
): Promise<Provider> {
  let target = targets.get(address as string)
  if (target === undefined) {
    target = resolveDiscoveryTarget(address)
    if (targets.size >= 100) targets.clear()
    targets.set(address as string, target)
  }
  const cache = config.cache ?? defaultProviderCache
  const policy = config.policy
  let key = target.url
  if (policy !== undefined) {
    key = policyKeys.get(policy) ?? discoveryCacheKey(target.url, policy)
    policyKeys.set(policy, key)
  }
  const document: DiscoverySuccess =
    cache.discovery.peek(key) ?? (await fetchDiscovery(config, address as string, cache))
  const jwksUri = document.jwksUri
  if (jwksUri === undefined) {
    throw new ConfigurationError(`the discovery document of ${document.issuer} has no jwks_uri`)
  }
  return { issuer: document.issuer, jwksUri, cache }
}

async function fetchDiscovery(
  config: TokenValidationConfigInit,
  address: string,
  cache: ProviderCache,
): Promise<DiscoverySuccess> {
  const result = await getDiscoveryDocument({
    address,
    policy: config.policy,
    cache,
    fetch: config.fetch,
    timeoutMs: config.timeoutMs,
  })
  if (!result.isSuccessful) throw providerError('discovery', result)
  return result
}

async function verifyWithProvider(
  decoded: DecodedJwt,
  config: TokenValidationConfigInit,
  provider: Provider,
): Promise<void> {
  const network = { fetch: config.fetch, timeoutMs: config.timeoutMs }
  const { cache, jwksUri } = provider
  let keySet = cache.keys.peek(jwksUri)
  if (keySet === undefined) {
    const lookup = await getKeySet(cache, jwksUri, network)
    if (lookup.value === undefined) throw providerError('jwks', lookup.failure!)
    keySet = lookup.value
  }
  const { alg, kid } = decoded.header
  let candidates = selectKeys(keySet, kid, alg)
  if (candidates.miss === 'kid') {
    // Key rotation: the provider may have published a key we have not seen yet.
    const lookup = await refreshKeySet(cache, jwksUri, network)
    if (lookup.failure !== undefined || lookup.value === undefined) {
      throw providerError('jwks', lookup.failure!)
    }
    keySet = lookup.value
    candidates = selectKeys(keySet, kid, alg)
  }
  await verifyCandidates(decoded, candidates, keySet)
}

async function verifyWithKeySet(decoded: DecodedJwt, keySet: KeySet): Promise<void> {
  const { alg, kid } = decoded.header
  await verifyCandidates(decoded, selectKeys(keySet, kid, alg), keySet)
}

async function verifyCandidates(
  decoded: DecodedJwt,
  candidates: Candidates,
  keySet: KeySet,
): Promise<void> {
  const { alg, kid } = decoded.header
  if (candidates.miss === 'kid') {
    const known = [...keySet.byKid.keys()]
    throw new TokenValidationError(
      'key_not_found',
      `kid "${kid}" is not in the key set (keys: ${known.length > 0 ? known.join(', ') : 'none with a kid'})`,
    )
  }
  if (candidates.keys === undefined) {
    throw new TokenValidationError(
      'unsupported_alg',
      `no ${kid === undefined ? '' : `"${kid}" `}key in the key set fits algorithm ${alg}`,
    )
  }
  await verifySignature(decoded, alg, candidates.keys)
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
      `the token type (typ ${header.typ === undefined ? 'absent' : `"${header.typ}"`}) is not allowed (expected ${list.join(' or ')})`,
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
  if (
    failure.errorType === 'policy' ||
    (status !== undefined && status >= 400 && status < 500 && status !== 408 && status !== 429)
  ) {
    return new ConfigurationError(`the ${name} cannot be used: ${failure.error}`, {
      cause: failure,
    })
  }
  return new ProviderUnavailableError(`the ${name} could not be fetched: ${failure.error}`, {
    cause: failure,
    ...(status === undefined ? {} : { httpStatus: status }),
  })
}
