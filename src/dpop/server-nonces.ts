/**
 * Server-provided DPoP nonces (RFC 9449 §8, §9) for a resource server: unpredictable, stateless
 * (an HMAC of the current time window), valid for the current and the previous window.
 */
import { hmac } from '../kernel/digest.js'
import { decodeBase64url, encodeBase64url, timingSafeEqual } from '../kernel/encoding.js'
import { randomBytes } from '../kernel/random.js'

/** Where a server gets the nonces it hands out and checks. */
export interface DpopNonceSource {
  /** The nonce to send now in `DPoP-Nonce`. */
  current(): string | Promise<string>
  /** Whether a proof's nonce is acceptable (issued recently by this source). */
  isValid(nonce: string): boolean | Promise<boolean>
}

/** The synchronous nonce source {@link createDpopNonces} makes. */
export interface DpopNonces extends DpopNonceSource {
  current(): string
  isValid(nonce: string): boolean
}

/** Options of {@link createDpopNonces}. */
export interface DpopNoncesOptions {
  /**
   * The HMAC key, at least 32 bytes. Default: random, per process. Every instance behind one
   * load balancer needs the same secret, or a nonce from one is refused by the next.
   */
  secret?: Uint8Array | undefined
  /** Length of a nonce window in seconds (default 300): a nonce lives one to two windows. */
  windowSeconds?: number | undefined
  /** The clock in milliseconds (tests). */
  now?: (() => number) | undefined
}

const MAC_BYTES = 16

/**
 * Creates a nonce source: each nonce is the number of the current time window and an HMAC of
 * it, so any instance that shares the secret can check it without storing anything. A nonce is
 * accepted during its own window and the next one; then the client is answered
 * `use_dpop_nonce` with a fresh one and retries.
 *
 * @example
 * ```ts
 * const nonces = createDpopNonces({ secret: Uint8Array.from(atob(process.env.DPOP_NONCE_SECRET!), (c) => c.charCodeAt(0)) })
 * app.use('/api', requireToken({ discoDocAddress, audience: 'my-api', dpop: { nonce: nonces } }))
 * ```
 * @see RFC 9449 §8 (nonces must be unpredictable), §9 (resource server nonces), §11.1 (replay)
 * @throws TypeError for a secret under 32 bytes or a window that is not a positive number.
 */
export function createDpopNonces(options: DpopNoncesOptions = {}): DpopNonces {
  const secret = options.secret ?? randomBytes(32)
  if (!(secret instanceof Uint8Array) || secret.byteLength < 32) {
    throw new TypeError('the DPoP nonce secret must be at least 32 bytes')
  }
  const windowSeconds = options.windowSeconds ?? 300
  if (!(Number.isFinite(windowSeconds) && windowSeconds > 0)) {
    throw new TypeError('windowSeconds must be a number of seconds > 0')
  }
  const now = options.now ?? Date.now
  const windowOf = (): number => Math.floor(now() / 1000 / windowSeconds)
  const mac = (window: number): Uint8Array =>
    hmac('SHA-256', secret, `dpop-nonce:${window}`).subarray(0, MAC_BYTES)
  const encode = (window: number): string =>
    `${window.toString(36)}.${encodeBase64url(mac(window))}`

  return {
    current: () => encode(windowOf()),
    isValid(nonce) {
      if (typeof nonce !== 'string') return false
      const dot = nonce.indexOf('.')
      const window = Number.parseInt(nonce.slice(0, dot), 36)
      const current = windowOf()
      if (dot < 1 || !(window === current || window === current - 1)) return false
      if (nonce.slice(0, dot) !== window.toString(36)) return false
      const given = decodeBase64url(nonce.slice(dot + 1))
      return given?.length === MAC_BYTES && timingSafeEqual(given, mac(window))
    },
  }
}
