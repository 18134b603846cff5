/**
 * The Node.js crypto backend, over `node:crypto`: keys are `KeyObject`s imported once, and a
 * signature is verified synchronously on the event loop (no promise, no thread hop) or, when
 * several validations are in flight, on the libuv thread pool so every core works.
 */
import * as nodeCrypto from 'node:crypto'
import {
  constants,
  createDecipheriv,
  createHash,
  createHmac,
  createPrivateKey,
  createPublicKey,
  createSecretKey,
  diffieHellman,
  getCiphers,
  type JsonWebKey as NodeJsonWebKey,
  KeyObject as NodeKeyObject,
  sign as nodeSign,
  verify as nodeVerify,
  privateDecrypt,
} from 'node:crypto'
import { type AlgorithmSpec, algorithmSpec, type HashName, keyFits } from '../algorithms.js'
import { decodedByteLength } from '../alphabet.js'
import type { CryptoKey, KeyObject, PrivateKeyInput } from '../types.js'
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
  SignHandle,
  VerifyHandle,
} from './types.js'

/** What `crypto.verify` and `crypto.sign` take for one algorithm and key, built once. */
type NodeKey =
  | NodeKeyObject
  | { key: NodeKeyObject; padding: number; saltLength: number }
  | { key: NodeKeyObject; dsaEncoding: 'ieee-p1363' }

/** An HMAC key: `createHmac` takes the `KeyObject` itself. */
interface HmacKey {
  readonly hmac: NodeKeyObject
}

const CURVES: Readonly<Record<string, string>> = {
  prime256v1: 'P-256',
  secp384r1: 'P-384',
  secp521r1: 'P-521',
}

type OneShotHash = (algorithm: string, data: string, encoding: 'base64url') => string
/** `crypto.hash` (Node.js >= 20.12): a one-shot digest without a Hash object. */
const oneShotHash = (nodeCrypto as unknown as { hash?: OneShotHash }).hash

const DIGESTS: Readonly<Record<HashName, string>> = {
  'SHA-256': 'sha256',
  'SHA-384': 'sha384',
  'SHA-512': 'sha512',
}

function keyFor(spec: AlgorithmSpec, key: NodeKeyObject): NodeKey | HmacKey {
  if (spec.kty === 'oct') return { hmac: key }
  if (spec.node.pss) {
    return {
      key,
      padding: constants.RSA_PKCS1_PSS_PADDING,
      saltLength: constants.RSA_PSS_SALTLEN_DIGEST,
    }
  }
  if (spec.node.ieeeP1363) return { key, dsaEncoding: 'ieee-p1363' }
  return key
}

function imported(key: NodeKeyObject, algorithms: readonly string[]): ImportedKey {
  const handles = new Map<string, VerifyHandle>()
  for (const alg of algorithms) handles.set(alg, keyFor(algorithmSpec(alg)!, key))
  if (key.type === 'secret') {
    return {
      kty: 'oct',
      crv: undefined,
      modulusBits: undefined,
      secretBytes: key.symmetricKeySize,
      handles,
    }
  }
  const type = key.asymmetricKeyType
  const details = key.asymmetricKeyDetails
  const kty = type === 'rsa' || type === 'rsa-pss' ? 'RSA' : type === 'ec' ? 'EC' : 'OKP'
  const crv =
    type === 'ec'
      ? CURVES[details?.namedCurve ?? '']
      : type === 'ed25519'
        ? 'Ed25519'
        : type === 'ed448'
          ? 'Ed448'
          : undefined
  return { kty, crv, modulusBits: details?.modulusLength, secretBytes: undefined, handles }
}

/**
 * Scratch space for the signing input and signature: the synchronous path, and the thread pool's
 * first key (node:crypto copies what it queues). Never read after an await.
 */
const SCRATCH_LIMIT = 16 * 1024
let dataScratch = Buffer.allocUnsafeSlow(4096)
const signatureScratch = Buffer.allocUnsafeSlow(1024)

/** The signing input as bytes, in the scratch buffer when it fits. */
function latin1Bytes(text: string): Buffer {
  if (text.length > SCRATCH_LIMIT) return Buffer.from(text, 'latin1')
  if (text.length > dataScratch.length) dataScratch = Buffer.allocUnsafeSlow(SCRATCH_LIMIT)
  return dataScratch.subarray(0, dataScratch.write(text, 0, 'latin1'))
}

function signatureBytes(text: string): Buffer {
  return text.length <= (signatureScratch.length * 4) / 3
    ? signatureScratch.subarray(0, signatureScratch.write(text, 0, 'base64url'))
    : Buffer.from(text, 'base64url')
}

/** Scratch space for strict decoding: a check, or text read out at once. */
let decodeScratch = Buffer.allocUnsafeSlow(1024)

function scratchFor(bytes: number): Buffer {
  if (bytes <= decodeScratch.length) return decodeScratch
  if (bytes > SCRATCH_LIMIT) return Buffer.allocUnsafe(bytes)
  decodeScratch = Buffer.allocUnsafeSlow(SCRATCH_LIMIT)
  return decodeScratch
}

/**
 * Decodes unpadded base64url into `target` (which has room for it) and returns the byte count,
 * or -1 when `text` is not base64url. Node's decoder skips characters outside its alphabet and
 * stops at `=` (as do Bun's and Deno's), so a text with any such character decodes to fewer
 * bytes than its length promises; its alphabet also takes `+` and `/`, and a character above
 * U+00FF could be read by its low byte, hence the ASCII and `+` `/` checks. Each of those is a
 * native scan, several times faster than a regular expression over a token's payload. A length
 * of 1 modulo 4 never decodes (the count cannot see a bad last character there).
 */
function strictDecode(target: Buffer, text: string): number {
  const length = text.length
  if (
    length % 4 === 1 ||
    Buffer.byteLength(text, 'utf8') !== length ||
    text.includes('+') ||
    text.includes('/')
  ) {
    return -1
  }
  const expected = decodedByteLength(length)
  return target.write(text, 0, 'base64url') === expected ? expected : -1
}

function verifyOne(digest: string | null, data: Buffer, key: NodeKey, signature: Buffer): boolean {
  try {
    return nodeVerify(digest, data, key, signature)
  } catch {
    return false
  }
}

/**
 * Compares the HMAC as base64url text: the MAC's own encoding is canonical, so a re-spelled
 * signature never matches. The comparison runs over every character whatever the mismatch.
 */
function hmacMatches(digest: string, key: HmacKey, input: string, signature: string): boolean {
  const expected = createHmac(digest, key.hmac).update(input).digest('base64url')
  if (expected.length !== signature.length) return false
  let difference = 0
  for (let i = 0; i < expected.length; i++) {
    difference |= expected.charCodeAt(i) ^ signature.charCodeAt(i)
  }
  return difference === 0
}

function isNodeKeyObject(key: unknown): key is NodeKeyObject {
  return key instanceof NodeKeyObject
}

function isCryptoKey(key: unknown): key is CryptoKey {
  return (
    typeof key === 'object' &&
    key !== null &&
    typeof (key as CryptoKey).type === 'string' &&
    typeof (key as CryptoKey).algorithm === 'object' &&
    Array.isArray((key as CryptoKey).usages)
  )
}

/** A private `KeyObject` from a private JWK, a `KeyObject` or a `CryptoKey`. */
function privateKeyObject(key: PrivateKeyInput): NodeKeyObject {
  if (isNodeKeyObject(key)) return key
  if (isCryptoKey(key)) return NodeKeyObject.from(key as Parameters<typeof NodeKeyObject.from>[0])
  return createPrivateKey({ key: key as NodeJsonWebKey, format: 'jwk' })
}

/** The ciphers this `node:crypto` has (Bun and Deno lack some: Web Crypto stands in). */
let ciphers: ReadonlySet<string> | undefined
function hasCipher(name: string): boolean {
  ciphers ??= new Set(getCiphers())
  return ciphers.has(name)
}

/** The RFC 3394 §2.2.3.1 default initial value. */
const KEY_WRAP_IV = Buffer.from('A6A6A6A6A6A6A6A6', 'hex')

function aesBits(key: Uint8Array): 128 | 192 | 256 {
  if (key.length === 16 || key.length === 24 || key.length === 32) {
    return (key.length * 8) as 128 | 192 | 256
  }
  throw new TypeError('an AES key is 16, 24 or 32 bytes')
}

function bytes(buffer: Buffer): Uint8Array {
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength)
}

export const backend: CryptoBackend = {
  name: 'node',

  isDecodableBase64url: (text) =>
    strictDecode(scratchFor(decodedByteLength(text.length)), text) >= 0,
  base64urlToBytes(text) {
    const bytes = Buffer.allocUnsafe(decodedByteLength(text.length))
    return strictDecode(bytes, text) < 0 ? undefined : bytes
  },
  bytesToBase64url: (bytes) =>
    Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url'),
  base64urlToText(text) {
    const scratch = scratchFor(decodedByteLength(text.length))
    const length = strictDecode(scratch, text)
    return length < 0 ? undefined : scratch.toString('utf8', 0, length)
  },

  digest: (hash, data) => createHash(DIGESTS[hash]).update(data).digest(),
  hashKey: oneShotHash
    ? (text) => oneShotHash('sha256', text, 'base64url')
    : (text) => createHash('sha256').update(text).digest('base64url'),
  hmac: (hash, key, data) => createHmac(DIGESTS[hash], key).update(data).digest(),

  async importVerifyKey(jwk: ImportableJwk, algorithms) {
    if (jwk.kty === 'oct') {
      return imported(createSecretKey(Buffer.from(jwk.k ?? '', 'base64url')), algorithms)
    }
    const members: NodeJsonWebKey = { kty: jwk.kty }
    for (const name of ['crv', 'n', 'e', 'x', 'y'] as const) {
      if (jwk[name] !== undefined) members[name] = jwk[name]
    }
    return imported(createPublicKey({ key: members, format: 'jwk' }), algorithms)
  },

  importKeyObject(key: KeyObject, algorithmsOf) {
    if (!isNodeKeyObject(key)) throw new TypeError('not a KeyObject')
    const verifyKey = key.type === 'private' ? createPublicKey(key) : key
    const probe = imported(verifyKey, [])
    return imported(verifyKey, algorithmsOf(probe.kty, probe.crv))
  },

  verify(alg, keys, signingInput, signature, pool) {
    const spec = algorithmSpec(alg)!
    const digest = spec.node.digest
    if (spec.kty === 'oct') {
      for (let i = 0; i < keys.length; i++) {
        if (hmacMatches(digest!, keys[i]!.handles.get(alg) as HmacKey, signingInput, signature)) {
          return i
        }
      }
      return -1
    }
    if (!pool) {
      const data = latin1Bytes(signingInput)
      const bytes = signatureBytes(signature)
      for (let i = 0; i < keys.length; i++) {
        if (verifyOne(digest, data, keys[i]!.handles.get(alg) as NodeKey, bytes)) return i
      }
      return -1
    }
    // On the libuv thread pool; one promise for the whole attempt: the keys are tried one after
    // another from the completion callbacks. node:crypto copies its inputs when it queues a job
    // (Bun's and Deno's too), so one key can go from the scratch buffers; a later key is tried
    // after other validations have reused them, so several keys need their own copies.
    const single = keys.length === 1
    const data = single ? latin1Bytes(signingInput) : Buffer.from(signingInput, 'latin1')
    const bytes = single ? signatureBytes(signature) : Buffer.from(signature, 'base64url')
    return new Promise((resolve) => {
      let index = 0
      const tryNext = (): void => {
        if (index >= keys.length) {
          resolve(-1)
          return
        }
        const current = index++
        const key = keys[current]!.handles.get(alg) as NodeKey
        try {
          nodeVerify(digest, data, key, bytes, (error, valid) => {
            if (!error && valid) resolve(current)
            else tryNext()
          })
        } catch {
          // As verifyOne: a key node:crypto refuses up front (e.g. none for this algorithm) does
          // not verify; thrown from a completion callback it would crash the process.
          tryNext()
        }
      }
      tryNext()
    })
  },

  async importSignKey(key, alg): Promise<SignHandle> {
    const spec = algorithmSpec(alg)!
    if (spec.kty === 'oct') {
      if (!(key instanceof Uint8Array)) throw new TypeError(`${alg} signs with a secret`)
      return keyFor(spec, createSecretKey(key))
    }
    if (key instanceof Uint8Array) throw new TypeError(`${alg} needs a private key`)
    const keyObject = privateKeyObject(key)
    const { kty, crv } = imported(keyObject, [])
    if (!keyFits(alg, kty, crv))
      throw new TypeError(`the key (${kty}${crv ? ` ${crv}` : ''}) does not fit ${alg}`)
    return keyFor(spec, keyObject)
  },

  async sign(alg, handle, data) {
    const spec = algorithmSpec(alg)!
    if (spec.kty === 'oct') {
      return createHmac(spec.node.digest!, (handle as HmacKey).hmac)
        .update(data)
        .digest()
    }
    return nodeSign(spec.node.digest, data, handle as NodeKey)
  },

  async importDecryptKey(key, family): Promise<ImportedDecryptionKey> {
    const keyObject = privateKeyObject(key)
    if (keyObject.type !== 'private') throw new TypeError('a private key is needed to decrypt')
    const { kty, crv, modulusBits } = imported(keyObject, [])
    if (family === 'RSA-OAEP-256' ? kty !== 'RSA' : kty === 'RSA' || kty === 'oct') {
      throw new TypeError(`a ${kty} key does not fit ${family}`)
    }
    const curve =
      kty === 'OKP' ? (keyObject.asymmetricKeyType === 'x25519' ? 'X25519' : undefined) : crv
    return { kty: kty as 'RSA' | 'EC' | 'OKP', crv: curve, modulusBits, handle: keyObject }
  },

  async rsaOaepDecrypt(handle, data) {
    return bytes(
      privateDecrypt(
        {
          key: handle as NodeKeyObject,
          padding: constants.RSA_PKCS1_OAEP_PADDING,
          oaepHash: 'sha256',
        },
        data,
      ),
    )
  },

  async ecdhSharedSecret(handle, publicJwk) {
    const members: NodeJsonWebKey = { kty: publicJwk.kty }
    for (const name of ['crv', 'x', 'y'] as const) {
      if (publicJwk[name] !== undefined) members[name] = publicJwk[name]
    }
    const publicKey = createPublicKey({ key: members, format: 'jwk' })
    return bytes(diffieHellman({ privateKey: handle as NodeKeyObject, publicKey }))
  },

  async aesSupported(bits, mode) {
    const name = mode === 'kw' ? `id-aes${bits}-wrap` : `aes-${bits}-${mode}`
    return hasCipher(name) || subtleAesSupported(bits, mode)
  },

  async aesKeyUnwrap(kek, wrapped) {
    if (!hasCipher(`id-aes${aesBits(kek)}-wrap`)) return subtleAesKeyUnwrap(kek, wrapped)
    const decipher = createDecipheriv(`id-aes${aesBits(kek)}-wrap`, kek, KEY_WRAP_IV)
    return bytes(Buffer.concat([decipher.update(wrapped), decipher.final()]))
  },

  async aesGcmDecrypt(key, iv, ciphertext, tag, aad) {
    if (!hasCipher(`aes-${aesBits(key)}-gcm`)) {
      return subtleAesGcmDecrypt(key, iv, ciphertext, tag, aad)
    }
    const decipher = createDecipheriv(`aes-${aesBits(key)}-gcm`, key, iv, { authTagLength: 16 })
    decipher.setAAD(aad)
    decipher.setAuthTag(tag)
    return bytes(Buffer.concat([decipher.update(ciphertext), decipher.final()]))
  },

  async aesCbcDecrypt(key, iv, ciphertext) {
    if (!hasCipher(`aes-${aesBits(key)}-cbc`)) return subtleAesCbcDecrypt(key, iv, ciphertext)
    const decipher = createDecipheriv(`aes-${aesBits(key)}-cbc`, key, iv)
    return bytes(Buffer.concat([decipher.update(ciphertext), decipher.final()]))
  },

  async exportPublicJwk(key) {
    const keyObject = isNodeKeyObject(key)
      ? key
      : NodeKeyObject.from(key as Parameters<typeof NodeKeyObject.from>[0])
    const publicKey = keyObject.type === 'private' ? createPublicKey(keyObject) : keyObject
    return publicKey.export({ format: 'jwk' }) as Record<string, unknown>
  },
}
