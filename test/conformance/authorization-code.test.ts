/**
 * Conformance: authorization-code.json. ACG-001..005 run against an injected fetch; ACG-006
 * (the PKCE round trip) against the live testbed provider, with the user's login and consent
 * done over HTTP.
 */
import { expect } from 'vitest'
import {
  AuthorizationCodeTokenRequest,
  createAuthorizationRequest,
  createCodeChallenge,
  createCodeVerifier,
  parseAuthorizationResponse,
  requestAuthorizationCodeToken,
} from '../../src/index.js'
import { clients, startProvider } from '../../testbed/provider.js'
import { fakeFetch, json } from '../support/fake-fetch.js'
import { REDIRECT_URI } from '../support/sign-in.js'
import { UserAgent } from '../support/user-agent.js'
import { conformanceSuite, fixtureJson } from './spec.js'

const TOKEN = 'https://provider.example.com/token'
const issued = {
  access_token: 'at-1',
  token_type: 'Bearer',
  expires_in: 3600,
  refresh_token: 'rt-1',
  id_token: 'eyJ.id.token',
  scope: 'openid profile',
}

function endpoint(response: () => Response = () => json(issued)) {
  const fake = fakeFetch({ [TOKEN]: response })
  const body = async (index = 0) => new URLSearchParams(await fake.calls[index]!.clone().text())
  return { fake, body }
}

conformanceSuite('authorization-code', {
  'ACG-001': async () => {
    const { fake, body } = endpoint()
    const response = await requestAuthorizationCodeToken(
      new AuthorizationCodeTokenRequest({
        address: TOKEN,
        clientId: 'web-app',
        clientSecret: 's',
        code: 'code-1',
        redirectUri: 'https://app.example.com/callback',
        fetch: fake.fetch,
      }),
    )
    expect(fake.calls[0]?.method).toBe('POST')
    expect(fake.calls[0]?.headers.get('content-type')).toBe('application/x-www-form-urlencoded')
    const form = await body()
    expect(form.get('grant_type')).toBe('authorization_code')
    expect(form.get('code')).toBe('code-1')
    expect(form.get('redirect_uri')).toBe('https://app.example.com/callback')
    if (!response.isSuccessful) throw new Error(response.error)
    expect(response.token).toEqual(issued)
    expect(response.token.expires_in).toBe(3600)
  },
  'ACG-002': () => {
    const verifiers = Array.from({ length: 200 }, () => createCodeVerifier())
    for (const verifier of verifiers) {
      expect(verifier.length).toBeGreaterThanOrEqual(43)
      expect(verifier.length).toBeLessThanOrEqual(128)
      expect(verifier).toMatch(/^[A-Za-z0-9\-._~]+$/)
    }
    expect(new Set(verifiers).size).toBe(verifiers.length)
  },
  'ACG-003': (testCase) => {
    const vector = fixtureJson<{ code_verifier: string; code_challenge: string }>(testCase.fixture!)
    expect(createCodeChallenge(vector.code_verifier)).toBe(vector.code_challenge)
    expect(vector.code_challenge).toBe('E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM')
  },
  'ACG-004': async () => {
    const { fake, body } = endpoint()
    const codeVerifier = createCodeVerifier()
    await requestAuthorizationCodeToken({
      address: TOKEN,
      clientId: 'public-app',
      code: 'code-1',
      redirectUri: 'http://127.0.0.1/callback',
      codeVerifier,
      fetch: fake.fetch,
    })
    expect((await body()).get('code_verifier')).toBe(codeVerifier)
  },
  'ACG-005': async () => {
    const { fake } = endpoint(() =>
      json(
        {
          error: 'invalid_grant',
          error_description: 'the code has expired',
          error_uri: 'https://provider.example.com/errors/invalid_grant',
        },
        { status: 400 },
      ),
    )
    const response = await requestAuthorizationCodeToken({
      address: TOKEN,
      clientId: 'web-app',
      clientSecret: 's',
      code: 'stale',
      redirectUri: 'https://app.example.com/callback',
      fetch: fake.fetch,
    })
    expect(response).toMatchObject({
      isSuccessful: false,
      errorType: 'protocol',
      error: 'invalid_grant',
      errorDescription: 'the code has expired',
      errorUri: 'https://provider.example.com/errors/invalid_grant',
      httpStatus: 400,
    })
  },
  'ACG-006': async () => {
    const op = await startProvider({ redirectUris: [REDIRECT_URI] })
    try {
      const request = createAuthorizationRequest({
        authorizationEndpoint: `${op.issuer}/auth`,
        clientId: clients.publicApp.clientId,
        redirectUri: REDIRECT_URI,
      })
      expect(new URL(request.url).searchParams.get('code_challenge')).toBe(
        createCodeChallenge(request.codeVerifier),
      )
      const outcome = await new UserAgent().run(request.url, {
        leaves: (url) => url.startsWith(REDIRECT_URI),
      })
      const callback = parseAuthorizationResponse(outcome.redirect!, {
        expectedState: request.state,
        expectedIssuer: op.issuer,
        requireIssuer: true,
      })
      if (!callback.isSuccessful) throw new Error(callback.error)
      const exchange = {
        address: `${op.issuer}/token`,
        clientId: clients.publicApp.clientId,
        code: callback.code,
        redirectUri: REDIRECT_URI,
      }
      // The provider checks the verifier against the challenge: a wrong one is refused ...
      const wrong = await requestAuthorizationCodeToken({
        ...exchange,
        codeVerifier: createCodeVerifier(),
      })
      expect(wrong).toMatchObject({ isSuccessful: false, error: 'invalid_grant' })
      // ... and the right one accepted.
      const tokens = await requestAuthorizationCodeToken({
        ...exchange,
        codeVerifier: request.codeVerifier,
      })
      if (!tokens.isSuccessful) throw new Error(tokens.error)
      expect(tokens.token.token_type).toBe('Bearer')
      expect(tokens.token.id_token?.split('.')).toHaveLength(3)
    } finally {
      await op.stop()
    }
  },
})
