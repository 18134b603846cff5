/**
 * The Web Crypto backend, over `crypto.subtle`: for Cloudflare Workers, Vercel's Edge runtime,
 * Deno, browsers, and anything else with the Web Crypto API and no `node:crypto`. Keys are
 * imported once per JWK and algorithm and kept as `CryptoKey`s; verification is asynchronous, as
 * Web Crypto is. Synchronous digests (which Web Crypto lacks) come from the kernel's own SHA-2.
 */
import { type AlgorithmSpec, algorithmSpec, type HashName } from '../algorithms.js'
import { BASE64URL, sextet } from '../alphabet.js'
import { hmacSha2, sha2 } from '../sha2.js'
import type { CryptoKey, KeyObject } from '../types.js'
import {
  subtleAesCbcDecrypt,
  subtleAesGcmDecrypt,
  subtleAesKeyUnwrap,
  subtleAesSupported,
} from './subtle-aes.js'
import type {
  CryptoBackend,
  ImportableJwk,
  ImportedDecryptionKey,
  ImportedKey,
  KeyManagementFamily,
  SignHandle,
  VerifyHandle,
} from './types.js'

/** The parts of a Web Crypto `CryptoKey` this backend reads. */
interface WebKey {
  readonly type: string
  readonly extractable: boolean
  readonly algorithm: {
    readonly name: string
    readonly hash?: { readonly name: string }
    readonly namedCurve?: string
  }
  readonly usages: readonly string[]
}

/** The parts of `crypto.subtle` this backend calls (typed here: no DOM library needed). */
interface Subtle {
  importKey(
    format: 'jwk' | 'raw',
    key: object,
    algorithm: object,
    extractable: boolean,
    usages: string[],
  ): Promise<WebKey>
  verify(algorithm: object, key: WebKey, signature: Uint8Array, data: Uint8Array): Promise<boolean>
  sign(algorithm: object, key: WebKey, data: Uint8Array): Promise<ArrayBuffer>
  exportKey(format: 'jwk', key: WebKey): Promise<object>
  exportKey(format: 'raw', key: WebKey): Promise<ArrayBuffer>
  decrypt(algorithm: object, key: WebKey, data: Uint8Array): Promise<ArrayBuffer>
  deriveBits(algorithm: object, key: WebKey, length: number): Promise<ArrayBuffer>
  unwrapKey(
    format: 'raw',
    wrapped: Uint8Array,
    unwrappingKey: WebKey,
    unwrapAlgorithm: string,
    unwrappedKeyAlgorithm: object,
    extractable: boolean,
    usages: string[],
  ): Promise<WebKey>
}

let cachedSubtle: Subtle | undefined

function subtle(): Subtle {
  if (cachedSubtle !== undefined) return cachedSubtle
  const found = (globalThis as { crypto?: { subtle?: Subtle } }).crypto?.subtle
  if (found === undefined) {
    throw new TypeError('this runtime has no Web Crypto API (crypto.subtle)')
  }
  cachedSubtle = found
  return found
}

/** A verification key: the `CryptoKey` and its verify parameters, both made once per import. */
interface VerifyKey {
  readonly key: WebKey
  readonly params: object
}

const HASH_BYTES: Readonly<Record<HashName, number>> = {
  'SHA-256': 32,
  'SHA-384': 48,
  'SHA-512': 64,
}

/** The key-import parameters of an algorithm (the curve of an OKP key comes from the key). */
function importParams(spec: AlgorithmSpec, crv: string | undefined): object {
  switch (spec.web) {
    case 'ECDSA':
      return { name: 'ECDSA', namedCurve: spec.crv }
    case 'Ed25519':
      return { name: crv === 'Ed448' ? 'Ed448' : 'Ed25519' }
    default:
      return { name: spec.web, hash: spec.hash }
  }
}

/** The signing or verifying parameters of an algorithm. */
function operationParams(spec: AlgorithmSpec, key: WebKey): object {
  switch (spec.web) {
    case 'RSA-PSS':
      return { name: 'RSA-PSS', saltLength: HASH_BYTES[spec.hash!] }
    case 'ECDSA':
      return { name: 'ECDSA', hash: spec.hash }
    default:
      return { name: key.algorithm.name }
  }
}

/** What the kernel hands the backend for each candidate key. */
type KeyHandles = { readonly handles: ReadonlyMap<string, VerifyHandle> }

/**
 * `index` when `key` accepts the signature, else -1 (also when it cannot verify it at all): one
 * promise, settled by one reaction.
 */
function verifyWithKey(
  crypto: Subtle,
  key: KeyHandles,
  alg: string,
  signature: Uint8Array,
  data: Uint8Array,
  index: number,
): Promise<number> {
  try {
    const { key: cryptoKey, params } = key.handles.get(alg) as VerifyKey
    return crypto.verify(params, cryptoKey, signature, data).then(
      (valid) => (valid ? index : -1),
      () => -1,
    )
  } catch {
    // A key that cannot verify this signature is simply not the one.
    return Promise.resolve(-1)
  }
}

/** The index of the first key that accepts the signature, trying them one after another. */
async function verifyEach(
  crypto: Subtle,
  keys: readonly KeyHandles[],
  alg: string,
  signature: Uint8Array,
  data: Uint8Array,
): Promise<number> {
  for (let i = 0; i < keys.length; i++) {
    if ((await verifyWithKey(crypto, keys[i]!, alg, signature, data, i)) >= 0) return i
  }
  return -1
}

const decoder = new TextDecoder()
const encoder = new TextEncoder()

type FromBase64 = (text: string, options: { alphabet: 'base64url' }) => Uint8Array

/**
 * `Uint8Array.fromBase64` (ES2026: V8 14 in workerd, Deno and Chromium; JavaScriptCore in Bun and
 * Safari): faster than the loop below where it exists (1.4-2x for a signature on Deno).
 */
const nativeFromBase64 = (Uint8Array as unknown as { fromBase64?: FromBase64 }).fromBase64

/**
 * Strict unpadded base64url through the native decoder, or `undefined`. With the base64url
 * alphabet it throws on every other character except the two it takes on purpose, padding and
 * ASCII whitespace (which it skips): a few native scans rule those out, instead of a regular
 * expression over the whole text. A length of 1 modulo 4 never decodes.
 */
function nativeStrict(decode: FromBase64, text: string): Uint8Array | undefined {
  if (
    text.length % 4 === 1 ||
    text.includes('=') ||
    text.includes(' ') ||
    text.includes('\t') ||
    text.includes('\n') ||
    text.includes('\f') ||
    text.includes('\r')
  ) {
    return undefined
  }
  try {
    return decode(text, { alphabet: 'base64url' })
  } catch {
    return undefined
  }
}

/** Unpadded base64url of a length that decodes, by the regular expression (no native decoder). */
function decodable(text: string): boolean {
  return text.length % 4 !== 1 && BASE64URL.test(text)
}

/** Strict unpadded base64url to bytes, or `undefined` (the kernel's decoder on this backend). */
const strictBase64urlToBytes: (text: string) => Uint8Array | undefined =
  nativeFromBase64 !== undefined
    ? (text) => nativeStrict(nativeFromBase64, text)
    : (text) => (decodable(text) ? base64urlToBytes(text) : undefined)

/**
 * Decodes base64url that has been checked (the alphabet, and a length that is not 1 modulo 4):
 * the kernel's signatures, on the validation hot path.
 */
function checkedBase64urlToBytes(text: string): Uint8Array {
  return nativeFromBase64 !== undefined
    ? nativeFromBase64(text, { alphabet: 'base64url' })
    : base64urlToBytes(text)
}

/**
 * Decodes unpadded base64url straight into bytes (no regex, no `atob`, no intermediate string).
 * Throws on a character outside the alphabet or an impossible length: key members arrive here
 * unchecked.
 */
function base64urlToBytes(text: string): Uint8Array {
  const length = text.length
  if (length % 4 === 1) throw new TypeError('not base64url (impossible length)')
  const bytes = new Uint8Array((length * 3) >> 2)
  let invalid = 0
  let out = 0
  let at = 0
  for (; at + 4 <= length; at += 4) {
    const a = sextet(text, at)
    const b = sextet(text, at + 1)
    const c = sextet(text, at + 2)
    const d = sextet(text, at + 3)
    invalid |= a | b | c | d
    const bits = (a << 18) | (b << 12) | (c << 6) | d
    bytes[out++] = bits >> 16
    bytes[out++] = (bits >> 8) & 0xff
    bytes[out++] = bits & 0xff
  }
  const rest = length - at
  if (rest >= 2) {
    const a = sextet(text, at)
    const b = sextet(text, at + 1)
    const c = rest === 3 ? sextet(text, at + 2) : 0
    invalid |= a | b | c
    const bits = (a << 18) | (b << 12) | (c << 6)
    bytes[out++] = bits >> 16
    if (rest === 3) bytes[out++] = (bits >> 8) & 0xff
  }
  if (invalid & 256) throw new TypeError('not base64url')
  return bytes
}

function bytesToBase64url(bytes: Uint8Array): string {
  let binary = ''
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000))
  }
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

function isCryptoKey(key: unknown): key is WebKey {
  return (
    typeof key === 'object' &&
    key !== null &&
    typeof (key as WebKey).type === 'string' &&
    typeof (key as WebKey).algorithm === 'object' &&
    Array.isArray((key as WebKey).usages)
  )
}

/** The JWK members a Web Crypto import takes (no `alg`, `use` or `key_ops` to contradict it). */
function importable(jwk: ImportableJwk, extra?: Readonly<Record<string, unknown>>): object {
  const out: Record<string, unknown> = { kty: jwk.kty }
  for (const name of ['crv', 'n', 'e', 'x', 'y', 'k'] as const) {
    if (jwk[name] !== undefined) out[name] = jwk[name]
  }
  return { ...out, ...extra }
}

function rsaBits(n: string | undefined): number | undefined {
  if (n === undefined) return undefined
  const bytes = base64urlToBytes(n)
  let start = 0
  while (start < bytes.length && bytes[start] === 0) start++
  if (start === bytes.length) return 0
  return (bytes.length - start - 1) * 8 + (32 - Math.clz32(bytes[start]!))
}

/** The algorithm a Web Crypto key was made for, in JWS terms (a key is bound to one). */
function keyMatches(key: WebKey, spec: AlgorithmSpec): boolean {
  const algorithm = key.algorithm as { name: string; hash?: { name: string }; namedCurve?: string }
  if (algorithm.name !== spec.web && !(spec.web === 'Ed25519' && algorithm.name === 'Ed448')) {
    return false
  }
  if (spec.web === 'ECDSA') return algorithm.namedCurve === spec.crv
  if (spec.hash !== undefined && algorithm.hash !== undefined) {
    return algorithm.hash.name === spec.hash
  }
  return true
}

/** The ECDH shared-secret length in bits, by curve. */
const ECDH_BITS: Readonly<Record<string, number>> = {
  'P-256': 256,
  'P-384': 384,
  'P-521': 528,
  X25519: 256,
}

/** The Web Crypto parameters of a key-agreement key on `crv`. */
function ecdhParams(crv: string | undefined): object {
  return crv === 'X25519' ? { name: 'X25519' } : { name: 'ECDH', namedCurve: crv }
}

/** A prepared decryption key: the `CryptoKey` and the curve it agrees on. */
interface WebDecryptKey {
  readonly key: WebKey
  readonly crv: string | undefined
}

async function importDecryptKey(
  input: unknown,
  family: KeyManagementFamily,
): Promise<ImportedDecryptionKey> {
  if (isCryptoKey(input)) {
    const algorithm = input.algorithm
    if (input.type !== 'private') throw new TypeError('a private key is needed to decrypt')
    if (family === 'RSA-OAEP-256') {
      if (algorithm.name !== 'RSA-OAEP' || algorithm.hash?.name !== 'SHA-256') {
        throw new TypeError(`the CryptoKey was made for ${algorithm.name}, not RSA-OAEP SHA-256`)
      }
      const bits = (algorithm as { modulusLength?: number }).modulusLength
      return { kty: 'RSA', crv: undefined, modulusBits: bits, handle: input }
    }
    if (algorithm.name !== 'ECDH' && algorithm.name !== 'X25519') {
      throw new TypeError(`the CryptoKey was made for ${algorithm.name}, not ECDH`)
    }
    const crv = algorithm.name === 'X25519' ? 'X25519' : algorithm.namedCurve
    const handle: WebDecryptKey = { key: input, crv }
    return { kty: crv === 'X25519' ? 'OKP' : 'EC', crv, modulusBits: undefined, handle }
  }
  const jwk = input as ImportableJwk & { d?: unknown }
  if (typeof jwk?.kty !== 'string' || typeof jwk.d !== 'string') {
    throw new TypeError(
      'a KeyObject is a Node.js type: on this runtime pass a private JWK or a CryptoKey',
    )
  }
  const members = importable(jwk, privateMembers(input as Record<string, unknown>))
  if (family === 'RSA-OAEP-256') {
    if (jwk.kty !== 'RSA') throw new TypeError(`a ${jwk.kty} key does not fit RSA-OAEP-256`)
    const key = await subtle().importKey(
      'jwk',
      members,
      { name: 'RSA-OAEP', hash: 'SHA-256' },
      false,
      ['decrypt'],
    )
    return { kty: 'RSA', crv: undefined, modulusBits: rsaBits(jwk.n), handle: key }
  }
  if (jwk.kty !== 'EC' && jwk.kty !== 'OKP') {
    throw new TypeError(`a ${jwk.kty} key does not fit ECDH-ES`)
  }
  const key = await subtle().importKey('jwk', members, ecdhParams(jwk.crv), false, ['deriveBits'])
  const handle: WebDecryptKey = { key, crv: jwk.crv }
  return { kty: jwk.kty, crv: jwk.crv, modulusBits: undefined, handle }
}

export const backend: CryptoBackend = {
  name: 'web',

  isDecodableBase64url:
    nativeFromBase64 !== undefined
      ? (text) => strictBase64urlToBytes(text) !== undefined
      : decodable,
  base64urlToBytes: strictBase64urlToBytes,
  bytesToBase64url,
  base64urlToText: (text) => {
    const bytes = strictBase64urlToBytes(text)
    return bytes === undefined ? undefined : decoder.decode(bytes)
  },

  digest: (hash, data) => sha2(hash, data),
  hashKey: (text) => bytesToBase64url(sha2('SHA-256', text)),
  hmac: (hash, key, data) => hmacSha2(hash, key, data),

  async importVerifyKey(jwk, algorithms): Promise<ImportedKey> {
    const handles = new Map<string, VerifyKey>()
    for (const alg of algorithms) {
      const spec = algorithmSpec(alg)!
      const key = await subtle().importKey(
        'jwk',
        importable(jwk),
        importParams(spec, jwk.crv),
        false,
        ['verify'],
      )
      handles.set(alg, { key, params: operationParams(spec, key) } satisfies VerifyKey)
    }
    const kty = jwk.kty as ImportedKey['kty']
    return {
      kty,
      crv: jwk.crv,
      modulusBits: kty === 'RSA' ? rsaBits(jwk.n) : undefined,
      secretBytes: kty === 'oct' ? base64urlToBytes(jwk.k ?? '').length : undefined,
      handles,
    }
  },

  importKeyObject(_key: KeyObject): ImportedKey {
    throw new TypeError(
      'a KeyObject is a Node.js type: on this runtime pass the key as a JWK (or a CryptoKey)',
    )
  },

  verify(alg, keys, signingInput, signature) {
    // The signing input is base64url and dots (checked by the decoder): its UTF-8 is its bytes.
    const data = encoder.encode(signingInput)
    const bytes = checkedBase64urlToBytes(signature)
    // Outside the per-key catch: a runtime without Web Crypto says so, not "does not verify".
    const crypto = subtle()
    // One key (the usual case): one promise, no async function around it.
    return keys.length === 1
      ? verifyWithKey(crypto, keys[0]!, alg, bytes, data, 0)
      : verifyEach(crypto, keys, alg, bytes, data)
  },

  async importSignKey(key, alg): Promise<SignHandle> {
    const spec = algorithmSpec(alg)!
    if (key instanceof Uint8Array) {
      if (spec.kty !== 'oct') throw new TypeError(`${alg} needs a private key`)
      return subtle().importKey('raw', key, { name: 'HMAC', hash: spec.hash }, false, ['sign'])
    }
    if (spec.kty === 'oct') throw new TypeError(`${alg} signs with a secret`)
    if (isCryptoKey(key)) {
      if (!keyMatches(key, spec)) {
        throw new TypeError(`the CryptoKey was made for ${key.algorithm.name}, not ${alg}`)
      }
      return key
    }
    const jwk = key as unknown as ImportableJwk & { d?: unknown }
    if (typeof jwk.kty !== 'string' || typeof jwk.d !== 'string') {
      throw new TypeError(
        'a KeyObject is a Node.js type: on this runtime pass a private JWK or a CryptoKey',
      )
    }
    const members = importable(jwk, privateMembers(key as unknown as Record<string, unknown>))
    return subtle().importKey('jwk', members, importParams(spec, jwk.crv), false, ['sign'])
  },

  async sign(alg, handle, data) {
    const spec = algorithmSpec(alg)!
    const key = handle as WebKey
    const signature = await subtle().sign(operationParams(spec, key), key, data)
    return new Uint8Array(signature)
  },

  importDecryptKey: (key, family) => importDecryptKey(key, family),

  async rsaOaepDecrypt(handle, data) {
    return new Uint8Array(await subtle().decrypt({ name: 'RSA-OAEP' }, handle as WebKey, data))
  },

  async ecdhSharedSecret(handle, publicJwk) {
    const { key, crv } = handle as WebDecryptKey
    const bits = ECDH_BITS[crv ?? '']
    if (bits === undefined) throw new TypeError('unsupported curve')
    const publicKey = await subtle().importKey(
      'jwk',
      importable(publicJwk),
      ecdhParams(crv),
      true,
      [],
    )
    const params =
      crv === 'X25519' ? { name: 'X25519', public: publicKey } : { name: 'ECDH', public: publicKey }
    return new Uint8Array(await subtle().deriveBits(params, key, bits))
  },

  aesSupported: subtleAesSupported,
  aesKeyUnwrap: subtleAesKeyUnwrap,
  aesGcmDecrypt: subtleAesGcmDecrypt,
  aesCbcDecrypt: subtleAesCbcDecrypt,

  async exportPublicJwk(input: KeyObject | CryptoKey) {
    const key: unknown = input
    if (!isCryptoKey(key)) {
      throw new TypeError('a KeyObject is a Node.js type: on this runtime pass a JWK or CryptoKey')
    }
    if (!key.extractable) {
      throw new TypeError('the CryptoKey is not extractable: pass its public JWK as well')
    }
    const jwk = (await subtle().exportKey('jwk', key)) as Record<string, unknown>
    const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, oth: _oth, ...publicPart } = jwk
    return publicPart
  },
}

function privateMembers(jwk: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const name of ['d', 'p', 'q', 'dp', 'dq', 'qi'] as const) {
    if (typeof jwk[name] === 'string') out[name] = jwk[name]
  }
  return out
}
