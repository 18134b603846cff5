/**
 * The kernel's small parts, each pinned at its boundaries: the bounded replay memory (expiry,
 * eviction order, the floor), canonical base64url, the constant-time comparison and the typ rule.
 */
import { describe, expect, it } from 'vitest'
import { TokenValidationError } from '../../src/errors.js'
import {
  decodedLength,
  encodeBase64,
  isCanonicalBase64url,
  timingSafeEqual,
} from '../../src/kernel/encoding.js'
import { createReplayMemory } from '../../src/kernel/replay.js'
import { checkTyp, normalizeTyp } from '../../src/kernel/typ.js'

/** A replay memory on a clock the test sets (seconds). */
function memory(maxEntries?: number) {
  let seconds = 0
  const remember = createReplayMemory({ maxEntries, now: () => seconds * 1000 })
  return {
    remember,
    at(now: number) {
      seconds = now
    },
  }
}

describe('createReplayMemory', () => {
  it('refuses a maxEntries that is not a positive integer', () => {
    for (const maxEntries of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => createReplayMemory({ maxEntries })).toThrow(
        new TypeError('maxEntries must be a positive integer'),
      )
    }
    expect(() => createReplayMemory({ maxEntries: 1 })).not.toThrow()
  })

  it('answers replayed until the moment the id expires, inclusive, and fresh after', () => {
    const { remember, at } = memory()
    expect(remember('a', 100)).toBe('fresh')
    at(99)
    expect(remember('a', 100)).toBe('replayed')
    at(100)
    expect(remember('a', 100)).toBe('replayed')
    at(100.5)
    expect(remember('a', 200)).toBe('fresh')
    expect(remember('a', 200)).toBe('replayed')
  })

  it('keeps at most maxEntries: dropping the oldest raises the floor to its expiry', () => {
    const { remember } = memory(1)
    expect(remember('a', 100)).toBe('fresh')
    expect(remember('b', 200)).toBe('fresh') // a is dropped: the floor is 100
    expect(remember('a', 100)).toBe('evicted')
    expect(remember('c', 100)).toBe('evicted') // exactly at the floor
    expect(remember('b', 200)).toBe('replayed') // b is still remembered
    expect(remember('d', 150)).toBe('evicted') // dropping b raises the floor to 200 first
    expect(remember('e', 201)).toBe('fresh')
  })

  it('first forgets entries that have expired, which raises no floor', () => {
    const { remember, at } = memory(2)
    expect(remember('a', 10)).toBe('fresh')
    expect(remember('b', 1000)).toBe('fresh')
    at(20)
    expect(remember('c', 500)).toBe('fresh') // a has expired: forgotten, nothing else is
    expect(remember('b', 1000)).toBe('replayed')
    at(600)
    expect(remember('y', 5)).toBe('fresh') // no floor: c has expired, so there is room
  })

  it('keeps an entry that expires exactly now (it still refuses that replay)', () => {
    const { remember, at } = memory(2)
    expect(remember('a', 20)).toBe('fresh')
    expect(remember('b', 1000)).toBe('fresh')
    at(20)
    expect(remember('c', 30)).toBe('fresh') // a is dropped as the oldest, not as expired
    at(40)
    expect(remember('a', 20)).toBe('evicted') // the floor is a's expiry
  })

  it('refuses a token that expires exactly at the floor an eviction just raised', () => {
    const { remember } = memory(1)
    expect(remember('a', 100)).toBe('fresh')
    expect(remember('b', 100)).toBe('evicted')
  })

  it('never lowers the floor when an older entry expires sooner than a dropped one', () => {
    const { remember, at } = memory(2)
    expect(remember('a', 500)).toBe('fresh')
    expect(remember('b', 100)).toBe('fresh')
    expect(remember('c', 600)).toBe('fresh') // drops a: floor 500
    expect(remember('d', 700)).toBe('fresh') // drops b (100): the floor stays 500
    at(650)
    expect(remember('x', 300)).toBe('evicted')
  })

  it('moves a re-used id to the young end: the oldest one is dropped first', () => {
    const { remember, at } = memory(3)
    expect(remember('a', 10)).toBe('fresh')
    expect(remember('b', 100)).toBe('fresh')
    at(20)
    expect(remember('a', 200)).toBe('fresh') // a had expired: remembered anew, after b
    expect(remember('c', 300)).toBe('fresh')
    expect(remember('d', 400)).toBe('fresh') // full: drops b, the oldest
    expect(remember('a', 200)).toBe('replayed')
    expect(remember('b', 100)).toBe('evicted')
  })
})

describe('isCanonicalBase64url', () => {
  it('has no valid length of 4n + 1 characters', () => {
    for (const text of ['A', 'AAAAA', 'AAAAAAAAA']) expect(isCanonicalBase64url(text)).toBe(false)
  })

  it('accepts every whole group, including none', () => {
    for (const text of ['', 'AAAA', '____', 'AQID']) expect(isCanonicalBase64url(text)).toBe(true)
  })

  it('wants the unused low bits of the last character zero', () => {
    expect(isCanonicalBase64url('AQ')).toBe(true) // 1 byte: 4 spare bits
    expect(isCanonicalBase64url('AR')).toBe(false)
    expect(isCanonicalBase64url('AY')).toBe(false)
    expect(isCanonicalBase64url('AQI')).toBe(true) // 2 bytes: 2 spare bits
    expect(isCanonicalBase64url('AQJ')).toBe(false)
    expect(isCanonicalBase64url('AQK')).toBe(false)
  })

  it('goes with decodedLength', () => {
    expect([0, 2, 3, 4, 6].map((n) => decodedLength('A'.repeat(n)))).toEqual([0, 1, 2, 3, 4])
  })
})

describe('encodeBase64', () => {
  it('pads standard base64', () => {
    expect(['', 'f', 'fo', 'foo', 'foob'].map((text) => encodeBase64(text))).toEqual([
      '',
      'Zg==',
      'Zm8=',
      'Zm9v',
      'Zm9vYg==',
    ])
    expect(encodeBase64(new Uint8Array([0xfb, 0xff]))).toBe('+/8=')
  })
})

describe('timingSafeEqual', () => {
  const bytes = (...values: number[]) => new Uint8Array(values)

  it('is true for equal bytes, including none', () => {
    expect(timingSafeEqual(bytes(), bytes())).toBe(true)
    expect(timingSafeEqual(bytes(1, 2, 3), bytes(1, 2, 3))).toBe(true)
  })

  it('is false for a difference in any byte, first, middle or last', () => {
    expect(timingSafeEqual(bytes(9, 2, 3), bytes(1, 2, 3))).toBe(false)
    expect(timingSafeEqual(bytes(1, 9, 3), bytes(1, 2, 3))).toBe(false)
    expect(timingSafeEqual(bytes(1, 2, 9), bytes(1, 2, 3))).toBe(false)
    expect(timingSafeEqual(bytes(1, 2, 1), bytes(1, 2, 3))).toBe(false) // a bit set in both
  })

  it('is false for different lengths, a prefix included', () => {
    expect(timingSafeEqual(bytes(1, 2), bytes(1, 2, 3))).toBe(false)
    expect(timingSafeEqual(bytes(1, 2, 3), bytes(1, 2))).toBe(false)
    expect(timingSafeEqual(bytes(), bytes(0))).toBe(false)
  })
})

describe('checkTyp', () => {
  const refusal = (run: () => void): TokenValidationError => {
    try {
      run()
    } catch (error) {
      expect(error).toBeInstanceOf(TokenValidationError)
      expect((error as TokenValidationError).code).toBe('malformed')
      return error as TokenValidationError
    }
    throw new Error('expected a refusal')
  }

  it('compares media types without case and application/ prefix', () => {
    expect(normalizeTyp('Application/AT+JWT')).toBe('at+jwt')
    expect(normalizeTyp('at+jwt')).toBe('at+jwt')
    expect(normalizeTyp('JWT')).toBe('jwt')
  })

  it('names what it expected when typ is missing', () => {
    const error = refusal(() =>
      checkTyp({ alg: 'RS256' }, { accept: ['at+jwt', 'jwt'] }, 'access token'),
    )
    expect(error.message).toBe('the access token has no typ (expected at+jwt or jwt)')
    expect(() => checkTyp({ alg: 'RS256' }, { accept: ['at+jwt'], optional: true })).not.toThrow()
    expect(() => checkTyp({ alg: 'RS256' }, {})).not.toThrow()
  })

  it('refuses a listed type in any spelling, and only a listed one', () => {
    const rule = { reject: ['logout+jwt', 'application/dpop+jwt'] }
    const error = refusal(() => checkTyp({ alg: 'RS256', typ: 'application/Logout+JWT' }, rule))
    expect(error.message).toBe(
      'the token is typed "application/Logout+JWT", so it is a JWT made for something else (RFC 8725 §3.11)',
    )
    refusal(() => checkTyp({ alg: 'RS256', typ: 'DPoP+jwt' }, rule))
    expect(() => checkTyp({ alg: 'RS256', typ: 'JWT' }, rule)).not.toThrow()
    expect(() => checkTyp({ alg: 'RS256', typ: 'at+jwt' }, rule)).not.toThrow()
  })

  it('accepts an accepted type in any spelling and names the rest', () => {
    const rule = { accept: ['application/at+jwt', 'jwt'] }
    expect(() => checkTyp({ alg: 'RS256', typ: 'AT+JWT' }, rule)).not.toThrow()
    const error = refusal(() => checkTyp({ alg: 'RS256', typ: 'JOSE' }, rule, 'access token'))
    expect(error.message).toBe(
      'the access token type (typ "JOSE") is not allowed (expected application/at+jwt or jwt)',
    )
  })
})
