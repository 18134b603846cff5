/**
 * checkClaims called directly: every check at its boundary, the switches that turn a check off,
 * and the messages a user reads (with the claim each error names).
 */
import { describe, expect, it } from 'vitest'
import { TokenValidationError } from '../../src/errors.js'
import {
  type ClaimChecks,
  checkClaims,
  checkedLeeway,
  checkedNow,
} from '../../src/kernel/claims.js'
import type { Claims } from '../../src/kernel/jws.js'

const NOW = 1_700_000_000
const at = (seconds: number) => new Date(seconds * 1000).toISOString()

function refusal(claims: Claims, checks: Partial<ClaimChecks>): TokenValidationError {
  try {
    checkClaims(claims, { now: NOW, leeway: 0, ...checks })
  } catch (error) {
    expect(error).toBeInstanceOf(TokenValidationError)
    expect((error as TokenValidationError).code).toBe('claim_validation')
    return error as TokenValidationError
  }
  throw new Error('expected a refusal')
}

const passes = (claims: Claims, checks: Partial<ClaimChecks>) =>
  expect(() => checkClaims(claims, { now: NOW, leeway: 0, ...checks })).not.toThrow()

describe('checkClaims: issuer and audience', () => {
  it('wants a string iss when an issuer is expected', () => {
    for (const iss of [undefined, 5, null]) {
      const error = refusal({ iss } as unknown as Claims, { issuer: 'https://op' })
      expect(error.claim).toBe('iss')
      expect(error.message).toBe('the token has no "iss" claim')
    }
    expect(refusal({}, { issuer: 'https://op', what: 'the ID token' }).message).toBe(
      'the ID token has no "iss" claim',
    )
  })

  it('lets issuerOptional pass an absent iss only', () => {
    passes({}, { issuer: 'https://op', issuerOptional: true })
    refusal({ iss: 5 } as unknown as Claims, { issuer: 'https://op', issuerOptional: true })
    refusal({ iss: 'https://other' }, { issuer: 'https://op', issuerOptional: true })
  })

  it('names the expected issuers on a mismatch', () => {
    expect(refusal({ iss: 'https://evil' }, { issuer: 'https://op' }).message).toBe(
      'issuer mismatch: expected https://op, the token has https://evil',
    )
    expect(refusal({ iss: 'https://evil' }, { issuer: ['https://a', 'https://b'] }).message).toBe(
      'issuer mismatch: expected https://a or https://b, the token has https://evil',
    )
    passes({ iss: 'https://b' }, { issuer: ['https://a', 'https://b'] })
  })

  it('names the audience it expected and the one it found, clipped', () => {
    const missing = refusal({}, { audience: ['api-1', 'api-2'] })
    expect(missing.claim).toBe('aud')
    expect(missing.message).toBe('the token has no "aud" claim (expected api-1 or api-2)')
    expect(refusal({ aud: ['x', 'y'] }, { audience: 'api' }).message).toBe(
      'audience mismatch: expected api, the token has ["x","y"]',
    )
    const long = refusal({ aud: ['z'.repeat(500)] }, { audience: 'api' }).message
    expect(long).toBe(`audience mismatch: expected api, the token has ${`["${'z'.repeat(198)}`}`)
    passes({ aud: [1, 'api'] } as unknown as Claims, { audience: 'api' })
  })
})

describe('checkClaims: times', () => {
  it('says how long ago a token expired, and when', () => {
    const error = refusal({ exp: NOW - 30 }, {})
    expect(error.claim).toBe('exp')
    expect(error.message).toBe(
      `the token expired 30 s ago (exp ${at(NOW - 30)}; check the clock if this is unexpected)`,
    )
    passes({ exp: NOW - 30 }, { verifyExp: false })
  })

  it('refuses a token before nbf, with leeway, up to the very second', () => {
    const error = refusal({ nbf: NOW + 10 }, {})
    expect(error.claim).toBe('nbf')
    expect(error.message).toBe(
      `the token is not valid for another 10 s (nbf ${at(NOW + 10)}; check the clock if this is unexpected)`,
    )
    passes({ nbf: NOW }, {})
    passes({ nbf: NOW + 10 }, { leeway: 10 })
    refusal({ nbf: NOW + 11 }, { leeway: 10 })
  })

  it('skips nbf with verifyNbf: false, and only then', () => {
    passes({ nbf: NOW + 1000 }, { verifyNbf: false })
    refusal({ nbf: NOW + 1000 }, { verifyNbf: true })
    passes({}, { verifyNbf: true })
  })

  it('refuses a token issued in the future, unless verifyIat is false', () => {
    const error = refusal({ iat: NOW + 20 }, {})
    expect(error.claim).toBe('iat')
    expect(error.message).toBe(
      `the token was issued 20 s in the future (iat ${at(NOW + 20)}; check the clock)`,
    )
    passes({ iat: NOW + 20 }, { verifyIat: false })
    passes({ iat: NOW + 20 }, { leeway: 20 })
    refusal({ iat: NOW + 20 }, { verifyIat: true })
    passes({}, { verifyIat: true })
  })

  it('needs an iat for maxAgeSeconds and says how old the token is', () => {
    const missing = refusal({}, { maxAgeSeconds: 60 })
    expect(missing.claim).toBe('iat')
    expect(missing.message).toBe('the token has no numeric "iat" claim')
    const old = refusal({ iat: NOW - 61 }, { maxAgeSeconds: 60 })
    expect(old.message).toBe('the token was issued 61 s ago, more than the 60 s allowed')
    passes({ iat: NOW - 60 }, { maxAgeSeconds: 60 })
  })

  it('wants time claims that are finite numbers', () => {
    for (const exp of ['1700000000', Number.NaN, Number.POSITIVE_INFINITY, null]) {
      const error = refusal({ exp } as unknown as Claims, {})
      expect(error.claim).toBe('exp')
      expect(error.message).toBe('the "exp" claim is not a number')
    }
  })

  it('names the required time claim that is missing', () => {
    expect(refusal({}, { requireExp: true }).message).toBe(
      'the token has no "exp" claim, which is required',
    )
    expect(refusal({}, { requireIat: true }).message).toBe(
      'the token has no "iat" claim, which is required',
    )
  })

  it('shows a time that is no date as a number', () => {
    expect(refusal({ nbf: 1e20 }, {}).message).toContain('(nbf 100000000000000000000;')
  })
})

describe('checkClaims: nonce, subject and required claims', () => {
  it('tells a missing nonce from a wrong one', () => {
    const missing = refusal({}, { nonce: 'n-1' })
    expect(missing.claim).toBe('nonce')
    expect(missing.message).toBe('the token has no "nonce" claim')
    expect(refusal({ nonce: 'n-2' }, { nonce: 'n-1' }).message).toBe('nonce mismatch')
    passes({ nonce: 'n-1' }, { nonce: 'n-1' })
  })

  it('names the subject it expected', () => {
    const error = refusal({ sub: 'mallory' }, { subject: 'alice' })
    expect(error.claim).toBe('sub')
    expect(error.message).toBe('subject mismatch: expected alice, the token has mallory')
  })

  it('counts a null claim as missing', () => {
    for (const value of [undefined, null]) {
      const error = refusal({ acr: value } as unknown as Claims, { requiredClaims: ['acr'] })
      expect(error.claim).toBe('acr')
      expect(error.message).toBe('the token has no "acr" claim, which is required')
    }
    passes({ acr: 0 } as unknown as Claims, { requiredClaims: ['acr'] })
  })
})

describe('checkedLeeway and checkedNow messages', () => {
  it('names the option and the value it refused', () => {
    expect(() => checkedLeeway(-1, 0, 'clockTolerance')).toThrow(
      new TypeError('clockTolerance must be a number of seconds between 0 and 86400, got -1'),
    )
    for (const value of [Number.NaN, 86_401, '5', null]) {
      expect(() => checkedLeeway(value, 0)).toThrow(TypeError)
    }
    expect(checkedLeeway(86_400, 0)).toBe(86_400)
  })

  it('says why an invalid date is refused', () => {
    expect(() => checkedNow(new Date(Number.NaN))).toThrow(
      new TypeError('currentDate must be a valid Date (an invalid one would turn time checks off)'),
    )
  })
})
