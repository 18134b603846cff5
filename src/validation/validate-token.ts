/**
 * `validateToken`: verify a JWT and check its claims, taking the issuer and keys from discovery
 * (cached) or from a static key. The kernel does the JOSE work (decode, algorithm, signature,
 * claims); this module decides which keys and which checks.
 *
 * @see RFC 7519 §7.2, RFC 7515 §5.2, RFC 8725 (JWT best current practices)
 */
import { observeValidation, validationStart } from '../diagnostics/events.js'
import { ConfigurationError, TokenValidationError } from '../errors.js'
import { importKeySet, type KeySet, keySetFromKeyObject, selectKeys } from '../jwks/key-set.js'
import { type ClaimChecks, checkClaims, checkedLeeway, checkedNow } from '../kernel/claims.js'
import { type Claims, type DecodedJws, decodeJws, rememberHeader } from '../kernel/jws.js'
import { isKeyObject, type VerificationKey } from '../kernel/keys.js'
import { checkTyp } from '../kernel/typ.js'
import type { JsonWebKey, JsonWebKeySet, KeyObject } from '../kernel/types.js'
import {
  busy,
  checkAlgorithm,
  enterValidation,
  hasThreadPool,
  isAsymmetric,
  leaveValidation,
  verifySignature,
} from '../kernel/verify.js'
import { keysForToken, loadProvider, providerFromCache, rejectMiss } from '../provider/resolve.js'
import { DEFAULT_LEEWAY_SECONDS, type TokenValidationConfigInit } from './config.js'

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
 *   `TypeError` for a caller mistake such as a missing `discoDocAddress`, a `leeway` that is not
 *   a number of seconds or an invalid `currentDate`.
 */
export function validateToken(
  jwt: string,
  config: TokenValidationConfigInit,
  discoDocAddress?: string,
): Promise<Claims> {
  const started = validationStart()
  const validation = validate(jwt, config, discoDocAddress)
  if (started < 0) return validation
  const issuer = discoDocAddress ?? (config as TokenValidationConfigInit | null)?.issuer
  return observeValidation(validation, started, issuer, () => algOf(jwt))
}

/** The `alg` of a token that validated (for the validation event; cached by now). */
function algOf(jwt: string): string | undefined {
  try {
    return decodeJws(jwt).header.alg
  } catch {
    return undefined
  }
}

async function validate(
  jwt: string,
  config: TokenValidationConfigInit,
  discoDocAddress: string | undefined,
): Promise<Claims> {
  if (config === null || typeof config !== 'object') {
    throw new TypeError('validateToken needs a TokenValidationConfig')
  }
  const now = checkedNow(config.currentDate)
  const leeway = checkedLeeway(config.leeway, DEFAULT_LEEWAY_SECONDS)
  const tokenCache = config.verifiedTokenCache
  const tokenHash =
    tokenCache !== undefined && typeof jwt === 'string' ? tokenCache.keyOf(jwt) : undefined
  if (tokenHash !== undefined) {
    const claims = tokenCache!.lookup(tokenHash, config, now, currentKeys(config, discoDocAddress))
    if (claims !== undefined) {
      if (config.claimsValidator) await runClaimsValidator(config.claimsValidator, claims)
      return claims
    }
  }
  enterValidation()
  try {
    const decoded = decodeJws(jwt)
    const { alg, kid } = decoded.header
    checkAlgorithm(alg, config.algorithms)
    if (config.typ !== undefined) {
      checkTyp(decoded.header, {
        accept: typeof config.typ === 'string' ? [config.typ] : config.typ,
      })
    }
    const verify = config.options?.verifySignature !== false

    let issuer = config.issuer
    let keys: readonly VerificationKey[] | undefined
    if (config.performDisco) {
      // The hot path: discovery and keys straight from the in-memory cache, no await.
      const provider =
        providerFromCache(config, discoDocAddress) ??
        (await loadProvider(config, discoDocAddress, verify))
      issuer ??= provider.issuer
      if (verify) {
        const selection = selectKeys(provider.keySet, kid, alg)
        if (selection === 'kid') {
          keys = await keysForToken(config, provider, kid, alg)
        } else {
          rejectMiss(selection, provider.keySet, kid, alg)
          keys = selection
        }
      }
    } else if (verify) {
      const keySet = staticKeySets.get(config.key as object) ?? (await staticKeySet(config.key))
      const selection = selectKeys(keySet, kid, alg)
      rejectMiss(selection, keySet, kid, alg)
      keys = selection
    }

    let verifiedBy: VerificationKey | undefined
    if (keys !== undefined) verifiedBy = await verifyWith(decoded, alg, keys, config.threadPool)

    checkClaims(decoded.claims, claimChecks(config, issuer, now, leeway))
    if (verifiedBy !== undefined) {
      rememberHeader(decoded)
      if (tokenHash !== undefined) {
        tokenCache!.remember(tokenHash, config, decoded.claims, verifiedBy)
      }
    }
    if (config.claimsValidator) await runClaimsValidator(config.claimsValidator, decoded.claims)
    return decoded.claims
  } finally {
    leaveValidation()
  }
}

/**
 * Verifies the signature. threadPool 'auto': on Node's thread pool when other validations are in
 * flight, so every core works; a validation that looks alone yields once first (callers started
 * together, like a batch, then show up), and only a truly lone one verifies here, without the hop.
 */
function verifyWith(
  decoded: DecodedJws,
  alg: string,
  keys: readonly VerificationKey[],
  mode: TokenValidationConfigInit['threadPool'],
): VerificationKey | Promise<VerificationKey> {
  if (!hasThreadPool || !isAsymmetric(alg) || mode === 'never') {
    return verifySignature(decoded, alg, keys, false)
  }
  if (mode === 'always' || busy()) return verifySignature(decoded, alg, keys, true)
  return Promise.resolve().then(() => verifySignature(decoded, alg, keys, busy()))
}

/** What the claims must satisfy under this configuration. */
function claimChecks(
  config: TokenValidationConfigInit,
  issuer: string | readonly string[] | undefined,
  now: number,
  leeway: number,
): ClaimChecks {
  const options = config.options
  if (options?.verifyIss !== false && issuer === undefined) {
    throw new ConfigurationError(
      'verifyIss is on but no issuer is known: set `issuer`, use discovery, or set options.verifyIss to false',
    )
  }
  const audience = options?.verifyAud === false ? undefined : config.audience
  if (options?.verifyAud !== false && (audience === undefined || audience.length === 0)) {
    throw new ConfigurationError(
      'verifyAud is on but no audience is configured: set `audience` (or options.verifyAud to false)',
    )
  }
  return {
    now,
    leeway,
    issuer: options?.verifyIss === false ? undefined : issuer,
    audience,
    requireExp: options?.requireExp !== false,
    verifyExp: options?.verifyExp,
    verifyNbf: options?.verifyNbf,
    requireIat: options?.requireIat !== false,
    verifyIat: options?.verifyIat,
    nonce: config.nonce,
    subject: config.subject,
    requiredClaims: config.requiredClaims,
  }
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

/** Static keys, imported once per key object (a promise only until the first import is done). */
const staticKeySets = new WeakMap<object, KeySet>()
const staticImports = new WeakMap<object, Promise<KeySet>>()

/** The static key as a key set, imported once per key object. */
function staticKeySet(key: JsonWebKey | JsonWebKeySet | KeyObject | undefined): Promise<KeySet> {
  if (key === undefined || key === null || typeof key !== 'object') {
    throw new ConfigurationError(
      'performDisco is false, so `key` (a JWK, JWK Set or KeyObject) is required',
    )
  }
  let pending = staticImports.get(key)
  if (pending === undefined) {
    pending = (async () => {
      const keySet = isKeyObject(key)
        ? keySetFromKeyObject(key)
        : await importKeySet(key as JsonWebKey | JsonWebKeySet, { allowSymmetric: true })
      if (keySet.keys.length === 0) {
        throw new TokenValidationError(
          'key_conversion',
          `the configured key cannot be used: ${keySet.skipped.join('; ') || 'the key set is empty'}`,
        )
      }
      staticKeySets.set(key, keySet)
      return keySet
    })()
    staticImports.set(key, pending)
    // A key that cannot be imported is tried again next time (and fails the same way).
    pending.catch(() => staticImports.delete(key))
  }
  return pending
}

/**
 * Runs a `claimsValidator`: a throw, a rejection or a `false` result rejects the token (a
 * validator that answers `false` means no, as `authorize` does in the middleware).
 */
export async function runClaimsValidator(
  validator: (claims: Claims) => unknown,
  claims: Claims,
): Promise<void> {
  let verdict: unknown
  try {
    verdict = await validator(claims)
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
  if (verdict === false) {
    throw new TokenValidationError('claim_validation', 'claimsValidator rejected the token')
  }
}
