/**
 * DPoP proofs (RFC 9449 §4): the JWT a client signs for each request with its DPoP key, so the
 * server can check the request comes from the holder of the key a token is bound to.
 */
import { parseHttpUrl } from '../internal/url.js'
import { sha256Base64url } from '../kernel/digest.js'
import type { SigningKey } from '../kernel/keys.js'
import { randomValue } from '../kernel/random.js'
import { signJwt } from '../kernel/sign.js'
import type { JsonWebKey } from '../kernel/types.js'
import { type DpopAlgorithm, type DpopPrivateKey, dpopSigningKey, type PublicJwk } from './keys.js'

/** The `typ` header of a DPoP proof (RFC 9449 §4.2). */
export const DPOP_PROOF_TYPE = 'dpop+jwt'

/** What a proof says about its request. */
export interface DpopProofClaims {
  /** The HTTP method of the request (`POST`, `GET` ...), as sent. */
  htm: string
  /** The request URL; its query and fragment are left out of the proof. */
  htu: string | URL
  /** The server's latest `DPoP-Nonce`, when it asked for one (RFC 9449 §8, §9). */
  nonce?: string | undefined
  /**
   * The access token sent with a resource request: its hash goes into `ath`. Leave it out for
   * token requests, whose proofs bind no token.
   */
  accessToken?: string | undefined
}

/** What {@link createDpopProof} takes: the key and the request's claims. */
export interface DpopProofInit extends DpopProofClaims {
  /** The private key: a private JWK (with `d`), a `KeyObject` or a `CryptoKey`. */
  privateKey: DpopPrivateKey
  /**
   * Its public JWK; derived from the private key when left out (needed for a non-extractable
   * `CryptoKey`, such as {@link generateDpopKeyPair} makes: pass its `publicJwk`).
   */
  publicJwk?: JsonWebKey | PublicJwk | undefined
  /** The algorithm; default: the JWK's `alg`, else what the key implies (RSA → RS256, P-256 → ES256 ...). */
  alg?: DpopAlgorithm | undefined
}

const METHOD = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/
/** RFC 9449 §8.1: `nonce = 1*NQCHAR`, NQCHAR = %x21 / %x23-5B / %x5D-7E. */
const NONCE = /^[\x21\x23-\x5B\x5D-\x7E]+$/

/**
 * Signs a DPoP proof for one request: header `typ: dpop+jwt`, the key's `alg` and its public
 * `jwk` (required members only, never private ones); payload `jti` (fresh random), `htm`, `htu`
 * (without query and fragment), `iat`, `nonce` when given, and `ath` =
 * BASE64URL(SHA-256(access token)) when an access token is given.
 *
 * Most code does not call this: pass a {@link createDpop} handle as `dpop` to a token request,
 * or use {@link createDpopFetch}; they add the nonce the server asked for and retry once.
 *
 * @example
 * ```ts
 * const keyPair = await generateDpopKeyPair()
 * const proof = await createDpopProof({
 *   privateKey: keyPair.privateKey, publicJwk: keyPair.publicJwk,
 *   htm: 'GET', htu: 'https://api.example.com/orders', accessToken,
 * })
 * await fetch('https://api.example.com/orders', {
 *   headers: { authorization: `DPoP ${accessToken}`, dpop: proof },
 * })
 * ```
 * @remarks **Warning:** a proof is a credential for its request: send it once, to the server it
 * names, and never log it.
 * @see RFC 9449 §4.2 (the proof), §7.1 (`ath` on resource requests), §8 (nonce)
 * @throws TypeError for a key that cannot sign DPoP proofs (public, symmetric, an RSA modulus
 *   under 2048 bits), an invalid method, URL or nonce, or an empty access token.
 */
export async function createDpopProof(init: DpopProofInit): Promise<string> {
  if (init === null || typeof init !== 'object') {
    throw new TypeError('createDpopProof needs { privateKey, htm, htu }')
  }
  const key = await dpopSigningKey(init.privateKey, init.publicJwk, init.alg)
  return signDpopProof(key, init)
}

/** Signs a proof with a resolved key (what {@link createDpopProof} and the DPoP handle share). */
export async function signDpopProof(
  key: SigningKey & { readonly publicJwk: PublicJwk },
  claims: DpopProofClaims,
): Promise<string> {
  const payload: Record<string, string | number> = {
    jti: randomValue(16),
    htm: checkMethod(claims.htm),
    htu: targetUri(claims.htu),
    iat: Math.floor(Date.now() / 1000),
  }
  if (claims.nonce !== undefined) payload.nonce = checkNonce(claims.nonce)
  if (claims.accessToken !== undefined) payload.ath = dpopAccessTokenHash(claims.accessToken)
  // The header names the key by its public JWK only (never a `kid`: RFC 9449 §4.2).
  return signJwt({ typ: DPOP_PROOF_TYPE, jwk: { ...key.publicJwk } }, payload, key)
}

/**
 * The `ath` of a resource request's proof: BASE64URL(SHA-256(ASCII(access token))), unpadded.
 *
 * @example
 * ```ts
 * dpopAccessTokenHash('Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU') // 'fUHyO2r2Z3DZ53EsNrWBb0xWXoaNy59IiKCAqksmQEo'
 * ```
 * @see RFC 9449 §4.2 (`ath`)
 * @throws TypeError for an empty access token.
 */
export function dpopAccessTokenHash(accessToken: string): string {
  if (typeof accessToken !== 'string' || accessToken.length === 0) {
    throw new TypeError('the access token for a DPoP proof must be a non-empty string')
  }
  return sha256Base64url(accessToken)
}

/** The `htu` a client sends: the request URL's origin and path, as the request line carries it. */
function targetUri(htu: string | URL): string {
  const url = parseHttpUrl(htu instanceof URL ? htu.href : htu, 'htu')
  return `${url.origin}${url.pathname}`
}

function checkMethod(htm: string): string {
  if (typeof htm !== 'string' || !METHOD.test(htm)) {
    throw new TypeError('htm must be an HTTP method such as "POST" or "GET"')
  }
  return htm
}

/** Checks a nonce's syntax (RFC 9449 §8.1); a server's garbage must not go into a signed proof. */
export function checkNonce(nonce: string): string {
  if (typeof nonce !== 'string' || !NONCE.test(nonce)) {
    throw new TypeError('a DPoP nonce is one or more visible ASCII characters without quotes')
  }
  return nonce
}

/** True for a syntactically valid `DPoP-Nonce` value. */
export function isNonce(value: string | null | undefined): value is string {
  return typeof value === 'string' && NONCE.test(value)
}
