/**
 * The kernel's one verify path, called directly: the algorithm check and its messages, the
 * signature length rules (per algorithm and per RSA key), which key of a set is returned, what a
 * refusal says about the keys, and which work may go to Node's thread pool.
 */
import { generateKeyPairSync, type KeyObject, sign as nodeSign } from 'node:crypto'
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { backend } from '#crypto-backend'
import { TokenValidationError } from '../../src/errors.js'
import type { JsonWebKey } from '../../src/index.js'
import { decodeJws } from '../../src/kernel/jws.js'
import { importVerificationKey, type VerificationKey } from '../../src/kernel/keys.js'
import {
  busy,
  checkAlgorithm,
  enterValidation,
  hasThreadPool,
  isAsymmetric,
  leaveValidation,
  verifySignature,
} from '../../src/kernel/verify.js'

const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url')

interface Pair {
  readonly privateKey: KeyObject
  readonly key: VerificationKey
}

async function imported(publicKey: KeyObject, kid: string | undefined): Promise<VerificationKey> {
  const jwk = { ...publicKey.export({ format: 'jwk' }), ...(kid === undefined ? {} : { kid }) }
  const key = await importVerificationKey(jwk as JsonWebKey, { allowSymmetric: true })
  if (typeof key === 'string') throw new Error(key)
  return key
}

async function rsa(bits: number, kid: string | undefined): Promise<Pair> {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: bits })
  return { privateKey, key: await imported(publicKey, kid) }
}

function rs256(privateKey: KeyObject, kid = 'k'): string {
  const input = `${part({ alg: 'RS256', kid })}.${part({ sub: 'user-1' })}`
  return `${input}.${nodeSign('sha256', Buffer.from(input), privateKey).toString('base64url')}`
}

let rsa2048: Pair
let rsa3072: Pair
let otherRsa2048: Pair
let ec: Pair
let secret: VerificationKey

beforeAll(async () => {
  rsa2048 = await rsa(2048, 'rsa-2048')
  rsa3072 = await rsa(3072, 'rsa-3072')
  otherRsa2048 = await rsa(2048, undefined)
  const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  ec = { privateKey: pair.privateKey, key: await imported(pair.publicKey, 'ec-1') }
  const oct = await importVerificationKey(
    { kty: 'oct', k: Buffer.alloc(32, 7).toString('base64url'), kid: 'hmac' },
    { allowSymmetric: true },
  )
  if (typeof oct === 'string') throw new Error(oct)
  secret = oct
})

afterEach(() => {
  vi.restoreAllMocks()
})

/** The error `run` throws (or rejects with), for a close look at its code and message. */
async function refusal(run: () => unknown): Promise<TokenValidationError> {
  try {
    await run()
  } catch (error) {
    expect(error).toBeInstanceOf(TokenValidationError)
    return error as TokenValidationError
  }
  throw new Error('expected a refusal')
}

describe('checkAlgorithm', () => {
  it('names alg "none" as unsigned, in any spelling', () => {
    for (const alg of ['none', 'None', 'NONE']) {
      expect(() => checkAlgorithm(alg, undefined)).toThrow(
        expect.objectContaining({
          code: 'alg_none',
          message: 'the token is unsigned (alg "none"), which is never accepted',
        }),
      )
    }
  })

  it('names an unknown algorithm as not supported', () => {
    expect(() => checkAlgorithm('XS999', undefined)).toThrow(
      expect.objectContaining({
        code: 'unsupported_alg',
        message: 'the token algorithm "XS999" is not supported',
      }),
    )
  })

  it('names a supported but not allowed algorithm with the allowed list', () => {
    expect(() => checkAlgorithm('RS256', ['ES256', 'PS256'])).toThrow(
      expect.objectContaining({
        code: 'unsupported_alg',
        message: 'the token algorithm "RS256" is not allowed (allowed: ES256, PS256)',
      }),
    )
    expect(() => checkAlgorithm('RS256', ['RS256'])).not.toThrow()
    expect(() => checkAlgorithm('RS256', undefined)).not.toThrow()
  })
})

describe('the thread-pool heuristics', () => {
  it('is busy only while more than one validation is in flight', () => {
    expect(busy()).toBe(false)
    enterValidation()
    try {
      expect(busy()).toBe(false)
      enterValidation()
      try {
        expect(busy()).toBe(true)
      } finally {
        leaveValidation()
      }
      expect(busy()).toBe(false)
    } finally {
      leaveValidation()
    }
    expect(busy()).toBe(false)
  })

  it('counts every validation that entered and not yet left', () => {
    enterValidation()
    enterValidation()
    enterValidation()
    leaveValidation()
    try {
      expect(busy()).toBe(true)
    } finally {
      leaveValidation()
      leaveValidation()
    }
    expect(busy()).toBe(false)
  })

  it('has a thread pool on Node.js', () => {
    expect(hasThreadPool).toBe(true)
  })

  it('calls every RSA, PSS, EC and EdDSA algorithm asymmetric, HMAC and unknown ones not', () => {
    for (const alg of ['RS256', 'PS384', 'ES256', 'ES512', 'EdDSA']) {
      expect(isAsymmetric(alg)).toBe(true)
    }
    for (const alg of ['HS256', 'HS512', 'none', 'XS1']) expect(isAsymmetric(alg)).toBe(false)
  })

  it('hands asymmetric work to the pool when asked, HMAC never', async () => {
    const spy = vi.spyOn(backend, 'verify')
    await verifySignature(decodeJws(rs256(rsa2048.privateKey)), 'RS256', [rsa2048.key], true)
    expect(spy.mock.lastCall?.[4]).toBe(true)
    await verifySignature(decodeJws(rs256(rsa2048.privateKey)), 'RS256', [rsa2048.key], false)
    expect(spy.mock.lastCall?.[4]).toBe(false)

    const input = `${part({ alg: 'HS256' })}.${part({ sub: 'user-1' })}`
    const token = `${input}.${Buffer.alloc(32).toString('base64url')}`
    await refusal(() => verifySignature(decodeJws(token), 'HS256', [secret], true))
    expect(spy.mock.lastCall?.[4]).toBe(false)
  })
})

describe('verifySignature', () => {
  it('returns the key that accepts the signature', async () => {
    const token = decodeJws(rs256(rsa2048.privateKey))
    expect(await verifySignature(token, 'RS256', [otherRsa2048.key, rsa2048.key], false)).toBe(
      rsa2048.key,
    )
  })

  it('tries only the RSA keys whose size fits the signature, in a set mixing key sizes', async () => {
    const token = decodeJws(rs256(rsa2048.privateKey))
    expect(await verifySignature(token, 'RS256', [rsa3072.key, rsa2048.key], false)).toBe(
      rsa2048.key,
    )
    const spy = vi.spyOn(backend, 'verify')
    await verifySignature(token, 'RS256', [rsa3072.key, otherRsa2048.key, rsa2048.key], false)
    expect(spy.mock.lastCall?.[1]).toEqual([otherRsa2048.key, rsa2048.key])
  })

  it('keeps keys without a fixed signature length among the candidates', async () => {
    const token = decodeJws(rs256(rsa2048.privateKey))
    const spy = vi.spyOn(backend, 'verify')
    const error = await refusal(() =>
      verifySignature(token, 'RS256', [rsa3072.key, ec.key, otherRsa2048.key], false),
    )
    expect(spy.mock.lastCall?.[1]).toEqual([ec.key, otherRsa2048.key])
    expect(error.code).toBe('signature')
    expect(error.message).toBe('the RS256 signature does not verify with any of 2 candidate keys')
  })

  it('refuses a signature no key of the set has the size for', async () => {
    const token = decodeJws(rs256(rsa2048.privateKey))
    const error = await refusal(() => verifySignature(token, 'RS256', [rsa3072.key], false))
    expect(error.code).toBe('signature')
    expect(error.message).toBe('the RS256 signature has the wrong length')
  })

  it('refuses an EC signature of the wrong length before any key is tried', async () => {
    const spy = vi.spyOn(backend, 'verify')
    const input = `${part({ alg: 'ES256' })}.${part({ sub: 'user-1' })}`
    const token = decodeJws(`${input}.${Buffer.alloc(63, 1).toString('base64url')}`)
    const error = await refusal(() => verifySignature(token, 'ES256', [ec.key], false))
    expect(error.code).toBe('signature')
    expect(error.message).toBe('the ES256 signature has the wrong length')
    expect(spy).not.toHaveBeenCalled()
  })

  it('names the one key by kid, or by type when it has none', async () => {
    const token = decodeJws(rs256(rsa2048.privateKey))
    const named = await refusal(() => verifySignature(token, 'RS256', [rsa3072.key], false))
    expect(named.message).toBe('the RS256 signature has the wrong length')
    const withKid = await refusal(() => verifySignature(token, 'RS256', [ec.key], false))
    expect(withKid.message).toBe('the RS256 signature does not verify with key "ec-1"')
    const withoutKid = await refusal(() =>
      verifySignature(token, 'RS256', [otherRsa2048.key], false),
    )
    expect(withoutKid.message).toBe('the RS256 signature does not verify with key (no kid, RSA)')
  })

  it('counts the candidate keys when several did not verify', async () => {
    const token = decodeJws(rs256(rsa2048.privateKey))
    const error = await refusal(() =>
      verifySignature(token, 'RS256', [otherRsa2048.key, ec.key, ec.key], true),
    )
    expect(error.message).toBe('the RS256 signature does not verify with any of 3 candidate keys')
  })

  it('refuses a re-spelled asymmetric signature as malformed, a re-spelled MAC as not verifying', async () => {
    const good = rs256(rsa2048.privateKey)
    // The last character of 256 octets carries 4 unused bits: setting one re-spells the same bytes.
    const last = good.at(-1)!
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
    const respelled = `${good.slice(0, -1)}${alphabet[alphabet.indexOf(last) ^ 1]}`
    expect(respelled).not.toBe(good)
    const error = await refusal(() =>
      verifySignature(decodeJws(respelled), 'RS256', [rsa2048.key], false),
    )
    expect(error.code).toBe('malformed')
    expect(error.message).toBe('the token signature is not canonical base64url')

    const input = `${part({ alg: 'HS256' })}.${part({ sub: 'user-1' })}`
    const mac = Buffer.alloc(32, 3).toString('base64url')
    const macRespelled = `${mac.slice(0, -1)}${alphabet[alphabet.indexOf(mac.at(-1)!) ^ 1]}`
    const hmac = await refusal(() =>
      verifySignature(decodeJws(`${input}.${macRespelled}`), 'HS256', [secret], false),
    )
    expect(hmac.code).toBe('signature')
    expect(hmac.message).toBe('the HS256 signature does not verify with key "hmac"')
  })
})
