/**
 * An optional cache of tokens already verified, for APIs that see the same token many times
 * (a client calling repeatedly within its token's lifetime). Off by default.
 */
import { hashKey } from '../kernel/digest.js'
import type { Claims } from '../kernel/jws.js'
import type { VerificationKey } from '../kernel/keys.js'

/** Settings of a {@link VerifiedTokenCache}. */
export interface VerifiedTokenCacheOptions {
  /** Tokens remembered before the least recently used is dropped (default 10 000). */
  maxEntries?: number
}

interface Entry {
  readonly claims: Claims
  /** The token's `exp`, in seconds: the entry never outlives it. */
  readonly exp: number
  /** The key that verified it: the entry is dropped once that key leaves the key set. */
  readonly key: VerificationKey
  /** The configuration it was checked against: a hit needs the very same config object. */
  readonly config: object
}

/**
 * Remembers verified tokens by the SHA-256 of their full text (never the text itself).
 *
 * A hit skips parsing and the signature check; the time checks still hold because an entry never
 * outlives its token's `exp`, and a `claimsValidator` still runs on every hit. An entry is only
 * used with the same config object that verified it, and is dropped when its key leaves the key
 * set (a refreshed key set drops them all, conservatively).
 *
 * @remarks Safe to turn on when the config object is created once and reused (as middleware
 * does), and when nothing outside the claims must be re-checked on every request. Claims served
 * from the cache are frozen objects shared between hits. Not useful when every request carries a
 * new token.
 *
 * @example
 * ```ts
 * const config = { performDisco: true, audience: 'my-api', verifiedTokenCache: new VerifiedTokenCache() }
 * await validateToken(token, config, issuer) // verifies
 * await validateToken(token, config, issuer) // a hash and a lookup
 * ```
 */
export class VerifiedTokenCache {
  readonly #entries = new Map<string, Entry>()
  readonly #maxEntries: number

  constructor(options: VerifiedTokenCacheOptions = {}) {
    this.#maxEntries = options.maxEntries ?? 10_000
  }

  /** Tokens currently remembered. */
  get size(): number {
    return this.#entries.size
  }

  /** Forgets everything. */
  clear(): void {
    this.#entries.clear()
  }

  /** @internal The key a token is remembered under: the SHA-256 of its full text. */
  keyOf(token: string): string {
    return hashKey(token)
  }

  /** @internal The cached claims, when the token was verified with this config and still holds. */
  lookup(
    hash: string,
    config: object,
    now: number,
    keys: readonly VerificationKey[] | undefined,
  ): Claims | undefined {
    const entry = this.#entries.get(hash)
    if (entry === undefined) return undefined
    const keyGone = keys !== undefined && !keys.includes(entry.key)
    if (now >= entry.exp || keyGone) {
      this.#entries.delete(hash)
      return undefined
    }
    if (entry.config !== config || keys === undefined) return undefined
    this.#entries.delete(hash)
    this.#entries.set(hash, entry)
    return entry.claims
  }

  /** @internal Remembers a verified token (only tokens with an `exp`), by {@link keyOf}. */
  remember(hash: string, config: object, claims: Claims, key: VerificationKey): void {
    if (typeof claims.exp !== 'number') return
    if (this.#entries.size >= this.#maxEntries) {
      const oldest = this.#entries.keys().next()
      if (!oldest.done) this.#entries.delete(oldest.value)
    }
    this.#entries.set(hash, {
      claims: Object.freeze(claims),
      exp: claims.exp,
      key,
      config,
    })
  }
}
