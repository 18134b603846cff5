/**
 * A caller's private key made ready to sign DPoP proofs (RFC 9449 §4.2): checked to be private and
 * asymmetric, its public JWK derived, its algorithm chosen. Imported by jose, never by hand.
 */
import { createPublicKey, KeyObject } from 'node:crypto'
import { type CryptoKey, exportJWK, importJWK, type JWK } from 'jose'
import {
  type DpopAlgorithm,
  dpopAlgorithm,
  keyMismatch,
  type PublicJwk,
  publicMembers,
} from './keys.js'

/** A private key made ready to sign proofs: what every proof needs, resolved once. */
export interface SigningKey {
  readonly alg: DpopAlgorithm
  readonly key: CryptoKey | KeyObject
  readonly publicJwk: PublicJwk
}

/** A private key as callers hold it: a private JWK (with `d`), a `KeyObject` or a `CryptoKey`. */
export type DpopPrivateKey = JWK | KeyObject | CryptoKey

/**
 * Resolves a caller's private key: checks it is private and asymmetric, derives its public JWK
 * (from the JWK, the `KeyObject`, or an extractable `CryptoKey`; a non-extractable one needs
 * `publicJwk`) and picks the algorithm (`alg`, else the JWK's `alg`, else what the key implies:
 * RSA → RS256, RSA-PSS → PS256, P-256 → ES256, P-384 → ES384, P-521 → ES512, Ed25519 → EdDSA).
 *
 * @throws TypeError for a public or symmetric key, an RSA modulus under 2048 bits, an algorithm
 *   that does not fit the key, or a non-extractable `CryptoKey` without `publicJwk`. The message
 *   never contains key material.
 */
export async function resolveSigningKey(
  privateKey: DpopPrivateKey,
  publicJwk?: JWK | PublicJwk,
  alg?: string,
): Promise<SigningKey> {
  if (privateKey === null || typeof privateKey !== 'object') {
    throw new TypeError('a DPoP privateKey is required (a private JWK, KeyObject or CryptoKey)')
  }
  if (isKeyObject(privateKey)) return fromKeyObject(privateKey, publicJwk, alg)
  if (isCryptoKey(privateKey)) return fromCryptoKey(privateKey, publicJwk, alg)
  return fromJwk(privateKey as JWK, publicJwk, alg)
}

async function fromJwk(
  jwk: JWK,
  publicJwk: JWK | PublicJwk | undefined,
  alg: string | undefined,
): Promise<SigningKey> {
  if (jwk.kty === 'oct') throw symmetricKey()
  if (typeof jwk.d !== 'string') {
    throw new TypeError('the DPoP privateKey JWK has no "d": a private key is needed to sign')
  }
  const pub = publicMembers(publicJwk ?? jwk)
  const algorithm = dpopAlgorithm(alg ?? jwk.alg ?? impliedAlg(pub.kty, pub.crv))
  checkFit(algorithm, pub)
  const key = await withoutKeyMaterial(() => importJWK(jwk, algorithm), algorithm)
  return { alg: algorithm, key: key as CryptoKey, publicJwk: pub }
}

function fromKeyObject(
  key: KeyObject,
  publicJwk: JWK | PublicJwk | undefined,
  alg: string | undefined,
): SigningKey {
  if (key.type === 'secret') throw symmetricKey()
  if (key.type !== 'private') {
    throw new TypeError('the DPoP privateKey is a public key: a private key is needed to sign')
  }
  const type = key.asymmetricKeyType
  if (type === 'rsa-pss' && publicJwk === undefined) {
    // Node cannot export an RSA-PSS key as a JWK; a plain RSA key signs PS256 just as well.
    throw new TypeError(
      'an RSA-PSS KeyObject needs its publicJwk; or use an "rsa" KeyObject with alg PS256',
    )
  }
  const pub = publicMembers(publicJwk ?? (createPublicKey(key).export({ format: 'jwk' }) as JWK))
  const implied = type === 'rsa-pss' ? 'PS256' : impliedAlg(pub.kty, pub.crv)
  const algorithm = dpopAlgorithm(alg ?? implied)
  checkFit(algorithm, pub)
  return { alg: algorithm, key, publicJwk: pub }
}

async function fromCryptoKey(
  key: CryptoKey,
  publicJwk: JWK | PublicJwk | undefined,
  alg: string | undefined,
): Promise<SigningKey> {
  if (key.type === 'secret') throw symmetricKey()
  if (key.type !== 'private') {
    throw new TypeError('the DPoP privateKey is a public key: a private key is needed to sign')
  }
  let source = publicJwk
  if (source === undefined) {
    if (!key.extractable) {
      throw new TypeError(
        'a non-extractable CryptoKey needs its publicJwk (or pass the whole key pair as keyPair)',
      )
    }
    source = await exportJWK(key)
  }
  const pub = publicMembers(source)
  const algorithm = dpopAlgorithm(alg ?? cryptoKeyAlg(key) ?? impliedAlg(pub.kty, pub.crv))
  checkFit(algorithm, pub)
  return { alg: algorithm, key, publicJwk: pub }
}

/** The algorithm a Web Crypto key was made for (it cannot be used with another hash or padding). */
function cryptoKeyAlg(key: CryptoKey): string | undefined {
  const algorithm = key.algorithm as { name: string; hash?: { name: string } }
  const bits = algorithm.hash?.name.replace('SHA-', '')
  if (algorithm.name === 'RSASSA-PKCS1-v1_5') return `RS${bits}`
  if (algorithm.name === 'RSA-PSS') return `PS${bits}`
  if (algorithm.name === 'Ed25519') return 'EdDSA'
  return undefined
}

function impliedAlg(kty: string | undefined, crv: string | undefined): string | undefined {
  if (kty === 'RSA') return 'RS256'
  if (crv === 'P-256') return 'ES256'
  if (crv === 'P-384') return 'ES384'
  if (crv === 'P-521') return 'ES512'
  if (crv === 'Ed25519') return 'EdDSA'
  return undefined
}

/** The algorithm must fit the key type and curve, and an RSA modulus must be 2048 bits or more. */
function checkFit(alg: DpopAlgorithm, jwk: PublicJwk): void {
  const problem = keyMismatch(alg, jwk)
  if (problem !== undefined) throw new TypeError(problem)
}

async function withoutKeyMaterial<T>(run: () => Promise<T>, alg: string): Promise<T> {
  try {
    return await run()
  } catch (cause) {
    // jose's messages name the problem, never the key material.
    const reason = cause instanceof Error ? cause.message : 'unknown error'
    throw new TypeError(`the DPoP privateKey cannot sign with ${alg} (${reason})`, { cause })
  }
}

function symmetricKey(): TypeError {
  return new TypeError(
    'a DPoP key must be asymmetric: a symmetric key cannot prove possession to a third party',
  )
}

function isKeyObject(key: object): key is KeyObject {
  return key instanceof KeyObject
}

function isCryptoKey(key: object): key is CryptoKey {
  return (
    typeof (key as CryptoKey).type === 'string' &&
    typeof (key as CryptoKey).algorithm === 'object' &&
    typeof (key as CryptoKey).usages === 'object'
  )
}
