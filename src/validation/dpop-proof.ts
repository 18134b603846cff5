/**
 * Checking a DPoP proof the way a resource server (or an authorization server) must, per
 * RFC 9449 §4.3: one well-formed JWT of `typ: dpop+jwt`, signed with an asymmetric algorithm by
 * the public key in its own `jwk` header, for this request's method and URI, recent, with the
 * server's nonce when one is required, bound to the presented access token, and never seen before.
 */
import { compactVerify, importJWK, type JWK } from 'jose'
import { normalizeHtu } from '../dpop/htu.js'
import {
  DPOP_ALGORITHMS,
  type DpopAlgorithm,
  dpopThumbprint,
  keyMismatch,
  type PublicJwk,
  publicMembers,
} from '../dpop/keys.js'
import { DPOP_PROOF_TYPE, dpopAccessTokenHash } from '../dpop/proof.js'
import { TokenValidationError, type TokenValidationErrorCode } from '../errors.js'
import { decodeBase64url } from '../internal/base64url.js'
import { quote } from '../internal/quote.js'
import type { DpopReplayCheck } from '../kernel/replay.js'

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
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const

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
  const { header, claims } = decodeProof(proof)
  const alg = checkHeader(header, settings.algorithms)
  const jwk = embeddedKey(header)
  const key = await publicKey(jwk, alg)
  await verifySignature(proof as string, key, alg)
  const jkt = await dpopThumbprint(jwk)
  const nowSeconds = Math.floor((settings.currentDate?.getTime() ?? Date.now()) / 1000)
  const checked = await checkClaims(claims, settings, nowSeconds)
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
  return { header: { alg, typ: header.typ as string, jwk }, claims: checked, jkt }
}

interface Settings extends DpopProofValidationOptions {
  readonly htu: string
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
  const leeway = options.leeway ?? DEFAULT_LEEWAY_SECONDS
  if (!(Number.isFinite(maxAgeSeconds) && maxAgeSeconds > 0)) {
    throw new TypeError('maxAgeSeconds must be a number of seconds > 0')
  }
  if (!(Number.isFinite(leeway) && leeway >= 0)) {
    throw new TypeError('leeway must be a number of seconds >= 0')
  }
  const algorithms = options.algorithms ?? DPOP_ALGORITHMS
  for (const alg of algorithms) {
    if (!DPOP_ALGORITHMS.includes(alg)) {
      throw new TypeError(`algorithms: ${JSON.stringify(alg)} is not an asymmetric JWS algorithm`)
    }
  }
  if (options.accessToken !== undefined && typeof options.accessToken !== 'string') {
    throw new TypeError('accessToken must be a string')
  }
  return { ...options, htu, maxAgeSeconds, leeway, algorithms }
}

interface DecodedProof {
  readonly header: Record<string, unknown>
  readonly claims: Record<string, unknown>
}

function decodeProof(proof: unknown): DecodedProof {
  if (Array.isArray(proof) || (typeof proof === 'string' && proof.includes(','))) {
    throw malformed('the request carries more than one DPoP proof')
  }
  if (typeof proof !== 'string' || proof.length === 0) {
    throw malformed('the DPoP proof is missing')
  }
  const parts = proof.split('.')
  if (parts.length !== 3) throw malformed('the DPoP proof is not a compact JWS')
  return { header: jsonObject(parts[0]!, 'header'), claims: jsonObject(parts[1]!, 'payload') }
}

/** The public key in the `jwk` header: present, public, and of a type DPoP signs with. */
function embeddedKey(header: Record<string, unknown>): PublicJwk {
  const jwk = header.jwk
  if (jwk === null || typeof jwk !== 'object' || Array.isArray(jwk)) {
    throw malformed('the DPoP proof header has no jwk (the public key that signed it)')
  }
  for (const member of PRIVATE_MEMBERS) {
    if (Object.hasOwn(jwk, member)) {
      throw malformed('the DPoP proof jwk holds private key members; it must be a public key')
    }
  }
  try {
    return publicMembers(jwk as JWK)
  } catch (cause) {
    throw new TokenValidationError(
      'malformed',
      'the DPoP proof jwk is not an RSA, EC or OKP public key',
      { cause },
    )
  }
}

function jsonObject(part: string, what: string): Record<string, unknown> {
  const bytes = decodeBase64url(part)
  let value: unknown
  try {
    value = bytes === undefined ? undefined : JSON.parse(bytes.toString('utf8'))
  } catch {
    value = undefined
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw malformed(`the DPoP proof ${what} is not a base64url JSON object`)
  }
  return value as Record<string, unknown>
}

function checkHeader(
  header: Record<string, unknown>,
  algorithms: readonly DpopAlgorithm[],
): DpopAlgorithm {
  const typ = typeof header.typ === 'string' ? header.typ.toLowerCase() : undefined
  if (typ !== DPOP_PROOF_TYPE && typ !== `application/${DPOP_PROOF_TYPE}`) {
    throw malformed('the DPoP proof typ is not "dpop+jwt"')
  }
  const alg = header.alg
  if (typeof alg !== 'string') throw malformed('the DPoP proof header has no alg')
  if (alg.toLowerCase() === 'none') {
    throw new TokenValidationError('alg_none', 'the DPoP proof is unsigned (alg "none")')
  }
  if (!algorithms.includes(alg as DpopAlgorithm)) {
    throw new TokenValidationError(
      'unsupported_alg',
      `the DPoP proof algorithm ${quote(alg)} is not accepted (accepted: ${algorithms.join(', ')}; never a symmetric one)`,
    )
  }
  return alg as DpopAlgorithm
}

type VerificationKey = Awaited<ReturnType<typeof importJWK>>

async function publicKey(jwk: PublicJwk, alg: DpopAlgorithm): Promise<VerificationKey> {
  const mismatch = keyMismatch(alg, jwk)
  if (mismatch !== undefined) {
    throw new TokenValidationError('key_conversion', `the DPoP proof jwk is unusable: ${mismatch}`)
  }
  try {
    return await importJWK({ ...jwk }, alg)
  } catch (cause) {
    throw new TokenValidationError('key_conversion', 'the DPoP proof jwk cannot be imported', {
      cause,
    })
  }
}

async function verifySignature(
  proof: string,
  key: VerificationKey,
  alg: DpopAlgorithm,
): Promise<void> {
  try {
    await compactVerify(proof, key, { algorithms: [alg] })
  } catch (cause) {
    const code: TokenValidationErrorCode =
      (cause as { code?: unknown })?.code === 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED'
        ? 'signature'
        : 'malformed'
    throw new TokenValidationError(
      code,
      code === 'signature'
        ? 'the DPoP proof signature does not verify with its jwk'
        : 'the DPoP proof is not a valid JWS',
      { cause },
    )
  }
}

async function checkClaims(
  claims: Record<string, unknown>,
  settings: Settings,
  now: number,
): Promise<DpopProofClaimsSet> {
  const { jti, htm, htu, iat, nonce, ath } = claims
  if (typeof jti !== 'string' || jti.length === 0 || jti.length > MAX_JTI_LENGTH) {
    throw claimError('jti', 'the DPoP proof has no jti (or one over 256 characters)')
  }
  if (htm !== settings.htm) {
    throw claimError('htm', `the DPoP proof htm does not match the request method ${settings.htm}`)
  }
  if (typeof htu !== 'string' || normalizeHtu(htu) !== settings.htu) {
    throw claimError('htu', `the DPoP proof htu does not match the request URI ${settings.htu}`)
  }
  if (typeof iat !== 'number' || !Number.isFinite(iat)) {
    throw claimError('iat', 'the DPoP proof has no numeric iat')
  }
  if (iat > now + settings.leeway) throw claimError('iat', 'the DPoP proof iat is in the future')
  if (iat < now - settings.maxAgeSeconds - settings.leeway) {
    throw claimError('iat', `the DPoP proof is older than ${settings.maxAgeSeconds} s (by its iat)`)
  }
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

function claimError(claim: string, message: string): TokenValidationError {
  return new TokenValidationError('claim_validation', message, { claim })
}
