/**
 * AES-256-GCM for values at rest in Redis. Each value gets a fresh 96-bit IV; the Redis key is
 * the additional authenticated data, so a value copied under another key does not decrypt.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'

const MARK = 'enc:v1:'
const IV_BYTES = 12
const TAG_BYTES = 16

/** Reads `encryptionKey`: 32 bytes, or their base64 (or base64url). */
export function parseEncryptionKey(key: Uint8Array | string): Buffer {
  let bytes: Buffer
  // Node's base64 decoder reads the base64url alphabet too.
  if (typeof key === 'string') bytes = Buffer.from(key, 'base64')
  else if (key instanceof Uint8Array) bytes = Buffer.from(key)
  else
    throw new TypeError('encryptionKey must be 32 bytes (a Buffer or Uint8Array) or their base64')
  if (bytes.length !== 32) {
    throw new TypeError(
      `encryptionKey must be 32 bytes for AES-256-GCM, got ${bytes.length} (generate one with crypto.randomBytes(32).toString('base64'))`,
    )
  }
  return bytes
}

/** The stored form of `plaintext` under `redisKey`. */
export function encrypt(key: Buffer, redisKey: string, plaintext: string): string {
  const iv = randomBytes(IV_BYTES)
  const cipher = createCipheriv('aes-256-gcm', key, iv)
  cipher.setAAD(Buffer.from(redisKey))
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()])
  return MARK + Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url')
}

/** The plaintext, or `undefined` when the value is not ours to read (other key, altered, plain). */
export function decrypt(key: Buffer, redisKey: string, stored: string): string | undefined {
  if (!stored.startsWith(MARK)) return undefined
  const raw = Buffer.from(stored.slice(MARK.length), 'base64url')
  if (raw.length < IV_BYTES + TAG_BYTES) return undefined
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, IV_BYTES))
    decipher.setAAD(Buffer.from(redisKey))
    decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES))
    return Buffer.concat([
      decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)),
      decipher.final(),
    ]).toString('utf8')
  } catch {
    return undefined
  }
}

/** True for a value written with encryption. */
export function isEncrypted(stored: string): boolean {
  return stored.startsWith(MARK)
}
