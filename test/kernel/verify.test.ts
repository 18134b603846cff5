import { sign as nodeSign } from 'node:crypto'
import { beforeAll, describe, expect, it } from 'vitest'
import { type JsonWebKey, validateToken } from '../../src/index.js'
import { accessClaims, makeKey, NOW, type TestKey } from '../support/tokens.js'

let ps: TestKey

beforeAll(() => {
  ps = makeKey('PS256', 'ps-1')
})

const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url')

/** A PS256 token whose signature starts with a zero byte (PSS is randomized: sign until it does). */
function tokenWithLeadingZero(key: TestKey): { input: string; signature: Buffer } {
  const input = `${encode({ alg: 'PS256', kid: key.publicJwk.kid })}.${encode(accessClaims())}`
  for (let attempt = 0; attempt < 20_000; attempt++) {
    const signature = nodeSign('sha256', Buffer.from(input), {
      key: key.privateKey,
      padding: 6, // RSA_PKCS1_PSS_PADDING
      saltLength: 32,
    })
    if (signature[0] === 0) return { input, signature }
  }
  throw new Error('no signature with a leading zero byte in 20 000 tries')
}

describe('RSA signatures are exactly k octets (RFC 8017 §8.1.2, issue 12)', () => {
  it('refuses a PS256 signature with its leading zero byte stripped', async () => {
    const { input, signature } = tokenWithLeadingZero(ps)
    const config = {
      performDisco: false as const,
      key: ps.publicJwk as JsonWebKey,
      issuer: 'https://id.example.com',
      audience: 'my-api',
      currentDate: new Date(NOW * 1000),
    }
    // The full 256-octet signature verifies ...
    const full = `${input}.${signature.toString('base64url')}`
    expect((await validateToken(full, config)).sub).toBe('user-1')
    // ... and the same integer in 255 octets, which node:crypto alone would accept, does not.
    const stripped = `${input}.${signature.subarray(1).toString('base64url')}`
    await expect(validateToken(stripped, config)).rejects.toMatchObject({ code: 'signature' })
  })
})
