/**
 * Proof Key for Code Exchange (RFC 7636): the code verifier and its S256 challenge, and the
 * random values of an authorization request. Synchronous on every runtime (the kernel hashes
 * where Web Crypto would need a promise).
 *
 * @see RFC 7636 §4.1, §4.2
 */
import { sha256Base64url } from '../kernel/digest.js'
import { randomValue } from '../kernel/random.js'

/** RFC 7636 §4.1: 43 to 128 characters of `[A-Za-z0-9-._~]`. */
const VERIFIER = /^[A-Za-z0-9\-._~]{43,128}$/

/**
 * Creates a PKCE code verifier: 32 random bytes, base64url-encoded (43 characters of the
 * unreserved set), as RFC 7636 §4.1 recommends.
 *
 * @example
 * ```ts
 * const codeVerifier = createCodeVerifier()
 * const codeChallenge = createCodeChallenge(codeVerifier)
 * ```
 * @see RFC 7636 §4.1
 */
export function createCodeVerifier(): string {
  return randomValue(32)
}

/**
 * The S256 code challenge of a verifier: `BASE64URL(SHA256(ASCII(verifier)))`. The `plain`
 * method is not offered: RFC 9700 §2.1.1 tells clients to use S256.
 *
 * @example
 * ```ts
 * createCodeChallenge('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk')
 * // 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM'
 * ```
 * @see RFC 7636 §4.2
 * @throws TypeError when the verifier is not 43-128 characters of `[A-Za-z0-9-._~]`.
 */
export function createCodeChallenge(codeVerifier: string): string {
  if (typeof codeVerifier !== 'string' || !VERIFIER.test(codeVerifier)) {
    throw new TypeError('a PKCE code verifier is 43 to 128 characters of [A-Za-z0-9-._~]')
  }
  return sha256Base64url(codeVerifier)
}
