/**
 * AES for JWE over Web Crypto (`crypto.subtle`): the web backend's only AES, and the Node
 * backend's fallback where `node:crypto` lacks a cipher (Bun and Deno have no AES key wrap in
 * `node:crypto`, Deno no AES-192-GCM). Which key sizes exist is asked of the platform once per
 * mode (Chromium has no 192-bit AES at all), so a missing one is named, not mistaken for a bad
 * token.
 */

/** The parts of a `CryptoKey` and `crypto.subtle` used here (typed here: no DOM library). */
type Key = object
interface AesSubtle {
  importKey(
    format: 'raw',
    key: Uint8Array,
    algorithm: object,
    extractable: boolean,
    usages: string[],
  ): Promise<Key>
  exportKey(format: 'raw', key: Key): Promise<ArrayBuffer>
  decrypt(algorithm: object, key: Key, data: Uint8Array): Promise<ArrayBuffer>
  unwrapKey(
    format: 'raw',
    wrapped: Uint8Array,
    unwrappingKey: Key,
    unwrapAlgorithm: string,
    unwrappedKeyAlgorithm: object,
    extractable: boolean,
    usages: string[],
  ): Promise<Key>
}

/** The AES modes JWE uses. */
export type AesMode = 'gcm' | 'cbc' | 'kw'

const NAMES: Readonly<Record<AesMode, string>> = { gcm: 'AES-GCM', cbc: 'AES-CBC', kw: 'AES-KW' }
const USAGES: Readonly<Record<AesMode, string>> = {
  gcm: 'decrypt',
  cbc: 'decrypt',
  kw: 'unwrapKey',
}

function subtle(): AesSubtle {
  const found = (globalThis as { crypto?: { subtle?: AesSubtle } }).crypto?.subtle
  if (found === undefined) throw new TypeError('this runtime has no Web Crypto API (crypto.subtle)')
  return found
}

function importAes(key: Uint8Array, mode: AesMode): Promise<Key> {
  if (key.length !== 16 && key.length !== 24 && key.length !== 32) {
    throw new TypeError('an AES key is 16, 24 or 32 bytes')
  }
  return subtle().importKey('raw', key, { name: NAMES[mode] }, false, [USAGES[mode]])
}

const support = new Map<string, Promise<boolean>>()

/** Whether this runtime's Web Crypto has AES of `bits` in `mode` (asked once, remembered). */
export function subtleAesSupported(bits: 128 | 192 | 256, mode: AesMode): Promise<boolean> {
  const name = `${mode}${bits}`
  let known = support.get(name)
  if (known === undefined) {
    known = importAes(new Uint8Array(bits / 8), mode).then(
      () => true,
      () => false,
    )
    support.set(name, known)
  }
  return known
}

export async function subtleAesKeyUnwrap(
  kek: Uint8Array,
  wrapped: Uint8Array,
): Promise<Uint8Array> {
  const key = await importAes(kek, 'kw')
  // Web Crypto unwraps only into a key: an extractable HMAC key of the right length holds any
  // content-encryption key, and its raw export is the unwrapped bytes.
  const unwrapped = await subtle().unwrapKey(
    'raw',
    wrapped,
    key,
    'AES-KW',
    { name: 'HMAC', hash: 'SHA-256', length: (wrapped.length - 8) * 8 },
    true,
    ['sign'],
  )
  return new Uint8Array(await subtle().exportKey('raw', unwrapped))
}

export async function subtleAesGcmDecrypt(
  key: Uint8Array,
  iv: Uint8Array,
  ciphertext: Uint8Array,
  tag: Uint8Array,
  aad: Uint8Array,
): Promise<Uint8Array> {
  const aes = await importAes(key, 'gcm')
  const sealed = new Uint8Array(ciphertext.length + tag.length)
  sealed.set(ciphertext)
  sealed.set(tag, ciphertext.length)
  const params = { name: 'AES-GCM', iv, additionalData: aad, tagLength: 128 }
  return new Uint8Array(await subtle().decrypt(params, aes, sealed))
}

export async function subtleAesCbcDecrypt(
  key: Uint8Array,
  iv: Uint8Array,
  ciphertext: Uint8Array,
): Promise<Uint8Array> {
  const aes = await importAes(key, 'cbc')
  return new Uint8Array(await subtle().decrypt({ name: 'AES-CBC', iv }, aes, ciphertext))
}
