import { describe, expect, it } from 'vitest'
import { TokenValidationError, validateToken } from '../../src/index.js'
import { accessClaims, NOW, sign } from '../support/tokens.js'

const secret = new TextEncoder().encode('a-32-byte-secret-for-hs256-tests!')
const config = {
  performDisco: false as const,
  key: { kty: 'oct', k: Buffer.from(secret).toString('base64url'), alg: 'HS256' },
  issuer: 'https://id.example.com',
  audience: 'my-api',
  currentDate: new Date(NOW * 1000),
}

describe('a claimsValidator returning false rejects the token (issue 12)', () => {
  it('rejects on false and Promise<false>, accepts on true, undefined and other values', async () => {
    const token = await sign({ secret, alg: 'HS256' }, accessClaims({ tenant: 't1' }))
    // Before: only a throw rejected; `return claims.tenant === 't2'` failed open.
    for (const claimsValidator of [() => false, async () => false]) {
      const error = await validateToken(token, { ...config, claimsValidator }).catch((e) => e)
      expect(error).toBeInstanceOf(TokenValidationError)
      expect(error).toMatchObject({ code: 'claim_validation' })
    }
    for (const claimsValidator of [() => true, () => undefined, async () => {}, () => 0]) {
      expect((await validateToken(token, { ...config, claimsValidator })).tenant).toBe('t1')
    }
  })
})
