import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { createCodeChallenge, createCodeVerifier } from '../../src/index.js'

describe('PKCE', () => {
  it('creates 43-character verifiers of the unreserved set, fresh each time', () => {
    const verifiers = new Set(Array.from({ length: 50 }, () => createCodeVerifier()))
    expect(verifiers.size).toBe(50)
    for (const verifier of verifiers) expect(verifier).toMatch(/^[A-Za-z0-9\-._~]{43}$/)
  })

  it('computes the RFC 7636 Appendix B challenge', () => {
    expect(createCodeChallenge('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk')).toBe(
      'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    )
  })

  it('is BASE64URL(SHA256(verifier)) for any valid verifier, up to 128 characters', () => {
    const verifier = `${'a'.repeat(100)}-._~${'Z9'.repeat(12)}`
    expect(verifier.length).toBe(128)
    expect(createCodeChallenge(verifier)).toBe(
      createHash('sha256').update(verifier).digest('base64url'),
    )
  })

  it.each([
    ['too short', 'a'.repeat(42)],
    ['too long', 'a'.repeat(129)],
    ['outside the unreserved set', `${'a'.repeat(42)}+`],
    ['not a string', 42],
  ])('refuses a verifier %s with a TypeError', (_, verifier) => {
    expect(() => createCodeChallenge(verifier as string)).toThrow(TypeError)
  })
})
