/**
 * decodeJws at its edges: every refusal says what is wrong (and a JWE says it is one), the JSON
 * error is kept as the cause, and the header cache's bounds are exact.
 */
import { describe, expect, it } from 'vitest'
import { TokenValidationError } from '../../src/errors.js'
import { decodeJws, rememberHeader } from '../../src/kernel/jws.js'

const b64 = (text: string) => Buffer.from(text).toString('base64url')
const part = (value: unknown) => b64(JSON.stringify(value))
const HEADER = part({ alg: 'RS256' })
const PAYLOAD = part({ sub: 'user-1' })

function refusal(token: unknown): TokenValidationError {
  try {
    decodeJws(token)
  } catch (error) {
    expect(error).toBeInstanceOf(TokenValidationError)
    expect((error as TokenValidationError).code).toBe('malformed')
    return error as TokenValidationError
  }
  throw new Error('expected a refusal')
}

const message = (token: unknown) => refusal(token).message

describe('decodeJws refusals', () => {
  it('wants a non-empty string', () => {
    for (const token of ['', undefined, null, 42, {}]) {
      expect(message(token)).toBe('the token is not a non-empty string')
    }
  })

  it('wants exactly three segments, and names a five-segment JWE', () => {
    const segments = 'the token is not a compact JWS (three dot-separated segments)'
    expect(message('abc')).toBe(segments)
    expect(message('a.b.c')).toBe('the token header is not base64url')
    expect(message(`${HEADER}.${PAYLOAD}`)).toBe(segments)
    expect(message(`${HEADER}.${PAYLOAD}.sig.x`)).toBe(segments)
    expect(message(`${HEADER}.${PAYLOAD}.a.b.c.d`)).toBe(segments)
    expect(message('.......')).toBe(segments)
    expect(message(`${HEADER}.${PAYLOAD}.a.b.c`)).toBe(
      'the token is a JWE (encrypted); decrypt it first or use a signed JWT',
    )
    expect(message('....')).toBe(
      'the token is a JWE (encrypted); decrypt it first or use a signed JWT',
    )
  })

  it('accepts empty segments where they are allowed to be empty', () => {
    // Only the signature may be empty by syntax (the header and payload must be JSON objects).
    expect(decodeJws(`${HEADER}.${PAYLOAD}.`).signaturePart).toBe('')
    expect(message(`.${PAYLOAD}.sig`)).toBe('the token header is not JSON')
  })

  it('says which segment is not base64url, not JSON, or not an object', () => {
    expect(message(`${HEADER}=.${PAYLOAD}.sig`)).toBe('the token header is not base64url')
    expect(message(`${HEADER}.${PAYLOAD}+.sig`)).toBe('the token payload is not base64url')
    expect(message(`${HEADER}.${PAYLOAD}.si+g`)).toBe('the token signature is not base64url')
    expect(message(`${b64('{')}.${PAYLOAD}.sig`)).toBe('the token header is not JSON')
    expect(message(`${HEADER}.${b64('{')}.sig`)).toBe('the token payload is not JSON')
    for (const value of [null, [], 1, 'text', true]) {
      expect(message(`${part(value)}.${PAYLOAD}.sig`)).toBe('the token header is not a JSON object')
      expect(message(`${HEADER}.${part(value)}.sig`)).toBe('the token payload is not a JSON object')
    }
  })

  it('keeps the JSON error as the cause, and only there', () => {
    const json = refusal(`${HEADER}.${b64('{')}.sig`)
    expect(json.cause).toBeInstanceOf(SyntaxError)
    const shape = refusal(`${HEADER}.${part([])}.sig`)
    expect('cause' in shape).toBe(false)
  })

  it('checks the header members it reads', () => {
    expect(message(`${part({ kid: 'k' })}.${PAYLOAD}.sig`)).toBe('the token header has no "alg"')
    expect(message(`${part({ alg: 1 })}.${PAYLOAD}.sig`)).toBe('the token header has no "alg"')
    expect(message(`${part({ alg: 'RS256', kid: 1 })}.${PAYLOAD}.sig`)).toBe(
      'the token "kid" is not a string',
    )
    expect(message(`${part({ alg: 'RS256', typ: null })}.${PAYLOAD}.sig`)).toBe(
      'the token "typ" is not a string',
    )
    expect(message(`${part({ alg: 'RS256', crit: ['b64'] })}.${PAYLOAD}.sig`)).toBe(
      'the token names critical header extensions we do not support: ["b64"]',
    )
    const long = message(`${part({ alg: 'RS256', crit: ['x'.repeat(300)] })}.${PAYLOAD}.sig`)
    expect(long).toBe(
      `the token names critical header extensions we do not support: ${`["${'x'.repeat(300)}"]`.slice(0, 100)}`,
    )
  })

  it('gives the parts a verifier needs, and a frozen header', () => {
    const decoded = decodeJws(`${part({ alg: 'RS256', kid: 'k', typ: 'JWT' })}.${PAYLOAD}.c2ln`)
    expect(decoded.header).toEqual({ alg: 'RS256', kid: 'k', typ: 'JWT' })
    expect(Object.isFrozen(decoded.header)).toBe(true)
    expect(decoded.claims).toEqual({ sub: 'user-1' })
    expect(decoded.signingInput).toBe(`${part({ alg: 'RS256', kid: 'k', typ: 'JWT' })}.${PAYLOAD}`)
    expect(decoded.signaturePart).toBe('c2ln')
  })
})

describe('the header cache bounds', () => {
  /** A header whose encoded form is exactly `length` characters (a multiple of 4). */
  function headerOfLength(length: number, tag: string): string {
    const base = JSON.stringify({ alg: 'RS256', tag, pad: '' })
    return part({ alg: 'RS256', tag, pad: 'x'.repeat((length / 4) * 3 - base.length) })
  }

  const cached = (token: string) => {
    const first = decodeJws(token).header
    return decodeJws(token).header === first
  }

  it('caches a header of exactly 1024 characters, not one of 1028', () => {
    const at = `${headerOfLength(1024, 'at-limit')}.${PAYLOAD}.sig`
    const over = `${headerOfLength(1028, 'over-limit')}.${PAYLOAD}.sig`
    expect(at.indexOf('.')).toBe(1024)
    expect(over.indexOf('.')).toBe(1028)
    rememberHeader(decodeJws(at))
    rememberHeader(decodeJws(over))
    expect(cached(at)).toBe(true)
    expect(cached(over)).toBe(false)
  })

  it('drops one header per new one when full, the oldest', () => {
    const tokens = Array.from(
      { length: 257 },
      (_, i) => `${part({ alg: 'RS256', n: `drop-${i}` })}.${PAYLOAD}.sig`,
    )
    for (const token of tokens) rememberHeader(decodeJws(token))
    expect(cached(tokens[0]!)).toBe(false)
    expect(cached(tokens[1]!)).toBe(true)
    expect(cached(tokens[256]!)).toBe(true)
  })

  it('keeps the first header it cached when the same encoded header is remembered again', () => {
    const token = `${part({ alg: 'RS256', n: 'again' })}.${PAYLOAD}.sig`
    const first = decodeJws(token)
    rememberHeader(first)
    const copy = Object.freeze({ ...first.header })
    rememberHeader({ ...first, header: copy })
    expect(decodeJws(token).header).toBe(first.header)
    expect(decodeJws(token).header).not.toBe(copy)
  })
})
