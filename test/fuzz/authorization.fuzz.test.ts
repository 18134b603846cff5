/**
 * Where the resource server finds the token (RFC 6750 §2, RFC 9449 §7.1): the `Authorization`
 * header, the form body's and the query string's `access_token`. Hostile values never throw, a
 * token is only ever a b64token taken whole, and two methods in one request are refused.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  accessTokenValues,
  type BearerMethod,
  extractBearerToken,
  extractDpopToken,
  extractToken,
  isFormContentType,
  queryAccessTokens,
} from '../../src/resource-server/extract.js'
import { anyString, runs, stringOf } from './settings.js'

const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/
const b64token = fc
  .tuple(
    stringOf('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~+/', 120),
    stringOf('=', 3),
  )
  .filter(([body]) => body.length > 0)
  .map(([body, pad]) => body + pad)
const headerish = fc.oneof(
  anyString(200),
  fc
    .tuple(
      fc.constantFrom('Bearer', 'bearer', 'BEARER', 'DPoP', 'dpop', 'Basic', 'Bearer\t', ''),
      fc.constantFrom(' ', '  ', '', '\t'),
      fc.oneof(b64token, anyString(60)),
    )
    .map((p) => p.join('')),
)

describe('the Authorization header', () => {
  it('never throws; a token found is a b64token, exactly the one the header carries', () => {
    fc.assert(
      fc.property(headerish, (header) => {
        for (const [extract, scheme] of [
          [extractBearerToken, /^bearer +/i],
          [extractDpopToken, /^dpop +/i],
        ] as const) {
          const token = extract(header)
          if (typeof token !== 'string') continue
          expect(token).toMatch(B64TOKEN)
          expect(header.replace(scheme, '').trimEnd()).toBe(token)
        }
      }),
      runs(3000),
    )
  })

  it('reads back any b64token, and refuses several header values', () => {
    fc.assert(
      fc.property(b64token, fc.constantFrom('Bearer ', 'bearer  ', 'BEARER '), (token, prefix) => {
        expect(extractBearerToken(`${prefix}${token}`)).toBe(token)
        expect(extractDpopToken(`DPoP ${token}`)).toBe(token)
        expect(extractBearerToken([`Bearer ${token}`, `Bearer ${token}`])).toBeNull()
      }),
      runs(1000),
    )
  })
})

describe('form body and query string', () => {
  const component = fc.oneof(
    anyString(40),
    fc.constantFrom('access_token', 'access_token=', 'access%5Ftoken', '%', '%zz', '&', '=', '+'),
  )
  const query = fc.array(component, { maxLength: 8 }).map((parts) => `/api?${parts.join('')}`)

  it('queryAccessTokens never throws and returns only what URLSearchParams reads', () => {
    fc.assert(
      fc.property(fc.oneof(query, anyString(200)), (url) => {
        const values = queryAccessTokens(url)
        if (values === undefined) return
        expect(values.length).toBeGreaterThan(0)
        const start = url.indexOf('?')
        expect(values).toEqual(new URLSearchParams(url.slice(start + 1)).getAll('access_token'))
      }),
      runs(2000),
    )
  })

  it('accessTokenValues turns any parsed body into strings (or nothing)', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.anything({ maxDepth: 2 }),
          fc.record({ access_token: fc.anything({ maxDepth: 1 }) }),
        ),
        (body) => {
          const values = accessTokenValues(body)
          if (values === undefined) return
          for (const value of values) expect(typeof value).toBe('string')
        },
      ),
      runs(1000),
    )
  })

  it('isFormContentType only for application/x-www-form-urlencoded (any case, parameters)', () => {
    fc.assert(
      fc.property(fc.oneof(anyString(80), fc.constantFrom(null, undefined)), (type) => {
        const expected =
          typeof type === 'string' &&
          type.split(';')[0]!.trim().toLowerCase() === 'application/x-www-form-urlencoded'
        expect(isFormContentType(type)).toBe(expected)
      }),
      runs(1000),
    )
  })

  it('extractToken: never two methods, never a repeated or empty access_token', () => {
    const methods = fc
      .subarray(['header', 'body', 'query'] as BearerMethod[], { minLength: 1 })
      .map((list) => new Set(list))
    const tokens = fc.option(fc.array(fc.oneof(b64token, fc.constant('')), { maxLength: 3 }), {
      nil: undefined,
    })
    fc.assert(
      fc.property(
        methods,
        fc.option(headerish, { nil: undefined }),
        tokens,
        tokens,
        (enabled, authorization, bodyTokens, queryTokens) => {
          const result = extractToken({ authorization, bodyTokens, queryTokens }, enabled)
          if (result.token === undefined) return
          const sources = [
            enabled.has('header') && typeof extractBearerToken(authorization) === 'string',
            enabled.has('body') && (bodyTokens?.length ?? 0) > 0,
            enabled.has('query') && (queryTokens?.length ?? 0) > 0,
          ].filter(Boolean)
          expect(sources).toHaveLength(1)
          expect(result.token.length).toBeGreaterThan(0)
          expect(enabled.has(result.method)).toBe(true)
        },
      ),
      runs(2000),
    )
  })
})
