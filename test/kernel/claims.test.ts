import { describe, expect, it } from 'vitest'
import { validateToken } from '../../src/index.js'
import { checkedLeeway, checkedNow } from '../../src/kernel/claims.js'
import { accessClaims, NOW, sign } from '../support/tokens.js'

const secret = new TextEncoder().encode('a-32-byte-secret-for-hs256-tests!')
const key = { kty: 'oct', k: Buffer.from(secret).toString('base64url'), alg: 'HS256' }

describe('leeway NaN or an invalid currentDate is a TypeError, never "no time checks" (issue 12)', () => {
  it('checkedLeeway accepts 0..86400 seconds and the fallback, nothing else', () => {
    expect(checkedLeeway(undefined, 60)).toBe(60)
    expect(checkedLeeway(0, 60)).toBe(0)
    expect(checkedLeeway(86_400, 60)).toBe(86_400)
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, -1, 86_401, '30', null]) {
      expect(() => checkedLeeway(bad, 60)).toThrow(TypeError)
    }
  })

  it('checkedNow takes a valid Date (in seconds) and refuses anything else', () => {
    expect(checkedNow(new Date(NOW * 1000))).toBe(NOW)
    for (const bad of [new Date(Number.NaN), new Date('not a date'), NOW, '2026-01-01', null]) {
      expect(() => checkedNow(bad)).toThrow(TypeError)
    }
  })

  it('validateToken throws a TypeError for leeway: Number(process.env.UNSET)', async () => {
    // An expired token: with the checks silently off (the old behaviour) it was accepted.
    const expired = await sign({ secret, alg: 'HS256' }, accessClaims({ exp: NOW - 3600 }))
    const config = {
      performDisco: false as const,
      key,
      issuer: 'https://id.example.com',
      audience: 'my-api',
      currentDate: new Date(NOW * 1000),
    }
    await expect(validateToken(expired, config)).rejects.toMatchObject({ code: 'claim_validation' })
    await expect(
      validateToken(expired, { ...config, leeway: Number(process.env.IDENTITY_MODEL_UNSET) }),
    ).rejects.toThrow(TypeError)
    await expect(
      validateToken(expired, { ...config, currentDate: new Date('not a date') }),
    ).rejects.toThrow(TypeError)
  })
})
