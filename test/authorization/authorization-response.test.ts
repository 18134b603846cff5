import { describe, expect, it } from 'vitest'
import { parseAuthorizationResponse } from '../../src/index.js'

const ISSUER = 'https://id.example.com'
const expectedState = 'state-1'

describe('parseAuthorizationResponse', () => {
  it('reads code, state and iss from the callback URL query', () => {
    const result = parseAuthorizationResponse(
      `https://app.example.com/callback?code=c-1&state=${expectedState}&iss=${encodeURIComponent(ISSUER)}`,
      { expectedState, expectedIssuer: ISSUER },
    )
    expect(result).toEqual({
      isSuccessful: true,
      code: 'c-1',
      state: expectedState,
      iss: ISSUER,
      params: { code: 'c-1', state: expectedState, iss: ISSUER },
    })
  })

  it('reads a path with a query (Express req.originalUrl) and a URL object', () => {
    const fromPath = parseAuthorizationResponse(`/callback?code=c-2&state=${expectedState}`, {
      expectedState,
    })
    expect(fromPath).toMatchObject({ isSuccessful: true, code: 'c-2' })
    const fromUrl = parseAuthorizationResponse(
      new URL(`https://app.example.com/cb?code=c-3&state=${expectedState}`),
      { expectedState },
    )
    expect(fromUrl).toMatchObject({ isSuccessful: true, code: 'c-3' })
  })

  it('reads the fragment when the query is empty, or when told to', () => {
    const auto = parseAuthorizationResponse(
      `https://app.example.com/cb#code=c-4&state=${expectedState}`,
      { expectedState },
    )
    expect(auto).toMatchObject({ isSuccessful: true, code: 'c-4' })
    const told = parseAuthorizationResponse(
      `https://app.example.com/cb?code=from-query&state=${expectedState}#code=c-5&state=${expectedState}`,
      { expectedState, responseMode: 'fragment' },
    )
    expect(told).toMatchObject({ isSuccessful: true, code: 'c-5' })
    const query = parseAuthorizationResponse(
      `https://app.example.com/cb?code=c-6&state=${expectedState}#code=other`,
      { expectedState, responseMode: 'query' },
    )
    expect(query).toMatchObject({ isSuccessful: true, code: 'c-6' })
  })

  it('reads a form_post body as URLSearchParams, as a record, or as a query string', () => {
    const params = new URLSearchParams({ code: 'c-7', state: expectedState })
    expect(parseAuthorizationResponse(params, { expectedState })).toMatchObject({ code: 'c-7' })
    expect(
      parseAuthorizationResponse({ code: 'c-8', state: expectedState }, { expectedState }),
    ).toMatchObject({ code: 'c-8' })
    expect(
      parseAuthorizationResponse(`code=c-9&state=${expectedState}`, { expectedState }),
    ).toMatchObject({ code: 'c-9' })
  })

  it.each([
    ['a URL query', `https://app.example.com/cb?code=a&code=b&state=${expectedState}`],
    [
      'URLSearchParams',
      new URLSearchParams(`code=a&state=${expectedState}&state=${expectedState}`),
    ],
    ['a form body record', { code: ['a', 'b'], state: expectedState }],
  ])('refuses a repeated parameter in %s (invalid_response)', (_, input) => {
    const result = parseAuthorizationResponse(input, { expectedState })
    expect(result).toMatchObject({ isSuccessful: false, errorType: 'invalid_response' })
    expect(result.error).toMatch(/repeats/)
  })

  it('accepts a one-element array in a form body (parsers that always make arrays)', () => {
    const result = parseAuthorizationResponse(
      { code: ['c'], state: [expectedState] },
      { expectedState },
    )
    expect(result).toMatchObject({ isSuccessful: true, code: 'c' })
  })

  it('refuses a state mismatch and a missing state (policy), without echoing values', () => {
    const mismatch = parseAuthorizationResponse('?code=secret-code&state=evil', { expectedState })
    expect(mismatch).toMatchObject({ isSuccessful: false, errorType: 'policy' })
    expect(mismatch.error).not.toContain('secret-code')
    expect(mismatch.error).not.toContain(expectedState)
    const missing = parseAuthorizationResponse('?code=c', { expectedState })
    expect(missing).toMatchObject({ isSuccessful: false, errorType: 'policy' })
  })

  it('refuses an iss mismatch (RFC 9207 mix-up defence) as policy', () => {
    const result = parseAuthorizationResponse(
      `?code=c&state=${expectedState}&iss=${encodeURIComponent('https://evil.example.com')}`,
      { expectedState, expectedIssuer: ISSUER },
    )
    expect(result).toMatchObject({ isSuccessful: false, errorType: 'policy' })
    expect(result.error).toContain('https://evil.example.com')
  })

  it('refuses a missing iss when the provider advertises it, via discovery or requireIssuer', () => {
    const viaDiscovery = parseAuthorizationResponse(`?code=c&state=${expectedState}`, {
      expectedState,
      discovery: { issuer: ISSUER, authorizationResponseIssParameterSupported: true },
    })
    expect(viaDiscovery).toMatchObject({ isSuccessful: false, errorType: 'policy' })
    const explicit = parseAuthorizationResponse(`?code=c&state=${expectedState}`, {
      expectedState,
      expectedIssuer: ISSUER,
      requireIssuer: true,
    })
    expect(explicit).toMatchObject({ isSuccessful: false, errorType: 'policy' })
  })

  it('accepts a missing iss when the provider does not advertise it', () => {
    const result = parseAuthorizationResponse(`?code=c&state=${expectedState}`, {
      expectedState,
      discovery: { issuer: ISSUER },
    })
    expect(result).toMatchObject({ isSuccessful: true, code: 'c' })
    expect('iss' in result).toBe(false)
  })

  it('checks iss from discovery when present', () => {
    const good = parseAuthorizationResponse(
      `?code=c&state=${expectedState}&iss=${encodeURIComponent(ISSUER)}`,
      {
        expectedState,
        discovery: { issuer: ISSUER, authorizationResponseIssParameterSupported: true },
      },
    )
    expect(good).toMatchObject({ isSuccessful: true, iss: ISSUER })
    const bad = parseAuthorizationResponse(`?code=c&state=${expectedState}&iss=x`, {
      expectedState,
      discovery: { issuer: ISSUER },
    })
    expect(bad).toMatchObject({ isSuccessful: false, errorType: 'policy' })
  })

  it('turns an OAuth error response into a protocol failure', () => {
    const result = parseAuthorizationResponse(
      `?error=access_denied&error_description=${encodeURIComponent('the user said no')}&error_uri=${encodeURIComponent('https://id.example.com/e')}&state=${expectedState}`,
      { expectedState },
    )
    expect(result).toEqual({
      isSuccessful: false,
      errorType: 'protocol',
      error: 'access_denied',
      errorDescription: 'the user said no',
      errorUri: 'https://id.example.com/e',
    })
  })

  it('refuses a forged error response (wrong state) as policy before reading the error', () => {
    const result = parseAuthorizationResponse('?error=access_denied&state=forged', {
      expectedState,
    })
    expect(result).toMatchObject({ isSuccessful: false, errorType: 'policy' })
  })

  it('refuses a response with neither code nor error, and an empty code', () => {
    expect(parseAuthorizationResponse(`?state=${expectedState}`, { expectedState })).toMatchObject({
      isSuccessful: false,
      errorType: 'invalid_response',
    })
    expect(
      parseAuthorizationResponse(`?code=&state=${expectedState}`, { expectedState }),
    ).toMatchObject({ isSuccessful: false, errorType: 'invalid_response' })
  })

  it('keeps a "__proto__" parameter as data', () => {
    const result = parseAuthorizationResponse(`?code=c&state=${expectedState}&__proto__=x`, {
      expectedState,
    })
    expect(result.isSuccessful).toBe(true)
    if (result.isSuccessful) {
      expect(Object.getPrototypeOf(result.params)).toBe(Object.prototype)
      expect(Object.hasOwn(result.params, '__proto__')).toBe(true)
    }
  })

  it.each([
    ['no options', undefined],
    ['no expectedState', {}],
    ['an empty expectedState', { expectedState: '' }],
    ['requireIssuer without an issuer', { expectedState, requireIssuer: true }],
  ])('throws a TypeError for %s', (_, options) => {
    expect(() => parseAuthorizationResponse('?code=c', options as never)).toThrow(TypeError)
  })

  it('throws a TypeError for input of the wrong shape', () => {
    expect(() => parseAuthorizationResponse(42 as never, { expectedState })).toThrow(TypeError)
    expect(() => parseAuthorizationResponse(null as never, { expectedState })).toThrow(TypeError)
  })

  it('refuses, without throwing, a form body whose fields a parser turned into objects', () => {
    // Express with extended body parsing turns `code[a]=b` into { code: { a: 'b' } }.
    for (const body of [
      { code: { a: 'b' }, state: expectedState },
      { code: ['c', { a: 'b' }], state: expectedState },
    ]) {
      const result = parseAuthorizationResponse(body as never, { expectedState })
      expect(result).toMatchObject({ isSuccessful: false, errorType: 'invalid_response' })
      expect(result.error).toContain('"code"')
    }
  })
})
