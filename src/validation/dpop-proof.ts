/**
 * Checking a DPoP proof the way a resource server (or an authorization server) must, per
 * RFC 9449 §4.3: one well-formed JWT of `typ: dpop+jwt`, signed with an asymmetric algorithm by
 * the public key in its own `jwk` header, for this request's method and URI, recent, with the
 * server's nonce when one is required, bound to the presented access token, and never seen before.
 */
import { normalizeHtu } from '../dpop/htu.js'
import { DPOP_ALGORITHMS, type DpopAlgorithm, type PublicJwk } from '../dpop/keys.js'
import { DPOP_PROOF_TYPE, dpopAccessTokenHash } from '../dpop/proof.js'
import { TokenValidationError } from '../errors.js'
import { checkClaims, checkedLeeway, checkedNow, claimError } from '../kernel/claims.js'
import { type DecodedJws, decodeJws } from '../kernel/jws.js'
import {
  hasPrivateMembers,
  importVerificationKey,
  jwkThumbprint,
  publicMembers,
} from '../kernel/keys.js'
import { checkTyp } from '../kernel/typ.js'
import { checkAlgorithm, verifySignature } from '../kernel/verify.js'
import type { DpopReplayCheck } from './replay-checks.js'

/** What {@link validateDpopProof} checks the proof against. */
export interface DpopProofValidationOptions {
  /** The method of the request the proof came with (`GET`, `POST` ...). */
  htm: string
  /** The URI of that request, as the client addressed it; query and fragment are ignored. */
  htu: string | URL
  /** The access token that came with the proof: its hash must be the proof's `ath`. */
  accessToken?: string | undefined
  /** The `cnf.jkt` of that access token: the thumbprint of the proof's key must equal it. */
  expectedJkt?: string | undefined
  /**
   * The nonce the proof must carry: the exact value, or a check of the value (for nonces that
   * rotate). A proof without one, or with another, fails with `claim: 'nonce'`.
   */
  nonce?: string | ((nonce: string) => boolean | Promise<boolean>) | undefined
  /** How old a proof may be, by its `iat`, in seconds (default 300). */
  maxAgeSeconds?: number | undefined
  /** Clock tolerance in seconds (default 5): how far in the future `iat` may be, and extra age. */
  leeway?: number | undefined
  /** Accepted algorithms (default: every asymmetric one; `none` and HMAC are never accepted). */
  algorithms?: readonly DpopAlgorithm[] | undefined
  /** A replay check (see `createDpopReplayCache`), run last, for proofs that passed the rest. */
  isReplay?: DpopReplayCheck | undefined
  /** Validate as of this instant (tests); default: now. */
  currentDate?: Date | undefined
}

/** The payload of a DPoP proof (RFC 9449 §4.2). */
export interface DpopProofClaimsSet {
  readonly jti: string
  readonly htm: string
  readonly htu: string
  readonly iat: number
  readonly nonce?: string
  readonly ath?: string
  readonly [claim: string]: unknown
}

/** A proof that passed {@link validateDpopProof}. */
export interface ValidatedDpopProof {
  readonly header: { readonly alg: DpopAlgorithm; readonly typ: string; readonly jwk: PublicJwk }
  readonly claims: DpopProofClaimsSet
  /** The RFC 7638 thumbprint of the proof's key (what a bound token's `cnf.jkt` must equal). */
  readonly jkt: string
}

/** The default `maxAgeSeconds` of a proof. */
export const DEFAULT_MAX_AGE_SECONDS = 300
/** The default `leeway` for a proof's `iat`. */
export const DEFAULT_LEEWAY_SECONDS = 5
const MAX_JTI_LENGTH = 256

/**
 * Validates a DPoP proof (the value of the request's `DPoP` header) against the request it came
 * with, per RFC 9449 §4.3:
 *
 * 1. one well-formed JWT (a header value with several proofs is refused: `malformed`);
 * 2. header `typ` `dpop+jwt` (`malformed`), `alg` asymmetric and accepted (`alg_none`,
 *    `unsupported_alg`), `jwk` a public key (`malformed` when missing or holding private
 *    members; `key_conversion` when it does not fit `alg` or is an RSA key under 2048 bits);
 * 3. the signature, by that `jwk` (`signature`);
 * 4. the claims (`claim_validation`, with `claim` naming the field): `jti` present, `htm` equal
 *    to the method, `htu` equal to the URI (both normalised, query and fragment ignored), `iat`
 *    within `maxAgeSeconds` (and not in the future), `nonce` when required, `ath` the hash of
 *    `accessToken` when given, the key's thumbprint equal to `expectedJkt` (`claim: 'jkt'`) when
 *    given, and finally `isReplay` (`claim: 'jti'`).
 *
 * @example
 * ```ts
 * const proof = await validateDpopProof(req.headers.dpop, {
 *   htm: req.method, htu: `https://api.example.com${req.path}`,
 *   accessToken, expectedJkt: claims.cnf.jkt, isReplay: createDpopReplayCache(),
 * })
 * ```
 * Most servers do not call this directly: the middleware (`requireToken({ ..., dpop: {} })`)
 * does, with the request's method and URI, the token's `cnf.jkt`, a replay cache and nonces.
 * @remarks **Warning:** without `isReplay`, a captured proof can be replayed within
 * `maxAgeSeconds`; without `expectedJkt` and `accessToken`, the proof proves nothing about the
 * token.
 * @see RFC 9449 §4.3 (checking DPoP proofs), §7.1 (resource servers), §11.1 (replay)
 * @throws {@link TokenValidationError} for a proof that fails a check (its message names the
 *   field and never contains the proof or the token); `TypeError` for invalid options.
 */
export async function validateDpopProof(
  proof: string | readonly string[] | undefined,
  options: DpopProofValidationOptions,
): Promise<ValidatedDpopProof> {
  const settings = checkOptions(options)
  if (Array.isArray(proof) || (typeof proof === 'string' && proof.includes(','))) {
    throw malformed('the request carries more than one DPoP proof')
  }
  if (typeof proof !== 'string' || proof.length === 0) {
    throw malformed('the DPoP proof is missing')
  }
  const jws = decodeJws(proof)
  checkTyp(jws.header, { accept: [DPOP_PROOF_TYPE] }, 'DPoP proof')
  const alg = jws.header.alg
  checkAlgorithm(alg, settings.algorithms)
  const jwk = embeddedKey(jws.header)
  await verifyWithEmbeddedKey(jws, jwk, alg)
  const jkt = jwkThumbprint(jwk as unknown as Record<string, unknown>)
  const now = Math.floor(settings.now)
  const checked = await checkProofClaims(jws.claims, settings, now)
  if (settings.accessToken !== undefined) {
    if (checked.ath !== dpopAccessTokenHash(settings.accessToken)) {
      throw claimError('ath', 'the DPoP proof ath is not the hash of the presented access token')
    }
  }
  if (settings.expectedJkt !== undefined && jkt !== settings.expectedJkt) {
    throw claimError('jkt', 'the DPoP proof key is not the key the access token is bound to')
  }
  if (settings.isReplay !== undefined) {
    const until = checked.iat + settings.maxAgeSeconds + settings.leeway
    if (await settings.isReplay(checked.jti, { jkt, until })) {
      throw claimError('jti', 'the DPoP proof was used before (its jti was seen)')
    }
  }
  return {
    header: { alg: alg as DpopAlgorithm, typ: jws.header.typ as string, jwk },
    claims: checked,
    jkt,
  }
}

interface Settings extends DpopProofValidationOptions {
  readonly htu: string
  readonly now: number
  readonly maxAgeSeconds: number
  readonly leeway: number
  readonly algorithms: readonly DpopAlgorithm[]
}

function checkOptions(options: DpopProofValidationOptions): Settings {
  if (options === null || typeof options !== 'object') {
    throw new TypeError('validateDpopProof needs options: { htm, htu, ... }')
  }
  if (typeof options.htm !== 'string' || options.htm.length === 0) {
    throw new TypeError('htm (the request method) is required')
  }
  const htu = normalizeHtu(options.htu)
  if (htu === undefined) throw new TypeError('htu must be the absolute http(s) URI of the request')
  const maxAgeSeconds = options.maxAgeSeconds ?? DEFAULT_MAX_AGE_SECONDS
  const leeway = checkedLeeway(options.leeway, DEFAULT_LEEWAY_SECONDS)
  if (!(Number.isFinite(maxAgeSeconds) && maxAgeSeconds > 0)) {
    throw new TypeError('maxAgeSeconds must be a number of seconds > 0')
  }
  const now = checkedNow(options.currentDate)
  const algorithms = options.algorithms ?? DPOP_ALGORITHMS
  for (const alg of algorithms) {
    if (!DPOP_ALGORITHMS.includes(alg)) {
      throw new TypeError(`algorithms: ${JSON.stringify(alg)} is not an asymmetric JWS algorithm`)
    }
  }
  if (options.accessToken !== undefined && typeof options.accessToken !== 'string') {
    throw new TypeError('accessToken must be a string')
  }
  return { ...options, htu, now, maxAgeSeconds, leeway, algorithms }
}

/** The public key in the `jwk` header: present, public, and of a type DPoP signs with. */
function embeddedKey(header: Readonly<Record<string, unknown>>): PublicJwk {
  const jwk = header.jwk
  if (jwk === null || typeof jwk !== 'object' || Array.isArray(jwk)) {
    throw malformed('the DPoP proof header has no jwk (the public key that signed it)')
  }
  if (hasPrivateMembers(jwk)) {
    throw malformed('the DPoP proof jwk holds private key members; it must be a public key')
  }
  try {
    return publicMembers(jwk as Record<string, unknown>)
  } catch (cause) {
    throw new TokenValidationError(
      'malformed',
      'the DPoP proof jwk is not an RSA, EC or OKP public key',
      { cause },
    )
  }
}

/** Verifies the proof with the key in its own header (which must fit `alg`). */
async function verifyWithEmbeddedKey(jws: DecodedJws, jwk: PublicJwk, alg: string): Promise<void> {
  const key = await importVerificationKey({ ...jwk, alg }, { allowSymmetric: false })
  if (typeof key === 'string') {
    throw new TokenValidationError('key_conversion', `the DPoP proof jwk is unusable: ${key}`)
  }
  try {
    await verifySignature(jws, alg, [key], false)
  } catch (cause) {
    if (cause instanceof TokenValidationError && cause.code === 'signature') {
      throw new TokenValidationError(
        'signature',
        'the DPoP proof signature does not verify with its jwk',
        { cause },
      )
    }
    throw cause
  }
}

async function checkProofClaims(
  claims: Record<string, unknown>,
  settings: Settings,
  now: number,
): Promise<DpopProofClaimsSet> {
  const { jti, htm, htu, nonce, ath } = claims
  if (typeof jti !== 'string' || jti.length === 0 || jti.length > MAX_JTI_LENGTH) {
    throw claimError('jti', 'the DPoP proof has no jti (or one over 256 characters)')
  }
  if (htm !== settings.htm) {
    throw claimError('htm', `the DPoP proof htm does not match the request method ${settings.htm}`)
  }
  if (typeof htu !== 'string' || normalizeHtu(htu) !== settings.htu) {
    throw claimError('htu', `the DPoP proof htu does not match the request URI ${settings.htu}`)
  }
  checkClaims(claims, {
    now,
    leeway: settings.leeway,
    requireIat: true,
    maxAgeSeconds: settings.maxAgeSeconds,
    what: 'the DPoP proof',
  })
  if (nonce !== undefined && typeof nonce !== 'string') {
    throw claimError('nonce', 'the DPoP proof nonce is not a string')
  }
  if (settings.nonce !== undefined) {
    if (nonce === undefined)
      throw claimError('nonce', 'the DPoP proof has no nonce; one is required')
    const valid =
      typeof settings.nonce === 'string' ? nonce === settings.nonce : await settings.nonce(nonce)
    if (!valid) throw claimError('nonce', 'the DPoP proof nonce is not the current one')
  }
  if (ath !== undefined && typeof ath !== 'string') {
    throw claimError('ath', 'the DPoP proof ath is not a string')
  }
  if (settings.accessToken !== undefined && ath === undefined) {
    throw claimError('ath', 'the DPoP proof has no ath, but it comes with an access token')
  }
  return claims as DpopProofClaimsSet
}

function malformed(message: string): TokenValidationError {
  return new TokenValidationError('malformed', message)
}
