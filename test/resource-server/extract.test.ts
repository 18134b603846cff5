/**
 * The token-finding helpers the adapters share (RFC 6750 §2): what each returns for every shape
 * of input, and the TypeErrors of the bearerMethods option.
 */
import { describe, expect, it } from 'vitest'
import {
  accessTokenValues,
  extractBearerToken,
  extractDpopToken,
  extractToken,
  isFormContentType,
  queryAccessTokens,
  resolveMethods,
} from '../../src/resource-server/extract.js'

describe('extractBearerToken and extractDpopToken', () => {
  it('tell no header, another scheme and a malformed header apart', () => {
    for (const extract of [extractBearerToken, extractDpopToken]) {
      expect(extract(undefined)).toBeUndefined()
      expect(extract(['Bearer a', 'DPoP a'])).toBeNull()
      expect(extract('Basic dXNlcjpwYXNz')).toBeUndefined()
    }
    expect(extractBearerToken('Bearer abc.def-_~+/==')).toBe('abc.def-_~+/==')
    expect(extractBearerToken('Bearer two words')).toBeNull()
    expect(extractBearerToken('Bearer')).toBeNull()
    expect(extractBearerToken('DPoP abc')).toBeUndefined()
    expect(extractDpopToken('DPoP abc')).toBe('abc')
    expect(extractDpopToken('dpop  abc ')).toBe('abc')
    expect(extractDpopToken('DPoP a=b')).toBeNull()
    expect(extractDpopToken('Bearer abc')).toBeUndefined()
  })
})

describe('accessTokenValues', () => {
  it('reads access_token from a parsed body or query object', () => {
    expect(accessTokenValues(undefined)).toBeUndefined()
    expect(accessTokenValues(null)).toBeUndefined()
    expect(accessTokenValues('access_token=x')).toBeUndefined()
    expect(accessTokenValues({})).toBeUndefined()
    expect(accessTokenValues({ other: 'x' })).toBeUndefined()
    expect(accessTokenValues({ access_token: 'abc' })).toEqual(['abc'])
    expect(accessTokenValues({ access_token: ['a', 'b'] })).toEqual(['a', 'b'])
    // Anything but strings counts as present but empty, so the request is refused as invalid.
    expect(accessTokenValues({ access_token: ['a', 7] })).toEqual(['a', ''])
    expect(accessTokenValues({ access_token: { nested: 'x' } })).toEqual([''])
    expect(accessTokenValues({ access_token: 7 })).toEqual([''])
  })
})

describe('queryAccessTokens', () => {
  it('parses the query only when access_token is in it', () => {
    expect(queryAccessTokens(undefined)).toBeUndefined()
    expect(queryAccessTokens('/api')).toBeUndefined()
    expect(queryAccessTokens('/access_token/x')).toBeUndefined()
    expect(queryAccessTokens('/api?x=1')).toBeUndefined()
    expect(queryAccessTokens('/access_token?x=1')).toBeUndefined()
    expect(queryAccessTokens('/api?my_access_token=1')).toBeUndefined()
    expect(queryAccessTokens('/api?access_token=abc&x=1')).toEqual(['abc'])
    expect(queryAccessTokens('?access_token=a&access_token=b')).toEqual(['a', 'b'])
    expect(queryAccessTokens('/api?access_token=')).toEqual([''])
    expect(queryAccessTokens('/api?access_token=a%2Bb')).toEqual(['a+b'])
  })
})

describe('isFormContentType', () => {
  it('is true for application/x-www-form-urlencoded only, parameters and case aside', () => {
    expect(isFormContentType('application/x-www-form-urlencoded')).toBe(true)
    expect(isFormContentType('Application/X-WWW-Form-URLEncoded; charset=utf-8')).toBe(true)
    expect(isFormContentType(' application/x-www-form-urlencoded ;charset=utf-8')).toBe(true)
    expect(isFormContentType('application/json')).toBe(false)
    expect(isFormContentType('application/x-www-form-urlencoded-not')).toBe(false)
    expect(isFormContentType('text/plain; application/x-www-form-urlencoded')).toBe(false)
    expect(isFormContentType('')).toBe(false)
    expect(isFormContentType(null)).toBe(false)
    expect(isFormContentType(undefined)).toBe(false)
  })
})

describe('resolveMethods', () => {
  it('defaults to the header, keeps a valid list, and refuses anything else with a TypeError', () => {
    expect([...resolveMethods(undefined)]).toEqual(['header'])
    expect([...resolveMethods(['query', 'body', 'header'])]).toEqual(['query', 'body', 'header'])
    expect(() => resolveMethods([])).toThrow(
      new TypeError('bearerMethods must be a non-empty list of "header", "body" and "query"'),
    )
    expect(() => resolveMethods('header' as never)).toThrow(/non-empty list/)
    expect(() => resolveMethods(['header', 'cookie' as never])).toThrow(
      new TypeError('bearerMethods: unknown method "cookie" (use "header", "body" or "query")'),
    )
  })
})

describe('extractToken', () => {
  const all = resolveMethods(['header', 'body', 'query'])
  it('skips an enabled method with no values, and reads the one that has them', () => {
    expect(extractToken({ bodyTokens: [], queryTokens: ['q'] }, all)).toEqual({
      token: 'q',
      method: 'query',
    })
    expect(extractToken({ bodyTokens: ['b'], queryTokens: undefined }, all)).toEqual({
      token: 'b',
      method: 'body',
    })
    expect(extractToken({}, all)).toEqual({ token: undefined })
  })

  it('ignores the methods that are not enabled', () => {
    const header = resolveMethods(['header'])
    expect(extractToken({ bodyTokens: ['b'], queryTokens: ['q'] }, header)).toEqual({
      token: undefined,
    })
  })

  it('names what is wrong', () => {
    expect(extractToken({ authorization: 'Bearer a b' }, all).invalid).toBe(
      'The Authorization header is not a valid Bearer header',
    )
    expect(extractToken({ bodyTokens: ['a', 'b'] }, all).invalid).toBe(
      'The access_token form field must appear once, with a value',
    )
    expect(extractToken({ queryTokens: [''] }, all).invalid).toBe(
      'The access_token query parameter must appear once, with a value',
    )
    expect(extractToken({ authorization: 'Bearer a', queryTokens: ['q'] }, all).invalid).toBe(
      'The request uses more than one method to send the token',
    )
  })
})
