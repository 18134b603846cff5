/**
 * Keys, the one place that turns what callers and providers hand us into keys the backend can
 * use: verification keys from public JWKs (or a Node.js `KeyObject`), signing keys from private
 * JWKs, `KeyObject`s or `CryptoKey`s, generated key pairs, and RFC 7638 thumbprints. Policy
 * (which algorithm fits which key, RSA at least 2048 bits, never a private member where a public
 * key belongs) is decided here, once, for every backend.
 */
import { backend } from '#crypto-backend'
import {
  ASYMMETRIC_ALGORITHMS,
  algorithmSpec,
  algorithmsForKey,
  impliedAlgorithm,
  keyFits,
  MIN_RSA_BITS,
} from './algorithms.js'
import type { VerifyHandle } from './backend/types.js'
import { decodeBase64url, encodeBase64url } from './encoding.js'
import type { CryptoKey, JsonWebKey, KeyObject, PrivateKeyInput, PublicJwk } from './types.js'

/** A key imported for verification: its `kid`, type, and one backend handle per algorithm. */
export interface VerificationKey {
  readonly kid: string | undefined
  readonly kty: 'RSA' | 'EC' | 'OKP' | 'oct'
  /** Algorithm → backend handle; only the algorithms this key may verify. */
  readonly handles: ReadonlyMap<string, VerifyHandle>
  /** The exact signature length for this key where it depends on the key (RSA: k octets). */
  readonly signatureLength: number | undefined
}

/** Members that only a private (or secret) key has. */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const

/** The members of a public JWK that RFC 7638 §3.2 hashes, in their lexicographic order. */
const THUMBPRINT_MEMBERS: Readonly<Record<string, readonly string[]>> = {
  RSA: ['e', 'kty', 'n'],
  EC: ['crv', 'kty', 'x', 'y'],
  OKP: ['crv', 'kty', 'x'],
}

/**
 * Imports one JWK for verification, or says (without key material) why it cannot be used:
 * encryption keys (`use: "enc"`), keys whose `key_ops` exclude `verify`, unsupported types and
 * curves, RSA keys under 2048 bits and keys that do not import are refused. A symmetric (`oct`)
 * key only when `allowSymmetric` (a static key the caller configured): a provider's published
 * set never makes HMAC possible.
 */
export async function importVerificationKey(
  jwk: JsonWebKey,
  options: { readonly allowSymmetric: boolean },
): Promise<VerificationKey | string> {
  if (jwk === null || typeof jwk !== 'object' || typeof jwk.kty !== 'string') {
    return 'not a JWK (no kty)'
  }
  if (jwk.use !== undefined && jwk.use !== 'sig') return `use is "${String(jwk.use)}", not "sig"`
  if (Array.isArray(jwk.key_ops) && !jwk.key_ops.includes('verify')) {
    return 'key_ops does not include "verify"'
  }
  const kty = jwk.kty
  if (!['RSA', 'EC', 'OKP', 'oct'].includes(kty)) return `unsupported kty "${kty}"`
  if (kty === 'oct' && !options.allowSymmetric) {
    return 'symmetric keys are only accepted as a static key'
  }
  if (jwk.alg !== undefined && typeof jwk.alg !== 'string') return 'alg is not a string'
  const crv = typeof jwk.crv === 'string' ? jwk.crv : undefined
  const algorithms = algorithmsForKey(kty, crv, jwk.alg)
  if (algorithms.length === 0) {
    return `no supported algorithm fits kty "${kty}"${crv ? ` crv "${crv}"` : ''}${jwk.alg ? ` alg "${jwk.alg}"` : ''}`
  }
  const members = stringMembers(jwk, ['crv', 'n', 'e', 'x', 'y', 'k'])
  if (kty === 'oct' && (members.k === undefined || members.k.length === 0)) {
    return 'empty symmetric key'
  }
  let imported: Awaited<ReturnType<typeof backend.importVerifyKey>>
  try {
    imported = await backend.importVerifyKey({ kty, ...members }, algorithms)
  } catch (error) {
    return `does not import (${error instanceof Error ? error.message : 'unknown error'})`
  }
  if (kty === 'RSA') {
    const bits = imported.modulusBits ?? 0
    if (bits < MIN_RSA_BITS) return `RSA modulus of ${bits} bits is under ${MIN_RSA_BITS}`
  }
  return verificationKey(jwk.kid, imported.kty, imported.handles, imported.modulusBits)
}

/**
 * Imports a Node.js `KeyObject` (its public half, for a private one) for verification with every
 * algorithm its type allows. Throws `TypeError` on runtimes without `KeyObject`s.
 */
export function importKeyObject(key: KeyObject): VerificationKey | string {
  const imported = backend.importKeyObject(key, (kty, crv) => algorithmsForKey(kty, crv, undefined))
  if (imported.handles.size === 0) return 'no supported algorithm fits this key'
  if (imported.kty === 'RSA' && (imported.modulusBits ?? 0) < MIN_RSA_BITS) {
    return `RSA modulus of ${imported.modulusBits} bits is under ${MIN_RSA_BITS}`
  }
  return verificationKey(undefined, imported.kty, imported.handles, imported.modulusBits)
}

function verificationKey(
  kid: unknown,
  kty: VerificationKey['kty'],
  handles: ReadonlyMap<string, VerifyHandle>,
  modulusBits: number | undefined,
): VerificationKey {
  return {
    kid: typeof kid === 'string' ? kid : undefined,
    kty,
    handles,
    signatureLength:
      kty === 'RSA' && modulusBits !== undefined ? Math.ceil(modulusBits / 8) : undefined,
  }
}

function stringMembers(
  jwk: JsonWebKey,
  names: readonly string[],
): { crv?: string; n?: string; e?: string; x?: string; y?: string; k?: string } {
  const out: Record<string, string> = {}
  for (const name of names) {
    const value = jwk[name]
    if (typeof value === 'string') out[name] = value
  }
  return out
}

/** The bit length of a base64url RSA modulus (0 for anything that is not one). */
export function rsaBits(n: string): number {
  const bytes = typeof n === 'string' ? decodeBase64url(n) : undefined
  if (bytes === undefined) return 0
  let start = 0
  while (start < bytes.length && bytes[start] === 0) start++
  if (start === bytes.length) return 0
  return (bytes.length - start - 1) * 8 + (32 - Math.clz32(bytes[start]!))
}

/**
 * The required public members of a JWK, in RFC 7638 order; private members and metadata are
 * dropped.
 *
 * @throws TypeError for a `kty` other than RSA, EC or OKP, or a missing member.
 */
export function publicMembers(jwk: Readonly<Record<string, unknown>>): PublicJwk {
  const kty = jwk?.kty
  const members = typeof kty === 'string' ? THUMBPRINT_MEMBERS[kty] : undefined
  if (members === undefined) {
    throw new TypeError('a public key is an RSA, EC or OKP key (kty "RSA", "EC" or "OKP")')
  }
  const result: Record<string, string> = {}
  for (const name of members) {
    const value = jwk[name]
    if (typeof value !== 'string' || value.length === 0) {
      throw new TypeError(`the public key has no "${name}"`)
    }
    result[name] = value
  }
  return Object.freeze(result) as unknown as PublicJwk
}

/** True when a JWK carries any private or secret member. */
export function hasPrivateMembers(jwk: object): boolean {
  return PRIVATE_MEMBERS.some((member) => Object.hasOwn(jwk, member))
}

/**
 * The RFC 7638 SHA-256 thumbprint of a public JWK (base64url), synchronously.
 *
 * @throws TypeError for a JWK that is not RSA, EC or OKP, or lacks a required member.
 */
export function jwkThumbprint(jwk: Readonly<Record<string, unknown>>): string {
  const members = publicMembers(jwk)
  // The members are already in lexicographic order and are plain strings: JSON.stringify of the
  // object is exactly the RFC 7638 §3.3 canonical form.
  return encodeBase64url(backend.digest('SHA-256', JSON.stringify(members)))
}

/** A key ready to sign with one algorithm: what every JWT the library writes is signed with. */
export interface SigningKey {
  readonly alg: string
  readonly handle: unknown
  /** The public JWK (required members), where it is known: DPoP proofs carry it. */
  readonly publicJwk: PublicJwk | undefined
  /** The JWK's `kid`, for the header. */
  readonly kid: string | undefined
}

/** What {@link resolveSigningKey} takes besides the key. */
export interface SigningKeyOptions {
  /** The algorithm; default the JWK's `alg`, else what the key implies. */
  readonly alg?: string | undefined
  /** The public JWK, when it cannot be derived (a non-extractable `CryptoKey`). */
  readonly publicJwk?: Readonly<Record<string, unknown>> | undefined
  /** Derive the public JWK when not given (DPoP proofs carry it); default false. */
  readonly needPublicJwk?: boolean | undefined
  /** The algorithms this use allows (default: every asymmetric one). */
  readonly allowed?: readonly string[] | undefined
  /** How to name the key in errors, e.g. "the DPoP privateKey". */
  readonly what: string
}

/**
 * Resolves a caller's private key for signing: checks it is private and asymmetric, picks the
 * algorithm (`alg`, else the JWK's `alg`, else what the key implies: RSA → RS256, RSA-PSS →
 * PS256, P-256 → ES256, P-384 → ES384, P-521 → ES512, Ed25519 → EdDSA), checks the key fits it
 * (type, curve, RSA at least 2048 bits), and derives the public JWK when asked.
 *
 * @throws TypeError for a public or symmetric key, an algorithm that is not allowed or does not
 *   fit, or a key the platform cannot use. Messages never contain key material.
 */
export async function resolveSigningKey(
  key: PrivateKeyInput,
  options: SigningKeyOptions,
): Promise<SigningKey> {
  const { what } = options
  if (key === null || typeof key !== 'object') {
    throw new TypeError(`${what} is required (a private JWK, KeyObject or CryptoKey)`)
  }
  const kind = keyKind(key)
  if (kind.type === 'secret' || (kind.jwk && kind.jwk.kty === 'oct')) {
    throw new TypeError(
      `${what} must be asymmetric: a symmetric key cannot prove possession to a third party`,
    )
  }
  if (kind.jwk !== undefined && typeof kind.jwk.d !== 'string') {
    throw new TypeError(`${what} JWK has no "d": a private key is needed to sign`)
  }
  if (kind.jwk === undefined && kind.type !== 'private') {
    throw new TypeError(`${what} is a public key: a private key is needed to sign`)
  }
  let publicJwk: PublicJwk | undefined
  const source =
    options.publicJwk ??
    (kind.jwk !== undefined
      ? kind.jwk
      : options.needPublicJwk || kind.cryptoKey === undefined
        ? await exportPublic(key as KeyObject | CryptoKey, kind, what)
        : undefined)
  if (source !== undefined) publicJwk = publicMembers(source)
  const alg =
    options.alg ??
    (typeof kind.jwk?.alg === 'string' ? kind.jwk.alg : undefined) ??
    kind.impliedAlg ??
    (publicJwk === undefined ? undefined : impliedAlgorithm(publicJwk.kty, publicJwk.crv))
  const allowed = options.allowed ?? ASYMMETRIC_ALGORITHMS
  if (alg === undefined || !allowed.includes(alg)) {
    throw new TypeError(
      `${what} signs with an asymmetric algorithm (${allowed.join(', ')}), not ${JSON.stringify(String(alg ?? 'unknown'))}`,
    )
  }
  if (publicJwk !== undefined) {
    if (!keyFits(alg, publicJwk.kty, publicJwk.crv)) {
      throw new TypeError(
        `${what} (${publicJwk.kty}${publicJwk.crv ? ` ${publicJwk.crv}` : ''}) cannot sign with ${alg}`,
      )
    }
    if (publicJwk.kty === 'RSA' && rsaBits(publicJwk.n ?? '') < MIN_RSA_BITS) {
      throw new TypeError(`${what} is an RSA key under ${MIN_RSA_BITS} bits`)
    }
  }
  let handle: unknown
  try {
    handle = await backend.importSignKey(key, alg)
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : 'unknown error'
    throw new TypeError(`${what} cannot sign with ${alg} (${reason})`, { cause })
  }
  return {
    alg,
    handle,
    publicJwk,
    kid: typeof kind.jwk?.kid === 'string' ? kind.jwk.kid : undefined,
  }
}

/** An HMAC key from a shared secret (`client_secret_jwt`): its UTF-8 octets. */
export async function secretSigningKey(secret: Uint8Array, alg: string): Promise<SigningKey> {
  if (algorithmSpec(alg)?.kty !== 'oct') {
    throw new TypeError(`a shared secret signs with HS256, HS384 or HS512, not "${alg}"`)
  }
  return {
    alg,
    handle: await backend.importSignKey(secret, alg),
    publicJwk: undefined,
    kid: undefined,
  }
}

interface KeyKind {
  readonly type: string | undefined
  readonly jwk: (JsonWebKey & { d?: unknown }) | undefined
  readonly cryptoKey: CryptoKey | undefined
  readonly impliedAlg: string | undefined
}

function keyKind(key: object): KeyKind {
  if (isCryptoKey(key)) {
    return { type: key.type, jwk: undefined, cryptoKey: key, impliedAlg: cryptoKeyAlg(key) }
  }
  if (isKeyObject(key)) {
    return {
      type: key.type,
      jwk: undefined,
      cryptoKey: undefined,
      impliedAlg: key.asymmetricKeyType === 'rsa-pss' ? 'PS256' : undefined,
    }
  }
  return { type: undefined, jwk: key as JsonWebKey, cryptoKey: undefined, impliedAlg: undefined }
}

async function exportPublic(
  key: KeyObject | CryptoKey,
  kind: KeyKind,
  what: string,
): Promise<Record<string, unknown>> {
  if (kind.cryptoKey !== undefined && !kind.cryptoKey.extractable) {
    throw new TypeError(
      `${what} is a non-extractable CryptoKey: pass its publicJwk too (or the whole key pair)`,
    )
  }
  if (isKeyObject(key) && key.asymmetricKeyType === 'rsa-pss') {
    // Node cannot export an RSA-PSS key as a JWK; a plain RSA key signs PS256 just as well.
    throw new TypeError(`${what} is an RSA-PSS KeyObject: pass its publicJwk, or use an "rsa" key`)
  }
  try {
    return await backend.exportPublicJwk(key)
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : 'unknown error'
    throw new TypeError(`${what}: its public key cannot be derived (${reason})`, { cause })
  }
}

/** The algorithm a Web Crypto key was made for, where its parameters name one. */
function cryptoKeyAlg(key: CryptoKey): string | undefined {
  const algorithm = key.algorithm as { name: string; hash?: { name: string }; namedCurve?: string }
  const bits = algorithm.hash?.name.replace('SHA-', '')
  if (algorithm.name === 'ECDSA') return impliedAlgorithm('EC', algorithm.namedCurve)
  if (algorithm.name === 'RSASSA-PKCS1-v1_5') return `RS${bits}`
  if (algorithm.name === 'RSA-PSS') return `PS${bits}`
  if (algorithm.name === 'Ed25519') return 'EdDSA'
  return undefined
}

export function isCryptoKey(key: unknown): key is CryptoKey {
  return (
    typeof key === 'object' &&
    key !== null &&
    typeof (key as CryptoKey).type === 'string' &&
    typeof (key as CryptoKey).algorithm === 'object' &&
    typeof (key as CryptoKey).extractable === 'boolean' &&
    typeof (key as CryptoKey).usages === 'object'
  )
}

export function isKeyObject(key: unknown): key is KeyObject {
  return (
    typeof key === 'object' &&
    key !== null &&
    typeof (key as KeyObject).export === 'function' &&
    typeof (key as KeyObject).type === 'string' &&
    !isCryptoKey(key)
  )
}

/** A generated key pair: Web Crypto keys, its public JWK and thumbprint. */
export interface GeneratedKeyPair {
  readonly alg: string
  readonly privateKey: CryptoKey
  readonly publicKey: CryptoKey
  readonly publicJwk: PublicJwk
  readonly thumbprint: string
}

/**
 * Generates a key pair with Web Crypto (present on every runtime, Node.js included): RSA with a
 * 2048-bit modulus, the curve of an ECDSA algorithm, or Ed25519.
 */
export async function generateKeyPair(
  alg: string,
  extractable: boolean,
): Promise<GeneratedKeyPair> {
  const spec = algorithmSpec(alg)
  if (spec === undefined || spec.kty === 'oct')
    throw new TypeError(`cannot generate a key for ${alg}`)
  const params =
    spec.kty === 'RSA'
      ? {
          name: spec.web,
          hash: spec.hash,
          modulusLength: MIN_RSA_BITS,
          publicExponent: new Uint8Array([1, 0, 1]),
        }
      : spec.kty === 'EC'
        ? { name: 'ECDSA', namedCurve: spec.crv }
        : { name: 'Ed25519' }
  const subtle = globalThis.crypto.subtle as unknown as {
    generateKey(params: object, extractable: boolean, usages: string[]): Promise<unknown>
    exportKey(format: 'jwk', key: unknown): Promise<Record<string, unknown>>
  }
  const pair = (await subtle.generateKey(params, extractable, ['sign', 'verify'])) as {
    privateKey: CryptoKey
    publicKey: CryptoKey
  }
  const publicJwk = publicMembers(await subtle.exportKey('jwk', pair.publicKey))
  return Object.freeze({
    alg,
    privateKey: pair.privateKey,
    publicKey: pair.publicKey,
    publicJwk,
    thumbprint: jwkThumbprint(publicJwk as unknown as Record<string, unknown>),
  })
}
