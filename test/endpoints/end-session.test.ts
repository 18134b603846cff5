import { describe, expect, it } from 'vitest'
import { createEndSessionUrl } from '../../src/index.js'

const ENDPOINT = 'https://id.example.com/session/end'

describe('createEndSessionUrl', () => {
  it('returns the URL synchronously with id_token_hint, post_logout_redirect_uri and state', () => {
    const url = createEndSessionUrl({
      endSessionEndpoint: ENDPOINT,
      idTokenHint: 'eyJ.id.token',
      postLogoutRedirectUri: 'https://app.example.com/signed-out',
      state: 'logout-state',
      clientId: 'web-app',
      logoutHint: 'alice',
      uiLocales: ['fr', 'en'],
      parameters: { extra: 'x', skipped: undefined },
    })
    expect(typeof url).toBe('string')
    const parsed = new URL(url)
    expect(parsed.origin + parsed.pathname).toBe(ENDPOINT)
    expect(Object.fromEntries(parsed.searchParams)).toEqual({
      id_token_hint: 'eyJ.id.token',
      post_logout_redirect_uri: 'https://app.example.com/signed-out',
      state: 'logout-state',
      client_id: 'web-app',
      logout_hint: 'alice',
      ui_locales: 'fr en',
      extra: 'x',
    })
  })

  it('sends only the endpoint when nothing else is given, keeping its own query', () => {
    expect(createEndSessionUrl({ endSessionEndpoint: ENDPOINT })).toBe(ENDPOINT)
    const url = new URL(
      createEndSessionUrl({ endSessionEndpoint: `${ENDPOINT}?p=policy`, clientId: 'c' }),
    )
    expect(url.searchParams.get('p')).toBe('policy')
    expect(url.searchParams.get('client_id')).toBe('c')
  })

  it('accepts post_logout_redirect_uri with client_id instead of id_token_hint', () => {
    const url = createEndSessionUrl({
      endSessionEndpoint: ENDPOINT,
      clientId: 'web-app',
      postLogoutRedirectUri: 'https://app.example.com/out',
    })
    expect(new URL(url).searchParams.get('client_id')).toBe('web-app')
  })

  it.each([
    ['no endpoint', {}],
    ['a relative endpoint', { endSessionEndpoint: '/logout' }],
    [
      'a redirect without id_token_hint or client_id',
      { endSessionEndpoint: ENDPOINT, postLogoutRedirectUri: 'https://a/out' },
    ],
    [
      'a relative post_logout_redirect_uri',
      { endSessionEndpoint: ENDPOINT, clientId: 'c', postLogoutRedirectUri: '/out' },
    ],
    ['state in parameters', { endSessionEndpoint: ENDPOINT, parameters: { state: 's' } }],
  ])('throws a TypeError for %s', (_, init) => {
    expect(() => createEndSessionUrl(init as never)).toThrow(TypeError)
  })
})
