/**
 * The JWE decryption cases, run once per crypto backend (jwe-node.test.ts, jwe-web.test.ts):
 * every algorithm pair OpenID Connect and FAPI use, encrypted by jose (an independent
 * implementation), and the refusals: a tampered tag or ciphertext, another key, `zip`, an
 * oversized token, an unsupported algorithm, a bad `epk`. Every refusal past the header has the
 * same code and the same message (no oracle).
 */
import { CompactEncrypt, exportJWK, generateKeyPair, type JWK } from 'jose'
import { beforeAll, describe, expect, it } from 'vitest'
import { TokenValidationError } from '../../src/errors.js'

type Decrypt = typeof import('../../src/kernel/jwe.js')

const PLAINTEXT = JSON.stringify({ sub: 'alice', note: 'héllo' })
const ENCS = [
  'A128GCM',
  'A192GCM',
  'A256GCM',
  'A128CBC-HS256',
  'A192CBC-HS384',
  'A256CBC-HS512',
] as const
const ALGS = [
  'RSA-OAEP-256',
  'ECDH-ES',
  'ECDH-ES+A128KW',
  'ECDH-ES+A192KW',
  'ECDH-ES+A256KW',
] as const

interface KeyPair {
  readonly publicJwk: JWK
  readonly privateJwk: JWK
}

async function pair(alg: string, crv?: string): Promise<KeyPair> {
  const keys = await generateKeyPair(alg, { extractable: true, ...(crv ? { crv } : {}) })
  return {
    publicJwk: await exportJWK(keys.publicKey),
    privateJwk: await exportJWK(keys.privateKey),
  }
}

async function encrypt(
  key: KeyPair,
  alg: string,
  enc: string,
  extra: Record<string, unknown> = {},
  plaintext = PLAINTEXT,
): Promise<string> {
  return new CompactEncrypt(new TextEncoder().encode(plaintext))
    .setProtectedHeader({ alg, enc, ...extra })
    .encrypt(key.publicJwk)
}

/** Flips one bit of segment `index` (base64url-decoded, re-encoded). */
function flip(jwe: string, index: number): string {
  const parts = jwe.split('.')
  const bytes = Buffer.from(parts[index]!, 'base64url')
  bytes[bytes.length - 1]! ^= 1
  parts[index] = bytes.toString('base64url')
  return parts.join('.')
}

async function refusal(promise: Promise<unknown>): Promise<TokenValidationError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(TokenValidationError)
  return error as TokenValidationError
}

export function jweCases(load: () => Promise<Decrypt>): void {
  let jwe: Decrypt
  let rsa: KeyPair
  let p256: KeyPair
  let p384: KeyPair
  let p521: KeyPair
  let x25519: KeyPair
  let otherRsa: KeyPair
  let otherP256: KeyPair

  beforeAll(async () => {
    jwe = await load()
    ;[rsa, p256, p384, p521, x25519, otherRsa, otherP256] = await Promise.all([
      pair('RSA-OAEP-256'),
      pair('ECDH-ES', 'P-256'),
      pair('ECDH-ES', 'P-384'),
      pair('ECDH-ES', 'P-521'),
      pair('ECDH-ES', 'X25519'),
      pair('RSA-OAEP-256'),
      pair('ECDH-ES', 'P-256'),
    ])
  })

  const keyFor = (alg: string): KeyPair => (alg === 'RSA-OAEP-256' ? rsa : p256)
  const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes)

  describe.each(ALGS)('%s', (alg) => {
    it.each(ENCS)('decrypts %s', async (enc) => {
      const key = keyFor(alg)
      const token = await encrypt(key, alg, enc)
      const { header, plaintext } = await jwe.decryptJwe(token, key.privateJwk)
      expect(header).toMatchObject({ alg, enc })
      expect(text(plaintext)).toBe(PLAINTEXT)
    })

    it('refuses a tampered tag and a tampered ciphertext with the same error', async () => {
      const key = keyFor(alg)
      const token = await encrypt(key, alg, 'A256GCM')
      const cbc = await encrypt(key, alg, 'A128CBC-HS256')
      const errors = [
        await refusal(jwe.decryptJwe(flip(token, 4), key.privateJwk)),
        await refusal(jwe.decryptJwe(flip(token, 3), key.privateJwk)),
        await refusal(jwe.decryptJwe(flip(cbc, 4), key.privateJwk)),
        await refusal(jwe.decryptJwe(flip(cbc, 3), key.privateJwk)),
        await refusal(jwe.decryptJwe(flip(cbc, 2), key.privateJwk)),
      ]
      if (alg !== 'ECDH-ES') {
        errors.push(await refusal(jwe.decryptJwe(flip(token, 1), key.privateJwk)))
      }
      for (const error of errors) {
        expect(error.code).toBe('decryption')
        expect(error.message).toBe(errors[0]!.message)
      }
    })

    it('refuses a JWE for another key with the same error as a tampered one', async () => {
      const other = alg === 'RSA-OAEP-256' ? otherRsa : otherP256
      const token = await encrypt(other, alg, 'A128GCM')
      const tampered = flip(await encrypt(keyFor(alg), alg, 'A128GCM'), 4)
      const wrongKey = await refusal(jwe.decryptJwe(token, keyFor(alg).privateJwk))
      const altered = await refusal(jwe.decryptJwe(tampered, keyFor(alg).privateJwk))
      expect(wrongKey.code).toBe('decryption')
      expect(wrongKey.message).toBe(altered.message)
    })
  })

  it.each([
    ['P-384', () => p384],
    ['P-521', () => p521],
    ['X25519', () => x25519],
  ] as const)('decrypts ECDH-ES on %s', async (_crv, key) => {
    for (const alg of ['ECDH-ES', 'ECDH-ES+A256KW']) {
      const token = await encrypt(key(), alg, 'A256GCM')
      expect(text((await jwe.decryptJwe(token, key().privateJwk)).plaintext)).toBe(PLAINTEXT)
    }
  })

  it('takes apu and apv into the key derivation', async () => {
    const token = await encrypt(p256, 'ECDH-ES', 'A128GCM', {
      apu: Buffer.from('client').toString('base64url'),
      apv: Buffer.from('server').toString('base64url'),
    })
    expect(text((await jwe.decryptJwe(token, p256.privateJwk)).plaintext)).toBe(PLAINTEXT)
  })

  it('picks the key by kid from a JWK Set, and says key_not_found for an unknown kid', async () => {
    const set = {
      keys: [
        { ...otherRsa.privateJwk, kid: 'old' },
        { ...rsa.privateJwk, kid: 'new' },
      ],
    }
    const token = await encrypt(rsa, 'RSA-OAEP-256', 'A128GCM', { kid: 'new' })
    expect(text((await jwe.decryptJwe(token, set)).plaintext)).toBe(PLAINTEXT)
    const unknown = await encrypt(rsa, 'RSA-OAEP-256', 'A128GCM', { kid: 'gone' })
    expect((await refusal(jwe.decryptJwe(unknown, set))).code).toBe('key_not_found')
  })

  it('says key_not_found when no key fits the algorithm', async () => {
    const token = await encrypt(p256, 'ECDH-ES', 'A128GCM')
    expect((await refusal(jwe.decryptJwe(token, rsa.privateJwk))).code).toBe('key_not_found')
    const other = await encrypt(p384, 'ECDH-ES', 'A128GCM')
    expect((await refusal(jwe.decryptJwe(other, p256.privateJwk))).code).toBe('malformed')
  })

  it('refuses zip, crit, unsupported algorithms and algorithms not allowed', async () => {
    const zipped = await encrypt(rsa, 'RSA-OAEP-256', 'A128GCM').then((token) =>
      replaceHeader(token, { zip: 'DEF' }),
    )
    const zipError = await refusal(jwe.decryptJwe(zipped, rsa.privateJwk))
    expect(zipError.code).toBe('malformed')
    expect(zipError.message).toMatch(/compressed.*not supported/)
    const crit = replaceHeader(await encrypt(rsa, 'RSA-OAEP-256', 'A128GCM'), { crit: ['x'] })
    expect((await refusal(jwe.decryptJwe(crit, rsa.privateJwk))).code).toBe('malformed')
    const oaep1 = replaceHeader(await encrypt(rsa, 'RSA-OAEP-256', 'A128GCM'), { alg: 'RSA1_5' })
    expect((await refusal(jwe.decryptJwe(oaep1, rsa.privateJwk))).code).toBe('unsupported_alg')
    const token = await encrypt(rsa, 'RSA-OAEP-256', 'A128CBC-HS256')
    const notAllowed = jwe.decryptJwe(token, rsa.privateJwk, { encryptionAlgorithms: ['A256GCM'] })
    expect((await refusal(notAllowed)).code).toBe('unsupported_alg')
  })

  it('refuses oversized input and wrong segment counts before any crypto', async () => {
    const huge = `${'a'.repeat(jwe.MAX_JWE_LENGTH)}.b.c.d.e`
    expect((await refusal(jwe.decryptJwe(huge, rsa.privateJwk))).code).toBe('malformed')
    expect((await refusal(jwe.decryptJwe('a.b.c', rsa.privateJwk))).code).toBe('malformed')
    const token = await encrypt(rsa, 'RSA-OAEP-256', 'A128GCM')
    const shortTag = token.replace(/\.[^.]+$/, '.AAAA')
    expect((await refusal(jwe.decryptJwe(shortTag, rsa.privateJwk))).code).toBe('malformed')
  })

  it('refuses an epk that is off the curve or carries a private key', async () => {
    const token = await encrypt(p256, 'ECDH-ES', 'A128GCM')
    const header = JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString())
    const offCurve = replaceHeader(token, {
      epk: { ...header.epk, y: Buffer.alloc(32, 7).toString('base64url') },
    })
    expect((await refusal(jwe.decryptJwe(offCurve, p256.privateJwk))).code).toBe('malformed')
    const withD = replaceHeader(token, { epk: { ...header.epk, d: 'AAAA' } })
    expect((await refusal(jwe.decryptJwe(withD, p256.privateJwk))).code).toBe('malformed')
  })

  it('refuses a key that is public or made for signatures', async () => {
    const token = await encrypt(rsa, 'RSA-OAEP-256', 'A128GCM')
    expect((await refusal(jwe.decryptJwe(token, rsa.publicJwk))).code).toBe('key_not_found')
    await expect(jwe.decryptJwe(token, { ...rsa.privateJwk, use: 'sig' } as never)).rejects.toThrow(
      TypeError,
    )
  })
}

/** The JWE with header members replaced (the tag no longer matches: for header-level checks). */
function replaceHeader(jwe: string, members: Record<string, unknown>): string {
  const parts = jwe.split('.')
  const header = JSON.parse(Buffer.from(parts[0]!, 'base64url').toString())
  parts[0] = Buffer.from(JSON.stringify({ ...header, ...members })).toString('base64url')
  return parts.join('.')
}
