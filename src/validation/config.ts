/**
 * What `validateToken` checks, and against what.
 */
import type { DiscoveryPolicy } from '../discovery/policy.js'
import type { Claims } from '../kernel/jws.js'
import type { JsonWebKey, JsonWebKeySet, KeyObject } from '../kernel/types.js'
import type { ProviderCache } from '../provider/provider-cache.js'
import type { VerifiedTokenCache } from './verified-token-cache.js'

/**
 * Switches for individual checks. Every check is on by default; each `false` is an opt-out that
 * weakens validation and should stand out in review.
 */
export interface ValidationOptions {
  /**
   * Verify the signature (default `true`).
   * @remarks **Risk when `false`:** anyone can mint a token that passes. `alg: "none"` is
   * refused even then.
   */
  verifySignature?: boolean
  /** Check `aud` against `audience` (default `true`; `audience` must then be set). */
  verifyAud?: boolean
  /** Check `iss` against `issuer` or the discovery issuer (default `true`). */
  verifyIss?: boolean
  /** Reject an expired token (default `true`). */
  verifyExp?: boolean
  /** Reject a token before its `nbf` (default `true`). */
  verifyNbf?: boolean
  /** Reject a token whose `iat` is in the future (default `true`). */
  verifyIat?: boolean
  /** Require an `exp` claim (default `true`). */
  requireExp?: boolean
  /** Require an `iat` claim (default `true`). */
  requireIat?: boolean
}

/** The fields of a {@link TokenValidationConfig}; a plain object of this shape works everywhere. */
export interface TokenValidationConfigInit {
  /** Take the issuer and keys from the discovery document at `discoDocAddress` (cached). */
  performDisco: boolean
  /**
   * The verification key when `performDisco` is `false`: a JWK, a JWK Set or a `KeyObject`.
   * A symmetric key (`kty: "oct"`) is the only way HMAC algorithms are ever accepted.
   */
  key?: JsonWebKey | JsonWebKeySet | KeyObject | undefined
  /** The expected audience: the token's `aud` must contain one of these. */
  audience?: string | readonly string[] | undefined
  /** The expected issuer (exact string comparison); defaults to the discovery issuer. */
  issuer?: string | readonly string[] | undefined
  /** Allowed algorithms; default: every asymmetric algorithm the key supports. */
  algorithms?: readonly string[] | undefined
  /**
   * Clock tolerance in seconds for `exp`, `nbf` and `iat` (default 5; 0 to 86 400). Anything else,
   * `NaN` included, is a `TypeError`: it would silently turn the time checks off.
   */
  leeway?: number | undefined
  /** The expected `sub`. */
  subject?: string | undefined
  /** The expected `nonce` (OpenID Connect Core §3.1.3.7). */
  nonce?: string | undefined
  /** Claims that must be present (for example `['email']`). */
  requiredClaims?: readonly string[] | undefined
  /**
   * Allowed `typ` header values, compared case-insensitively without the `application/` prefix
   * (RFC 8725 §3.11). Set `'at+jwt'` to accept only RFC 9068 access tokens; unset, any `typ`
   * passes.
   */
  typ?: string | readonly string[] | undefined
  /** Validate as of this instant (tests, spec vectors); default: now. An invalid `Date` is a `TypeError`. */
  currentDate?: Date | undefined
  /**
   * Extra checks, awaited; a throw, a rejection or a `false` result rejects the token
   * (`claim_validation`).
   */
  claimsValidator?: ((claims: Claims) => unknown) | undefined
  /** Switches for individual checks. */
  options?: ValidationOptions | undefined
  /** Discovery policy, in discovery mode. */
  policy?: DiscoveryPolicy | undefined
  /** The metadata cache (default: the process-wide one). */
  cache?: ProviderCache | undefined
  /** A custom `fetch` for the discovery and JWKS requests. */
  fetch?: typeof fetch | undefined
  /** Per-attempt timeout of the discovery and JWKS requests, in milliseconds. */
  timeoutMs?: number | undefined
  /**
   * Where asymmetric signatures are verified. `'auto'` (the default, also in the middleware
   * adapters): on this thread when the validation is alone, on the libuv thread pool when others
   * are in flight. `'always'`: always on the pool, which keeps the event loop free of the
   * signature (about 25 µs for RS256) but costs a server several times that in CPU per request
   * for the hand-over (measured by `npm run bench`, HTTP scenario). `'never'`: always on this
   * thread.
   */
  threadPool?: 'auto' | 'always' | 'never' | undefined
  /**
   * Remember verified tokens (off by default); see {@link VerifiedTokenCache} for when that is
   * safe. Use it with a config object that is created once and reused.
   */
  verifiedTokenCache?: VerifiedTokenCache | undefined
}

/**
 * Token validation settings, for readers coming from py-identity-model; a plain object of the
 * same shape works everywhere it does.
 *
 * @example
 * ```ts
 * const config = new TokenValidationConfig({ performDisco: true, audience: 'my-api' })
 * const claims = await validateToken(jwt, config, 'https://id.example.com')
 * ```
 */
// The interface gives the class its fields, so they are exactly the init type's and the class
// stays without behaviour; instances carry only the members that were passed.
export interface TokenValidationConfig extends TokenValidationConfigInit {}
// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: the fields come from the interface by design.
export class TokenValidationConfig {
  constructor(init: TokenValidationConfigInit) {
    Object.assign(this, init)
  }
}

/** The default clock tolerance, in seconds. */
export const DEFAULT_LEEWAY_SECONDS = 5
