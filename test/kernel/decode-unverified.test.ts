/** `decodeUnverifiedJwt`: the kernel's decoder for display, with copies and typed errors. */
import { describe, expect, it } from 'vitest'
import { decodeUnverifiedJwt, TokenValidationError } from '../../src/index.js'
import { accessClaims, makeKey, sign } from '../support/tokens.js'

describe('decodeUnverifiedJwt', () => {
  it('gives the header and claims, as copies the caller may change', async () => {
    const token = await sign(makeKey('ES256', 'k1'), accessClaims({ sub: 'alice' }))
    const first = decodeUnverifiedJwt(token)
    expect(first.header).toMatchObject({ alg: 'ES256', kid: 'k1' })
    expect(first.claims.sub).toBe('alice')
    ;(first.header as { kid?: string }).kid = 'changed'
    expect(decodeUnverifiedJwt(token).header.kid).toBe('k1')
  })

  it('refuses what is not a compact JWS with a malformed error that never holds the token', () => {
    const jwe = 'eyJhbGciOiJSU0EtT0FFUC0yNTYiLCJlbmMiOiJBMjU2R0NNIn0.a.b.c.d'
    for (const bad of ['', 'abc', 'a.b', jwe, 'e30.e30.!!']) {
      let error: unknown
      try {
        decodeUnverifiedJwt(bad)
      } catch (caught) {
        error = caught
      }
      expect(error).toBeInstanceOf(TokenValidationError)
      expect((error as TokenValidationError).code).toBe('malformed')
      if (bad.length > 3) expect((error as Error).message).not.toContain(bad)
    }
    expect(() => decodeUnverifiedJwt(jwe)).toThrow(/JWE/)
  })
})
