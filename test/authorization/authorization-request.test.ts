import { describe, expect, it } from 'vitest'
import { createAuthorizationRequest, createCodeChallenge } from '../../src/index.js'

const base = {
  authorizationEndpoint: 'https://id.example.com/authorize',
  clientId: 'web-app',
  redirectUri: 'https://app.example.com/callback',
}

function query(url: string): URLSearchParams {
  return new URL(url).searchParams
}

describe('createAuthorizationRequest', () => {
  it('builds a code request with S256 PKCE, a fresh state and nonce, scope openid by default', () => {
    const request = createAuthorizationRequest(base)
    const params = query(request.url)
    expect(request.url.startsWith('https://id.example.com/authorize?')).toBe(true)
    expect(Object.fromEntries(params)).toEqual({
      response_type: 'code',
      client_id: 'web-app',
      redirect_uri: 'https://app.example.com/callback',
      scope: 'openid',
      state: request.state,
      nonce: request.nonce,
      code_challenge: createCodeChallenge(request.codeVerifier),
      code_challenge_method: 'S256',
    })
    expect(request.codeChallenge).toBe(params.get('code_challenge'))
    for (const value of [request.state, request.nonce, request.codeVerifier]) {
      expect(value).toMatch(/^[A-Za-z0-9_-]{43}$/)
    }
    expect(new Set([request.state, request.nonce, request.codeVerifier]).size).toBe(3)
  })

  it('never reuses state, nonce or verifier between requests', () => {
    const a = createAuthorizationRequest(base)
    const b = createAuthorizationRequest(base)
    expect(a.state).not.toBe(b.state)
    expect(a.nonce).not.toBe(b.nonce)
    expect(a.codeVerifier).not.toBe(b.codeVerifier)
  })

  it('sends prompt, max_age, resource, login_hint and the other named options', () => {
    const request = createAuthorizationRequest({
      ...base,
      scope: ['openid', 'profile', 'offline_access'],
      prompt: ['login', 'consent'],
      maxAge: 300,
      resource: ['https://api.example.com', 'https://other.example.com'],
      loginHint: 'alice@example.com',
      idTokenHint: 'eyJ.hint',
      acrValues: 'urn:mace:incommon:iap:silver',
      uiLocales: ['fr-CA', 'en'],
      display: 'page',
      responseMode: 'form_post',
      claims: { id_token: { auth_time: { essential: true } } },
    })
    const params = query(request.url)
    expect(params.get('scope')).toBe('openid profile offline_access')
    expect(params.get('prompt')).toBe('login consent')
    expect(params.get('max_age')).toBe('300')
    expect(params.getAll('resource')).toEqual([
      'https://api.example.com',
      'https://other.example.com',
    ])
    expect(params.get('login_hint')).toBe('alice@example.com')
    expect(params.get('id_token_hint')).toBe('eyJ.hint')
    expect(params.get('acr_values')).toBe('urn:mace:incommon:iap:silver')
    expect(params.get('ui_locales')).toBe('fr-CA en')
    expect(params.get('display')).toBe('page')
    expect(params.get('response_mode')).toBe('form_post')
    expect(JSON.parse(params.get('claims')!)).toEqual({
      id_token: { auth_time: { essential: true } },
    })
  })

  it('adds any extra parameters, repeating arrays and leaving out undefined', () => {
    const request = createAuthorizationRequest({
      ...base,
      parameters: { audience: 'my-api', tenant: ['a', 'b'], skipped: undefined, n: 3 },
    })
    const params = query(request.url)
    expect(params.get('audience')).toBe('my-api')
    expect(params.getAll('tenant')).toEqual(['a', 'b'])
    expect(params.has('skipped')).toBe(false)
    expect(params.get('n')).toBe('3')
  })

  it('keeps the query the endpoint already has (Azure B2C policies)', () => {
    const request = createAuthorizationRequest({
      ...base,
      authorizationEndpoint: 'https://b2c.example.com/authorize?p=b2c_1_signin',
    })
    expect(query(request.url).get('p')).toBe('b2c_1_signin')
    expect(query(request.url).get('client_id')).toBe('web-app')
  })

  it('uses the caller’s state, nonce and verifier when given', () => {
    const codeVerifier = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk'
    const request = createAuthorizationRequest({
      ...base,
      state: 's-1',
      nonce: 'n-1',
      codeVerifier,
    })
    const params = query(request.url)
    expect(params.get('state')).toBe('s-1')
    expect(params.get('nonce')).toBe('n-1')
    expect(params.get('code_challenge')).toBe('E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM')
    expect(request).toMatchObject({ state: 's-1', nonce: 'n-1', codeVerifier })
  })

  it.each([
    ['no endpoint', { ...base, authorizationEndpoint: undefined }],
    ['a relative endpoint', { ...base, authorizationEndpoint: '/authorize' }],
    ['no client id', { ...base, clientId: '' }],
    ['no redirect URI', { ...base, redirectUri: undefined }],
    ['a relative redirect URI', { ...base, redirectUri: '/callback' }],
    ['a negative maxAge', { ...base, maxAge: -1 }],
    ['a fractional maxAge', { ...base, maxAge: 1.5 }],
    ['a bad code verifier', { ...base, codeVerifier: 'short' }],
    ['an empty state', { ...base, state: '' }],
    ['state in parameters', { ...base, parameters: { state: 'x' } }],
    [
      'code_challenge_method in parameters',
      { ...base, parameters: { code_challenge_method: 'plain' } },
    ],
    ['prompt in parameters', { ...base, parameters: { prompt: 'none' } }],
  ])('throws a TypeError for %s', (_, init) => {
    expect(() => createAuthorizationRequest(init as never)).toThrow(TypeError)
  })

  it('accepts a custom-scheme redirect URI of a native app', () => {
    const request = createAuthorizationRequest({
      ...base,
      redirectUri: 'com.example.app:/callback',
    })
    expect(query(request.url).get('redirect_uri')).toBe('com.example.app:/callback')
  })
})
