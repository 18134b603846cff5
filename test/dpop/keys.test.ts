import { generateKeyPairSync } from 'node:crypto'
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose'
import { describe, expect, it } from 'vitest'
import {
  createDpop,
  createDpopProof,
  DPOP_ALGORITHMS,
  dpopThumbprint,
  generateDpopKeyPair,
} from '../../src/index.js'
import { rsaBits } from '../../src/kernel/keys.js'
import { itWithKeyObjects } from '../support/backend.js'

describe('generateDpopKeyPair', () => {
  it('makes an ES256 (P-256) pair by default, with a non-extractable private key', async () => {
    const pair = await generateDpopKeyPair()
    expect(pair.alg).toBe('ES256')
    expect(Object.keys(pair.publicJwk).sort()).toEqual(['crv', 'kty', 'x', 'y'])
    expect(pair.publicJwk).toMatchObject({ kty: 'EC', crv: 'P-256' })
    expect(pair.privateKey.type).toBe('private')
    expect(pair.privateKey.extractable).toBe(false)
    expect(pair.thumbprint).toBe(await calculateJwkThumbprint({ ...pair.publicJwk }))
  })

  it('makes RS256 and PS256 pairs with a 2048-bit modulus', async () => {
    for (const alg of ['RS256', 'PS256'] as const) {
      const pair = await generateDpopKeyPair(alg)
      expect(pair.alg).toBe(alg)
      expect(Object.keys(pair.publicJwk).sort()).toEqual(['e', 'kty', 'n'])
      expect(rsaBits(pair.publicJwk.n as string)).toBeGreaterThanOrEqual(2048)
    }
  })

  it('makes EdDSA (Ed25519), ES384 and ES512 pairs', async () => {
    expect((await generateDpopKeyPair('EdDSA')).publicJwk).toMatchObject({
      kty: 'OKP',
      crv: 'Ed25519',
    })
    expect((await generateDpopKeyPair('ES384')).publicJwk.crv).toBe('P-384')
    expect((await generateDpopKeyPair('ES512')).publicJwk.crv).toBe('P-521')
  })

  it('exports the private key only when asked to', async () => {
    const pair = await generateDpopKeyPair('ES256', { extractable: true })
    const jwk = await exportJWK(pair.privateKey)
    expect(typeof jwk.d).toBe('string')
  })

  it('refuses symmetric, none and unknown algorithms with a TypeError', async () => {
    await expect(generateDpopKeyPair('HS256' as never)).rejects.toThrow(/symmetric/)
    await expect(generateDpopKeyPair('none' as never)).rejects.toBeInstanceOf(TypeError)
    await expect(generateDpopKeyPair('ES256K' as never)).rejects.toBeInstanceOf(TypeError)
  })

  it('lists only asymmetric algorithms', () => {
    expect(DPOP_ALGORITHMS.some((alg: string) => alg.startsWith('HS') || alg === 'none')).toBe(
      false,
    )
    expect(DPOP_ALGORITHMS).toContain('ES256')
    expect(DPOP_ALGORITHMS).toContain('RS256')
  })
})

describe('rsaBits', () => {
  it('counts the bits of the modulus, ignoring leading zero bytes', () => {
    expect(rsaBits(Buffer.from([0, 0x80, 0]).toString('base64url'))).toBe(16)
    expect(rsaBits(Buffer.from([0x01, 0]).toString('base64url'))).toBe(9)
    expect(rsaBits('')).toBe(0)
  })
})

describe('dpopThumbprint', () => {
  it('hashes only the required members (metadata and private members do not change it)', async () => {
    const pair = await generateDpopKeyPair('ES256', { extractable: true })
    const full = { ...(await exportJWK(pair.privateKey)), kid: 'k1', alg: 'ES256', use: 'sig' }
    expect(await dpopThumbprint(full)).toBe(pair.thumbprint)
  })

  it('refuses a symmetric JWK', async () => {
    await expect(dpopThumbprint({ kty: 'oct', k: 'AAAA' })).rejects.toBeInstanceOf(TypeError)
  })
})

describe('keys the caller brings', () => {
  const htm = 'POST'
  const htu = 'https://as.example.com/token'

  itWithKeyObjects(
    'takes a private JWK, a private KeyObject and a Web Crypto key pair',
    async () => {
      const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' })
      const jwk = ec.privateKey.export({ format: 'jwk' }) as JWK
      const fromJwk = await createDpop({ privateKey: jwk })
      const fromKeyObject = await createDpop({ privateKey: ec.privateKey })
      expect(fromJwk.alg).toBe('ES256')
      expect(fromKeyObject.thumbprint).toBe(fromJwk.thumbprint)
      const webCrypto = await generateKeyPair('PS256')
      const fromPair = await createDpop({ keyPair: webCrypto })
      expect(fromPair.alg).toBe('PS256')
      const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 })
      expect((await createDpop({ privateKey: rsa.privateKey })).alg).toBe('RS256')
      expect((await createDpop({ privateKey: rsa.privateKey, alg: 'PS256' })).alg).toBe('PS256')
      const pss = generateKeyPairSync('rsa-pss', { modulusLength: 2048 })
      await expect(createDpop({ privateKey: pss.privateKey })).rejects.toThrow(/publicJwk/)

      const ed = generateKeyPairSync('ed25519')
      expect((await createDpop({ privateKey: ed.privateKey })).alg).toBe('EdDSA')
    },
  )

  itWithKeyObjects(
    'refuses public, symmetric and short RSA keys, and algorithms that do not fit',
    async () => {
      const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' })
      const jwk = ec.privateKey.export({ format: 'jwk' }) as JWK
      const { d: _d, ...publicJwk } = jwk
      await expect(createDpop({ privateKey: publicJwk })).rejects.toThrow(/"d"/)
      await expect(createDpop({ privateKey: ec.publicKey })).rejects.toThrow(/public key/)
      await expect(createDpop({ privateKey: { kty: 'oct', k: 'c2VjcmV0' } })).rejects.toThrow(
        /asymmetric/,
      )
      const small = generateKeyPairSync('rsa', { modulusLength: 1024 })
      await expect(createDpop({ privateKey: small.privateKey })).rejects.toThrow(/2048/)
      await expect(createDpop({ privateKey: jwk, alg: 'RS256' })).rejects.toThrow(/cannot sign/)
      await expect(createDpop({ privateKey: jwk, alg: 'HS256' as never })).rejects.toThrow(
        /symmetric/,
      )
    },
  )

  it('never puts key material in its errors', async () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    const jwk = ec.privateKey.export({ format: 'jwk' }) as JWK
    const errors = await Promise.all([
      createDpop({ privateKey: jwk, alg: 'RS256' }).catch((e: Error) => e),
      createDpop({ privateKey: { ...jwk, x: 'AAAA' } }).catch((e: Error) => e),
    ])
    for (const error of errors) {
      expect(error).toBeInstanceOf(TypeError)
      expect((error as Error).message).not.toContain(jwk.d as string)
    }
  })

  it('needs the public JWK of a non-extractable CryptoKey, and checks it belongs to the key', async () => {
    const pair = await generateDpopKeyPair()
    const other = await generateDpopKeyPair()
    await expect(createDpopProof({ privateKey: pair.privateKey, htm, htu })).rejects.toThrow(
      /publicJwk/,
    )
    await expect(
      createDpop({ privateKey: pair.privateKey, publicJwk: { ...other.publicJwk } }),
    ).rejects.toThrow(/does not belong/)
    await expect(
      createDpop({ keyPair: { privateKey: pair.privateKey, publicKey: other.publicKey } }),
    ).rejects.toThrow(/does not belong/)
    const handle = await createDpop({ keyPair: pair })
    expect(handle.thumbprint).toBe(pair.thumbprint)
  })

  it('takes keyPair or privateKey, not both', async () => {
    const pair = await generateDpopKeyPair()
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    await expect(createDpop({ keyPair: pair, privateKey: ec.privateKey })).rejects.toThrow(
      /not both/,
    )
    await expect(createDpop({ maxNonces: 0 })).rejects.toThrow(/maxNonces/)
  })
})
