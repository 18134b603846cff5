/**
 * The one compact-JWE decryptor (RFC 7516 §5.2) for what OpenID Connect and FAPI encrypt to a
 * client (ID tokens, UserInfo responses): RSA-OAEP-256 and ECDH-ES (direct, or with A128KW,
 * A192KW, A256KW) for the key; A128GCM, A192GCM, A256GCM and A128CBC-HS256, A192CBC-HS384,
 * A256CBC-HS512 for the content. The platform work happens in the crypto backend; every rule
 * (lengths, budgets, which key, the MAC of the CBC-HMAC algorithms) is here, written once.
 *
 * Failures that could tell an attacker something about the key or the plaintext (the key does
 * not unwrap, the tag does not match, the padding is wrong) all end in one `decryption` error
 * with one message, and a content-encryption key that does not unwrap is replaced by a random one
 * so that the attempt fails at the tag like any other (RFC 7516 §11.5, RFC 3218). Only what is
 * public anyway (the header, the lengths) is named in an error.
 *
 * @see RFC 7516 (JWE), RFC 7518 §4.3, §4.6, §5.2, §5.3
 */
import { backend } from '#crypto-backend'
import { TokenValidationError } from '../errors.js'
import { quote } from '../internal/quote.js'
import type { HashName } from './algorithms.js'
import type { KeyManagementFamily } from './backend/types.js'
import { decodeBase64url, decodeBase64urlText, timingSafeEqual, utf8 } from './encoding.js'
import { randomBytes } from './random.js'
import type { JwkInput, PrivateKeyInput } from './types.js'

/** The key-management algorithms this library decrypts. */
export const JWE_KEY_MANAGEMENT_ALGORITHMS: readonly string[] = Object.freeze([
  'RSA-OAEP-256',
  'ECDH-ES',
  'ECDH-ES+A128KW',
  'ECDH-ES+A192KW',
  'ECDH-ES+A256KW',
])

/** The content-encryption algorithms this library decrypts. */
export const JWE_CONTENT_ENCRYPTION_ALGORITHMS: readonly string[] = Object.freeze([
  'A128GCM',
  'A192GCM',
  'A256GCM',
  'A128CBC-HS256',
  'A192CBC-HS384',
  'A256CBC-HS512',
])

/**
 * A key to decrypt with: a private JWK (with `d`), a Node.js `KeyObject`, a Web Crypto
 * `CryptoKey`, or several of them (a list or a JWK Set, for key rotation: the JWE's `kid` picks
 * one when both sides name it).
 */
export type DecryptionKeyInput =
  | PrivateKeyInput
  | readonly PrivateKeyInput[]
  | { readonly keys: readonly JwkInput[] }

/** The biggest compact JWE accepted, in characters: far above any ID token or UserInfo answer. */
export const MAX_JWE_LENGTH: number = 256 * 1024
const MAX_HEADER_LENGTH = 8 * 1024

/** The JOSE header members decryption reads (RFC 7516 §4.1); the rest stays available. */
export interface JweHeader {
  readonly alg: string
  readonly enc: string
  readonly kid?: string
  readonly typ?: string
  readonly cty?: string
  readonly [member: string]: unknown
}

/** A decrypted JWE: its protected header and the plaintext. */
export interface DecryptedJwe {
  readonly header: JweHeader
  readonly plaintext: Uint8Array
}

/** What {@link decryptJwe} accepts besides the key. */
export interface DecryptOptions {
  /** Allowed key-management algorithms (default: all of {@link JWE_KEY_MANAGEMENT_ALGORITHMS}). */
  readonly algorithms?: readonly string[] | undefined
  /** Allowed content encryptions (default: all of {@link JWE_CONTENT_ENCRYPTION_ALGORITHMS}). */
  readonly encryptionAlgorithms?: readonly string[] | undefined
  /** How to call the token in messages (default "the JWE"). */
  readonly what?: string | undefined
}

interface ContentSpec {
  /** The content-encryption key length in bytes. */
  readonly keyBytes: number
  readonly mode: 'gcm' | 'cbc-hmac'
  /** For CBC-HMAC: the HMAC hash (the tag is the first half of the MAC). */
  readonly hash?: HashName
}

const CONTENT: Readonly<Record<string, ContentSpec>> = {
  A128GCM: { keyBytes: 16, mode: 'gcm' },
  A192GCM: { keyBytes: 24, mode: 'gcm' },
  A256GCM: { keyBytes: 32, mode: 'gcm' },
  'A128CBC-HS256': { keyBytes: 32, mode: 'cbc-hmac', hash: 'SHA-256' },
  'A192CBC-HS384': { keyBytes: 48, mode: 'cbc-hmac', hash: 'SHA-384' },
  'A256CBC-HS512': { keyBytes: 64, mode: 'cbc-hmac', hash: 'SHA-512' },
}

/** Key-wrap key length in bytes of the ECDH-ES+A*KW algorithms. */
const KEY_WRAP_BYTES: Readonly<Record<string, number>> = {
  'ECDH-ES+A128KW': 16,
  'ECDH-ES+A192KW': 24,
  'ECDH-ES+A256KW': 32,
}

const EC_CURVES = new Set(['P-256', 'P-384', 'P-521'])
const OKP_CURVES = new Set(['X25519'])

function malformed(message: string): TokenValidationError {
  return new TokenValidationError('malformed', message)
}

/** The one answer to every failure past the header: nothing about why. */
function undecryptable(what: string): TokenValidationError {
  return new TokenValidationError(
    'decryption',
    `${what} could not be decrypted with the configured decryption key (another key, or altered in transit)`,
  )
}

/** True when `token` has the five segments of a compact JWE (it is not checked further). */
export function isCompactJwe(token: unknown): token is string {
  if (typeof token !== 'string') return false
  let dots = 0
  for (let at = token.indexOf('.'); at !== -1 && dots < 5; at = token.indexOf('.', at + 1)) dots++
  return dots === 4
}

/** A private key prepared once, for the families its type allows. */
interface PreparedKey {
  readonly kid: string | undefined
  /** The JWK's `alg`, which then is the only algorithm it decrypts. */
  readonly alg: string | undefined
  readonly input: PrivateKeyInput
  readonly handles: Map<KeyManagementFamily, Promise<PreparedHandle>>
}

interface PreparedHandle {
  readonly kty: string
  readonly crv: string | undefined
  readonly modulusBits: number | undefined
  readonly handle: unknown
}

const prepared = new WeakMap<object, readonly PreparedKey[]>()

function prepare(input: DecryptionKeyInput): readonly PreparedKey[] {
  if (input === null || typeof input !== 'object') {
    throw new TypeError(
      'decryptionKey must be a private JWK, KeyObject, CryptoKey or a list of them',
    )
  }
  const known = prepared.get(input)
  if (known !== undefined) return known
  const list: readonly PrivateKeyInput[] = Array.isArray(input)
    ? input
    : Array.isArray((input as { keys?: unknown }).keys)
      ? (input as { keys: readonly JwkInput[] }).keys
      : [input as PrivateKeyInput]
  if (list.length === 0) throw new TypeError('decryptionKey is an empty list')
  const keys = list.map((key): PreparedKey => {
    if (key === null || typeof key !== 'object') {
      throw new TypeError('decryptionKey must be a private JWK, KeyObject or CryptoKey')
    }
    const jwk = isJwk(key) ? key : undefined
    if (jwk !== undefined && jwk.use !== undefined && jwk.use !== 'enc') {
      throw new TypeError(`a decryption JWK has use "enc" (this one has "${String(jwk.use)}")`)
    }
    return {
      kid: typeof jwk?.kid === 'string' ? jwk.kid : undefined,
      alg: typeof jwk?.alg === 'string' ? jwk.alg : undefined,
      input: key,
      handles: new Map(),
    }
  })
  prepared.set(input, keys)
  return keys
}

function isJwk(key: object): key is JwkInput {
  return typeof (key as JwkInput).kty === 'string' && !('algorithm' in key) && !('export' in key)
}

function handleFor(key: PreparedKey, family: KeyManagementFamily): Promise<PreparedHandle> {
  let pending = key.handles.get(family)
  if (pending === undefined) {
    pending = backend.importDecryptKey(key.input as PrivateKeyInput, family)
    key.handles.set(family, pending)
    // A key that does not fit a family stays unfit; nothing to retry.
    pending.catch(() => {})
  }
  return pending
}

/** Decodes and checks the protected header; throws `malformed` or `unsupported_alg`. */
function decodeHeader(encoded: string, options: DecryptOptions, what: string): JweHeader {
  if (encoded.length > MAX_HEADER_LENGTH) throw malformed(`${what} header is too long`)
  const text = decodeBase64urlText(encoded)
  if (text === undefined) throw malformed(`${what} header is not base64url`)
  let header: unknown
  try {
    header = JSON.parse(text)
  } catch {
    throw malformed(`${what} header is not JSON`)
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) {
    throw malformed(`${what} header is not a JSON object`)
  }
  const { alg, enc, kid, zip, crit, cty, typ } = header as Record<string, unknown>
  if (typeof alg !== 'string' || typeof enc !== 'string') {
    throw malformed(`${what} header needs "alg" and "enc"`)
  }
  if (kid !== undefined && typeof kid !== 'string') throw malformed(`${what} "kid" is not a string`)
  if (cty !== undefined && typeof cty !== 'string') throw malformed(`${what} "cty" is not a string`)
  if (typ !== undefined && typeof typ !== 'string') throw malformed(`${what} "typ" is not a string`)
  if (zip !== undefined) {
    // RFC 7516 §4.1.3: compression before encryption invites length side channels and
    // decompression bombs; no OpenID Connect profile needs it.
    throw malformed(`${what} is compressed (zip ${quote(String(zip))}), which is not supported`)
  }
  if (crit !== undefined) {
    throw malformed(`${what} names critical header extensions we do not support`)
  }
  const algorithms = options.algorithms ?? JWE_KEY_MANAGEMENT_ALGORITHMS
  if (!JWE_KEY_MANAGEMENT_ALGORITHMS.includes(alg) || !algorithms.includes(alg)) {
    throw new TokenValidationError(
      'unsupported_alg',
      `${what} key management ${quote(alg)} is not supported or not allowed (allowed: ${algorithms.join(', ')})`,
    )
  }
  const encs = options.encryptionAlgorithms ?? JWE_CONTENT_ENCRYPTION_ALGORITHMS
  if (!Object.hasOwn(CONTENT, enc) || !encs.includes(enc)) {
    throw new TokenValidationError(
      'unsupported_alg',
      `${what} content encryption ${quote(enc)} is not supported or not allowed (allowed: ${encs.join(', ')})`,
    )
  }
  return Object.freeze(header) as JweHeader
}

function segment(text: string, name: string, what: string): Uint8Array {
  const bytes = decodeBase64url(text)
  if (bytes === undefined) throw malformed(`${what} ${name} is not base64url`)
  return bytes
}

/**
 * Decrypts a compact JWE with one of `keys` and returns the header and plaintext.
 *
 * @throws TokenValidationError `malformed` (not a JWE, too big, bad header, `zip`, `crit`),
 *   `unsupported_alg` (an algorithm not supported or not allowed), `key_not_found` (no key fits
 *   the algorithm or `kid`), `decryption` (nothing about why, whatever failed);
 *   `TypeError` for a `decryptionKey` that is not a key.
 */
export async function decryptJwe(
  jwe: string,
  keyInput: DecryptionKeyInput,
  options: DecryptOptions = {},
): Promise<DecryptedJwe> {
  const what = options.what ?? 'the JWE'
  const keys = prepare(keyInput)
  if (typeof jwe !== 'string' || jwe.length > MAX_JWE_LENGTH) {
    throw malformed(`${what} is not a string of at most ${MAX_JWE_LENGTH} characters`)
  }
  const parts = jwe.split('.')
  if (parts.length !== 5) throw malformed(`${what} is not a compact JWE (five segments)`)
  const [encodedHeader, encodedKey, encodedIv, encodedCiphertext, encodedTag] = parts as [
    string,
    string,
    string,
    string,
    string,
  ]
  const header = decodeHeader(encodedHeader, options, what)
  const content = CONTENT[header.enc]!
  const encryptedKey = segment(encodedKey, 'encrypted key', what)
  const iv = segment(encodedIv, 'initialization vector', what)
  const ciphertext = segment(encodedCiphertext, 'ciphertext', what)
  const tag = segment(encodedTag, 'authentication tag', what)
  const tagBytes = content.mode === 'gcm' ? 16 : content.keyBytes / 2
  if (iv.length !== (content.mode === 'gcm' ? 12 : 16)) {
    throw malformed(`${what} initialization vector has the wrong length for ${header.enc}`)
  }
  if (tag.length !== tagBytes) {
    throw malformed(`${what} authentication tag has the wrong length for ${header.enc}`)
  }
  if (content.mode === 'cbc-hmac' && (ciphertext.length === 0 || ciphertext.length % 16 !== 0)) {
    throw malformed(`${what} ciphertext is not a whole number of AES blocks`)
  }
  if (header.alg === 'ECDH-ES' && encryptedKey.length !== 0) {
    throw malformed(`${what} uses ECDH-ES directly, so its encrypted key must be empty`)
  }

  await requireAes(content.mode === 'gcm' ? 'gcm' : 'cbc', content, header.enc)
  const wrapBytes = KEY_WRAP_BYTES[header.alg]
  if (wrapBytes !== undefined) await requireAes('kw', { keyBytes: wrapBytes * 2 }, header.alg)

  const candidates = keys.filter(
    (key) =>
      (key.alg === undefined || key.alg === header.alg) &&
      (header.kid === undefined || key.kid === undefined || key.kid === header.kid),
  )
  const family: KeyManagementFamily = header.alg === 'RSA-OAEP-256' ? 'RSA-OAEP-256' : 'ECDH-ES'
  const usable: PreparedHandle[] = []
  for (const key of candidates) {
    const handle = await handleFor(key, family).catch(() => undefined)
    if (handle !== undefined && fits(handle, family)) usable.push(handle)
  }
  if (usable.length === 0) {
    throw new TokenValidationError(
      'key_not_found',
      `no configured decryption key fits ${what} (alg ${header.alg}${header.kid === undefined ? '' : `, kid ${quote(header.kid)}`})`,
    )
  }
  const aad = utf8(encodedHeader)
  for (const key of usable) {
    const cek = await contentKey(key, header, encryptedKey, content.keyBytes, what)
    const plaintext = await decryptContent(content, cek, iv, ciphertext, tag, aad)
    if (plaintext !== undefined) return { header, plaintext }
  }
  throw undecryptable(what)
}

/**
 * Refuses, naming it, an algorithm this runtime's crypto cannot do (Chromium's Web Crypto has no
 * 192-bit AES): a public fact about the platform, not about the token.
 */
async function requireAes(
  mode: 'gcm' | 'cbc' | 'kw',
  spec: { readonly keyBytes: number; readonly mode?: string },
  name: string,
): Promise<void> {
  // CBC-HMAC keys are twice the AES key (half is the MAC key); key-wrap sizes are passed doubled.
  const aesBytes = spec.mode === 'gcm' ? spec.keyBytes : spec.keyBytes / 2
  const bits = (aesBytes * 8) as 128 | 192 | 256
  if (!(await backend.aesSupported(bits, mode))) {
    throw new TokenValidationError(
      'unsupported_alg',
      `${name} needs ${bits}-bit AES, which this runtime's crypto does not offer (Chromium has no 192-bit AES); ask the provider for a 128- or 256-bit algorithm`,
    )
  }
}

function fits(key: PreparedHandle, family: KeyManagementFamily): boolean {
  if (family === 'RSA-OAEP-256') return key.kty === 'RSA' && (key.modulusBits ?? 0) >= 2048
  return key.kty === 'EC' ? EC_CURVES.has(key.crv ?? '') : OKP_CURVES.has(key.crv ?? '')
}

/**
 * The content-encryption key; a random one whenever the real one cannot be had, so that the
 * attempt fails at the tag, the same way as any other.
 */
async function contentKey(
  key: PreparedHandle,
  header: JweHeader,
  encryptedKey: Uint8Array,
  keyBytes: number,
  what: string,
): Promise<Uint8Array> {
  const decoy = randomBytes(keyBytes)
  if (header.alg === 'RSA-OAEP-256') {
    if (encryptedKey.length !== Math.ceil((key.modulusBits ?? 0) / 8)) return decoy
    const cek = await backend.rsaOaepDecrypt(key.handle, encryptedKey).catch(() => undefined)
    return cek !== undefined && cek.length === keyBytes ? cek : decoy
  }
  const agreed = await agreedKey(key, header, what)
  const wrapBytes = KEY_WRAP_BYTES[header.alg]
  if (wrapBytes === undefined) {
    return concatKdf(agreed, header.enc, keyBytes, header)
  }
  const kek = concatKdf(agreed, header.alg, wrapBytes, header)
  if (encryptedKey.length !== keyBytes + 8) return decoy
  const cek = await backend.aesKeyUnwrap(kek, encryptedKey).catch(() => undefined)
  return cek !== undefined && cek.length === keyBytes ? cek : decoy
}

/** Z for ECDH-ES: the `epk` must be a public key on the private key's own curve. */
async function agreedKey(
  key: PreparedHandle,
  header: JweHeader,
  what: string,
): Promise<Uint8Array> {
  const epk = header.epk as Record<string, unknown> | undefined
  if (epk === null || typeof epk !== 'object' || Array.isArray(epk)) {
    throw malformed(`${what} has no ephemeral public key ("epk")`)
  }
  const { kty, crv, x, y, d } = epk
  if (d !== undefined) throw malformed(`${what} "epk" carries a private key`)
  const ok =
    typeof x === 'string' &&
    crv === key.crv &&
    ((kty === 'EC' && typeof y === 'string' && key.kty === 'EC') ||
      (kty === 'OKP' && y === undefined && key.kty === 'OKP'))
  if (!ok) throw malformed(`${what} "epk" is not a public key on the decryption key's curve`)
  try {
    return await backend.ecdhSharedSecret(key.handle, {
      kty,
      crv: crv as string,
      x,
      ...(y === undefined ? {} : { y: y as string }),
    })
  } catch {
    // Not a point on the curve (an invalid-curve attack) or not a key: public facts only.
    throw malformed(`${what} "epk" is not a valid public key`)
  }
}

/** The Concat KDF of NIST SP 800-56A §5.8.1 with SHA-256, as RFC 7518 §4.6.2 uses it. */
function concatKdf(
  z: Uint8Array,
  algorithmId: string,
  keyBytes: number,
  header: JweHeader,
): Uint8Array {
  const apu = partyInfo(header.apu, 'apu')
  const apv = partyInfo(header.apv, 'apv')
  const otherInfo = concat(
    lengthPrefixed(utf8(algorithmId)),
    lengthPrefixed(apu),
    lengthPrefixed(apv),
    uint32(keyBytes * 8),
  )
  const out = new Uint8Array(keyBytes)
  for (let round = 1, at = 0; at < keyBytes; round++, at += 32) {
    const block = backend.digest('SHA-256', concat(uint32(round), z, otherInfo))
    out.set(block.subarray(0, Math.min(32, keyBytes - at)), at)
  }
  return out
}

function partyInfo(value: unknown, name: string): Uint8Array {
  if (value === undefined) return new Uint8Array(0)
  const bytes = typeof value === 'string' ? decodeBase64url(value) : undefined
  if (bytes === undefined || bytes.length > 1024) {
    throw malformed(`the JWE "${name}" is not base64url of at most 1024 bytes`)
  }
  return bytes
}

/** Decrypts and authenticates the content; `undefined` for any failure, whatever it was. */
async function decryptContent(
  content: ContentSpec,
  cek: Uint8Array,
  iv: Uint8Array,
  ciphertext: Uint8Array,
  tag: Uint8Array,
  aad: Uint8Array,
): Promise<Uint8Array | undefined> {
  if (content.mode === 'gcm') {
    return backend.aesGcmDecrypt(cek, iv, ciphertext, tag, aad).catch(() => undefined)
  }
  // RFC 7518 §5.2.2.2: check the MAC before anything is decrypted (no padding oracle).
  const half = cek.length / 2
  const macKey = cek.subarray(0, half)
  const encKey = cek.subarray(half)
  const aadBits = new Uint8Array(8)
  new DataView(aadBits.buffer).setBigUint64(0, BigInt(aad.length) * 8n)
  const mac = backend.hmac(content.hash!, macKey, concat(aad, iv, ciphertext, aadBits))
  if (!timingSafeEqual(mac.subarray(0, half), tag)) return undefined
  return backend.aesCbcDecrypt(encKey, iv, ciphertext).catch(() => undefined)
}

function uint32(value: number): Uint8Array {
  const bytes = new Uint8Array(4)
  new DataView(bytes.buffer).setUint32(0, value)
  return bytes
}

function lengthPrefixed(data: Uint8Array): Uint8Array {
  return concat(uint32(data.length), data)
}

function concat(...parts: Uint8Array[]): Uint8Array {
  let length = 0
  for (const part of parts) length += part.length
  const out = new Uint8Array(length)
  let at = 0
  for (const part of parts) {
    out.set(part, at)
    at += part.length
  }
  return out
}

/** Decodes UTF-8 plaintext strictly (a JWE whose plaintext is not text is refused). */
export function plaintextText(plaintext: Uint8Array, what: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(plaintext)
  } catch {
    throw malformed(`the plaintext of ${what} is not UTF-8`)
  }
}
