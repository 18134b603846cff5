/**
 * The seam between the JOSE kernel and the platform's crypto. Two implementations exist, picked
 * by the package's `imports` conditions (`#crypto-backend`): `node.ts` over `node:crypto`
 * (synchronous verification with `KeyObject`s, the libuv thread pool under load) and `web.ts`
 * over Web Crypto (`crypto.subtle`) for Workers, Vercel's Edge runtime, Deno and browsers.
 *
 * A backend only does what differs between platforms. Which algorithm fits which key, canonical
 * encodings, lengths, claims and every policy decision stay in the kernel, written once.
 */
import type { HashName } from '../algorithms.js'
import type { CryptoKey, KeyObject, PrivateKeyInput } from '../types.js'

/** A verification key as a backend holds it, for one algorithm (opaque to the kernel). */
export type VerifyHandle = unknown
/** A signing key as a backend holds it, for one algorithm (opaque to the kernel). */
export type SignHandle = unknown

/** A private key as a backend holds it for JWE key management (opaque to the kernel). */
export type DecryptHandle = unknown

/** The JWE key-management families a backend implements (RFC 7518 §4.3, §4.6). */
export type KeyManagementFamily = 'RSA-OAEP-256' | 'ECDH-ES'

/** What the kernel learns about a private key when a backend prepares it for decryption. */
export interface ImportedDecryptionKey {
  readonly kty: 'RSA' | 'EC' | 'OKP'
  readonly crv: string | undefined
  /** The RSA modulus length in bits. */
  readonly modulusBits: number | undefined
  readonly handle: DecryptHandle
}

/** What the kernel learns about a key when a backend imports it. */
export interface ImportedKey {
  readonly kty: 'RSA' | 'EC' | 'OKP' | 'oct'
  readonly crv: string | undefined
  /** The RSA modulus length in bits. */
  readonly modulusBits: number | undefined
  /** The symmetric key length in bytes. */
  readonly secretBytes: number | undefined
  /** One handle per algorithm asked for. */
  readonly handles: ReadonlyMap<string, VerifyHandle>
}

/** The members of a public (or, for `oct`, secret) JWK a backend may import. */
export interface ImportableJwk {
  readonly kty: string
  readonly crv?: string | undefined
  readonly n?: string | undefined
  readonly e?: string | undefined
  readonly x?: string | undefined
  readonly y?: string | undefined
  readonly k?: string | undefined
}

export interface CryptoBackend {
  readonly name: 'node' | 'web'

  /**
   * True when `base64urlToBytes` would decode `text` (the unpadded base64url alphabet, a length
   * not 1 modulo 4), without keeping the bytes. Each backend checks the way its runtime does
   * fastest; both refuse exactly the same strings (test/fuzz/encoding.fuzz.test.ts compares them
   * with the regular expression they stand for).
   */
  isDecodableBase64url(text: string): boolean
  /**
   * Decodes unpadded base64url; `undefined` for a character outside the alphabet or a length of
   * 1 modulo 4 (never skips, never throws).
   */
  base64urlToBytes(text: string): Uint8Array | undefined
  bytesToBase64url(bytes: Uint8Array): string
  /** Decodes base64url to UTF-8 text (a JWT's header or payload), as strictly. */
  base64urlToText(text: string): string | undefined

  /** A digest, synchronously (Web Crypto's own is asynchronous; the web backend computes it). */
  digest(hash: HashName, data: Uint8Array | string): Uint8Array
  /**
   * base64url(SHA-256(UTF-8 of `text`)): the key under which caches remember a token without
   * holding it. On the validation hot path, so each backend takes its fastest route.
   */
  hashKey(text: string): string
  /** An HMAC, synchronously. */
  hmac(hash: HashName, key: Uint8Array, data: Uint8Array | string): Uint8Array

  /**
   * Imports a public JWK (or an `oct` secret) for the algorithms given; rejects when the key
   * does not import (a point off its curve, a malformed modulus).
   */
  importVerifyKey(jwk: ImportableJwk, algorithms: readonly string[]): Promise<ImportedKey>
  /** Imports a Node.js `KeyObject` (its public half) for the algorithms its type allows. */
  importKeyObject(
    key: KeyObject,
    algorithms: (kty: string, crv: string | undefined) => readonly string[],
  ): ImportedKey

  /**
   * Verifies `signature` (base64url, canonical, of the right length: checked by the kernel) over
   * `signingInput` with each key's handle for `alg` in turn; resolves to the index of the first
   * that accepts it,
   * or -1. The Node backend answers synchronously unless `pool` asks for the thread pool; the web
   * backend always answers with a promise.
   */
  verify(
    alg: string,
    keys: readonly { readonly handles: ReadonlyMap<string, VerifyHandle> }[],
    signingInput: string,
    signature: string,
    pool: boolean,
  ): number | Promise<number>

  /**
   * Prepares a private key (a private JWK, `KeyObject` or `CryptoKey`) or an HMAC secret to sign
   * with `alg`; rejects when it cannot.
   */
  importSignKey(key: PrivateKeyInput | Uint8Array, alg: string): Promise<SignHandle>
  sign(alg: string, handle: SignHandle, data: Uint8Array): Promise<Uint8Array>

  /**
   * Prepares a private key (a private JWK, `KeyObject` or `CryptoKey`) for one JWE
   * key-management family; rejects when it cannot (a public key, another key type).
   */
  importDecryptKey(
    key: PrivateKeyInput,
    family: KeyManagementFamily,
  ): Promise<ImportedDecryptionKey>
  /** RSAES-OAEP with SHA-256 and MGF1-SHA-256 (RFC 7518 §4.3); rejects when it does not decrypt. */
  rsaOaepDecrypt(handle: DecryptHandle, data: Uint8Array): Promise<Uint8Array>
  /**
   * The ECDH shared secret Z of the private key and a public key on the same curve (the kernel
   * has checked the curve); rejects for a point that is not on it.
   */
  ecdhSharedSecret(handle: DecryptHandle, publicJwk: ImportableJwk): Promise<Uint8Array>
  /** Whether this runtime can do AES of `bits` in `mode` (Chromium has no 192-bit AES). */
  aesSupported(bits: 128 | 192 | 256, mode: 'gcm' | 'cbc' | 'kw'): Promise<boolean>
  /** AES Key Unwrap (RFC 3394) with a 128, 192 or 256-bit key; rejects when the check fails. */
  aesKeyUnwrap(kek: Uint8Array, wrapped: Uint8Array): Promise<Uint8Array>
  /**
   * AES-GCM decryption with a 128-bit tag; rejects when the tag does not match (the platform
   * compares it in constant time).
   */
  aesGcmDecrypt(
    key: Uint8Array,
    iv: Uint8Array,
    ciphertext: Uint8Array,
    tag: Uint8Array,
    aad: Uint8Array,
  ): Promise<Uint8Array>
  /** AES-CBC decryption with PKCS #7 padding; rejects for bad padding. */
  aesCbcDecrypt(key: Uint8Array, iv: Uint8Array, ciphertext: Uint8Array): Promise<Uint8Array>

  /** The public JWK of a private or public `KeyObject` or an extractable `CryptoKey`. */
  exportPublicJwk(key: KeyObject | CryptoKey): Promise<Record<string, unknown>>
}

/**
 * The backend `#crypto-backend` resolves to: what type-checking sees (the package's `imports`
 * map sends the `types` condition here); at run time `node.ts` or `web.ts` provides it.
 */
export declare const backend: CryptoBackend
