/**
 * `WWW-Authenticate` as a hostile resource server or proxy may send it (RFC 9110 §11.6.1,
 * RFC 6750 §3): the parser never throws, returns plain string parameters, and reads back what a
 * well-formed challenge says.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { parseBearerChallenge } from '../../src/http/www-authenticate.js'
import { anyString, runs, stringOf } from './settings.js'

const TCHAR = "!#$%&'*+.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-"
const token = stringOf(TCHAR, 20).filter((s) => s.length > 0)
/** qdtext: HTAB, SP, 0x21, 0x23-0x5B, 0x5D-0x7E (no DQUOTE, no backslash unescaped). */
const qdtext = fc.string({
  unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
  maxLength: 40,
})
const quote = (value: string) => `"${value.replace(/(["\\])/g, '\\$1')}"`
const junk = stringOf(' ,=";\\BearDPoPerror_descriptin\t', 120)

describe('parseBearerChallenge', () => {
  it('never throws and returns undefined or string parameters, whatever the header', () => {
    fc.assert(
      fc.property(
        fc.oneof(anyString(300), junk),
        fc.constantFrom(undefined, 'Bearer', 'DPoP'),
        (header, scheme) => {
          const params = parseBearerChallenge(header, scheme as 'Bearer' | 'DPoP' | undefined)
          if (params === undefined) return
          expect(Object.getPrototypeOf(params)).toBe(Object.prototype)
          for (const value of Object.values(params)) expect(typeof value).toBe('string')
        },
      ),
      runs(2000),
    )
  })

  it('reads back the parameters of a well-formed challenge, first value winning', () => {
    const param = fc.tuple(token, fc.oneof(token, qdtext), fc.boolean())
    fc.assert(
      fc.property(
        fc.constantFrom('Bearer', 'DPoP', 'bearer'),
        fc.array(param, { minLength: 1, maxLength: 6 }),
        fc.constantFrom('', 'Basic realm="x", ', 'Newauth, '),
        (scheme, params, before) => {
          const rendered = params
            .map(([name, value, quoted]) => {
              const plain = quoted || !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(value)
              return `${name}=${plain ? quote(value) : value}`
            })
            .join(', ')
          const parsed = parseBearerChallenge(`${before}${scheme} ${rendered}`)
          const expected: Record<string, string> = {}
          for (const [name, value] of params) {
            const key = name.toLowerCase()
            if (!Object.hasOwn(expected, key)) expected[key] = value
          }
          expect(parsed).toEqual(expected)
        },
      ),
      runs(1000),
    )
  })

  it('lets no parameter name touch a prototype (__proto__ is dropped, constructor is data)', () => {
    const parsed = parseBearerChallenge('Bearer __proto__="x", constructor=y, error="e"')!
    expect(Object.getPrototypeOf(parsed)).toBe(Object.prototype)
    expect(Object.hasOwn(parsed, '__proto__')).toBe(false)
    expect(parsed.constructor).toBe('y')
    expect(parsed.error).toBe('e')
  })
})
