import { describe, expect, it } from 'vitest'
import { validateToken } from '../../src/index.js'
import { decodeJws } from '../../src/kernel/jws.js'
import { accessClaims, NOW, sign } from '../support/tokens.js'

const secret = new TextEncoder().encode('a-32-byte-secret-for-hs256-tests!')
const key = { kty: 'oct', k: Buffer.from(secret).toString('base64url'), alg: 'HS256' }
const config = {
  performDisco: false as const,
  key,
  issuer: 'https://id.example.com',
  audience: 'my-api',
  currentDate: new Date(NOW * 1000),
}

/** A header is cached when decoding the same token twice gives the very same frozen object. */
function isCached(token: string): boolean {
  const first = decodeJws(token).header
  const second = decodeJws(token).header
  return first === second
}

describe('the JWT header cache is bounded in bytes (issue 12)', () => {
  it('caches the short header of a token that verified', async () => {
    const token = await sign({ secret, alg: 'HS256' }, accessClaims(), { n: 'short' })
    expect(isCached(token)).toBe(false)
    await validateToken(token, config)
    expect(isCached(token)).toBe(true)
  })

  it('never caches the header of a refused token, however many arrive', async () => {
    // Before: every decoded header was cached, so forged tokens with large distinct headers
    // pinned memory (150 x 1 MB headers: +350 MB).
    const wrong = new TextEncoder().encode('not-the-secret-not-the-secret-!!!')
    const forged = await sign({ secret: wrong, alg: 'HS256' }, accessClaims(), { n: 'forged' })
    await expect(validateToken(forged, config)).rejects.toMatchObject({ code: 'signature' })
    expect(isCached(forged)).toBe(false)
  })

  it('never caches a header over 1024 characters, even of a token that verified', async () => {
    const token = await sign({ secret, alg: 'HS256' }, accessClaims(), { pad: 'x'.repeat(1100) })
    expect(token.indexOf('.')).toBeGreaterThan(1024)
    expect((await validateToken(token, config)).sub).toBe('user-1')
    expect(isCached(token)).toBe(false)
  })

  it('keeps at most 256 headers: the oldest is dropped first', async () => {
    const tokens: string[] = []
    for (let i = 0; i < 257; i++) {
      tokens.push(await sign({ secret, alg: 'HS256' }, accessClaims(), { n: `bound-${i}` }))
    }
    for (const token of tokens) await validateToken(token, config)
    expect(isCached(tokens[0]!)).toBe(false)
    expect(isCached(tokens[256]!)).toBe(true)
  })
})
