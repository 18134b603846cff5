/**
 * The FAPI 2.0 Security Profile: `profile: 'fapi2'` end to end against oidc-provider's FAPI 2.0
 * profile over TLS (a DPoP client with `private_key_jwt` and a signed request object; an mTLS
 * client with certificate-bound tokens), the library refusing non-conforming configurations
 * before anything is sent, and the `validateFapi*` helpers.
 */
import { decodeJwt, decodeProtectedHeader } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  ConfigurationError,
  createAuthorizationRequest,
  createDpop,
  introspectToken,
  parseAuthorizationResponse,
  pushAuthorizationRequest,
  requestAuthorizationCodeToken,
  requestClientCredentialsToken,
  validateFapiAuthorizationRequest,
  validateFapiClientConfig,
  validateFapiDiscovery,
  validateIdToken,
} from '../../src/index.js'
import { FAPI_REDIRECT_URI, fapiClients } from '../../testbed/fapi.js'
import { clientKeys } from '../../testbed/keys.js'
import { type FapiStack, loginThrough, startFapiStack } from './support.js'

let stack: FapiStack

beforeAll(async () => {
  stack = await startFapiStack()
})

afterAll(async () => {
  await stack?.op.stop()
})

/** A fetch that counts its calls, to show a refused request never reached the network. */
function countingFetch(): { fetch: typeof fetch; calls: () => number } {
  let calls = 0
  return {
    fetch: ((input: string | URL | Request, init?: RequestInit) => {
      calls++
      return stack.caFetch(input, init)
    }) as typeof fetch,
    calls: () => calls,
  }
}

function fapiPar() {
  return {
    address: stack.disco.pushedAuthorizationRequestEndpoint,
    authorizationEndpoint: stack.disco.authorizationEndpoint!,
    redirectUri: FAPI_REDIRECT_URI,
    scope: 'openid',
    profile: 'fapi2' as const,
  }
}

describe("profile: 'fapi2' end to end with the provider's FAPI 2.0 profile", () => {
  it('DPoP client: PAR with a signed request object, iss checked, DPoP tokens, PS256 ID token', async () => {
    const dpop = await createDpop()
    const credentials = {
      ...fapiClients.fapiDpop,
      privateKey: stack.op.clientKey,
      clientAssertionAudience: stack.disco.issuer,
    }
    const par = await pushAuthorizationRequest({
      ...fapiPar(),
      ...credentials,
      dpop,
      requestObject: { key: stack.op.clientKey, audience: stack.disco.issuer },
      fetch: stack.caFetch,
    })
    expect(par.isSuccessful, par.error).toBe(true)
    if (!par.isSuccessful) return
    const callback = await loginThrough(stack, par.url)
    const response = parseAuthorizationResponse(callback, {
      expectedState: par.state,
      expectedIssuer: stack.disco.issuer,
      profile: 'fapi2',
    })
    expect(response.isSuccessful, response.error).toBe(true)
    if (!response.isSuccessful) return
    const tokens = await requestAuthorizationCodeToken({
      address: stack.disco.tokenEndpoint,
      ...credentials,
      code: response.code,
      redirectUri: FAPI_REDIRECT_URI,
      codeVerifier: par.codeVerifier,
      dpop,
      profile: 'fapi2',
      fetch: stack.caFetch,
    })
    expect(tokens.isSuccessful, tokens.error).toBe(true)
    if (!tokens.isSuccessful) return
    expect(tokens.token.token_type).toBe('DPoP')
    const idToken = tokens.token.id_token!
    expect(decodeProtectedHeader(idToken).alg).toBe('PS256')
    const claims = await validateIdToken(
      idToken,
      {
        performDisco: true,
        clientId: fapiClients.fapiDpop.clientId,
        nonce: par.nonce,
        profile: 'fapi2',
        fetch: stack.caFetch,
        cache: stack.cache,
      },
      stack.op.issuer,
    )
    expect(claims.sub).toBe('alice')
  })

  it('mTLS client: PAR and code exchange at the mTLS aliases; tokens bound to the certificate', async () => {
    const credentials = {
      ...fapiClients.fapiMtls,
      clientAuthentication: 'tls_client_auth' as const,
      tls: stack.tls,
    }
    const par = await pushAuthorizationRequest({
      ...fapiPar(),
      ...credentials,
      address: stack.mtls.par,
    })
    expect(par.isSuccessful, par.error).toBe(true)
    if (!par.isSuccessful) return
    const callback = await loginThrough(stack, par.url)
    const response = parseAuthorizationResponse(callback, {
      expectedState: par.state,
      discovery: stack.disco,
      profile: 'fapi2',
    })
    if (!response.isSuccessful) throw new Error(response.error)
    const tokens = await requestAuthorizationCodeToken({
      address: stack.mtls.token,
      ...credentials,
      code: response.code,
      redirectUri: FAPI_REDIRECT_URI,
      codeVerifier: par.codeVerifier,
      profile: 'fapi2',
    })
    expect(tokens.isSuccessful, tokens.error).toBe(true)
    if (!tokens.isSuccessful) return
    expect(decodeProtectedHeader(tokens.token.id_token!).alg).toBe('ES256')
    // The access token is bound to the certificate: introspection (over mTLS too) says so.
    const introspection = await introspectToken({
      address: stack.disco.mtlsEndpointAliases!.introspection_endpoint!,
      ...credentials,
      token: tokens.token.access_token,
    })
    expect(introspection.isSuccessful, introspection.error).toBe(true)
    if (!introspection.isSuccessful) return
    expect(introspection.active).toBe(true)
    expect(introspection.claims.cnf).toEqual({
      'x5t#S256': stack.op.certificates.mtlsClient.thumbprint,
    })
  })

  it('the provider itself refuses the FAPI client without PAR', async () => {
    const request = createAuthorizationRequest({
      authorizationEndpoint: stack.disco.authorizationEndpoint!,
      clientId: fapiClients.fapiDpop.clientId,
      redirectUri: FAPI_REDIRECT_URI,
    })
    const response = await stack.caFetch(request.url, { redirect: 'manual' })
    const location = response.headers.get('location')
    const error =
      location === null
        ? (await response.text()).includes('invalid_request')
          ? 'invalid_request'
          : undefined
        : new URL(location, stack.op.issuer).searchParams.get('error')
    expect(error).toBe('invalid_request')
  })
})

describe("profile: 'fapi2' refuses non-conforming configurations, with the reason, before sending", () => {
  it('client_secret_basic: not allowed (no shared secrets)', async () => {
    const counter = countingFetch()
    const attempt = pushAuthorizationRequest({
      ...fapiPar(),
      ...fapiClients.secretBasic,
      dpop: await createDpop(),
      fetch: counter.fetch,
    })
    await expect(attempt).rejects.toThrow(ConfigurationError)
    await expect(attempt).rejects.toThrow(/client_secret_basic.*not allowed by FAPI 2.0/)
    expect(counter.calls()).toBe(0)
  })

  it('no DPoP and no client certificate: tokens would not be sender-constrained', async () => {
    const counter = countingFetch()
    await expect(
      pushAuthorizationRequest({
        ...fapiPar(),
        ...fapiClients.fapiDpop,
        privateKey: stack.op.clientKey,
        fetch: counter.fetch,
      }),
    ).rejects.toThrow(/sender-constrained/)
    await expect(
      requestAuthorizationCodeToken({
        address: stack.disco.tokenEndpoint,
        ...fapiClients.fapiDpop,
        privateKey: stack.op.clientKey,
        code: 'x',
        redirectUri: FAPI_REDIRECT_URI,
        profile: 'fapi2',
        fetch: counter.fetch,
      }),
    ).rejects.toThrow(/sender-constrained/)
    expect(counter.calls()).toBe(0)
  })

  it('a public client, an http redirect URI and an RS256 request object: each named', async () => {
    const attempt = pushAuthorizationRequest({
      ...fapiPar(),
      ...fapiClients.publicApp,
      redirectUri: 'http://127.0.0.1:9/callback',
      dpop: await createDpop(),
      requestObject: { key: stack.op.clientKey, alg: 'RS256', audience: stack.disco.issuer },
    })
    await expect(attempt).rejects.toThrow(/public client/)
    await expect(attempt).rejects.toThrow(/RS256 is not allowed/)
    await expect(
      pushAuthorizationRequest({
        ...fapiPar(),
        ...fapiClients.fapiDpop,
        privateKey: stack.op.clientKey,
        clientAssertionAudience: stack.disco.issuer,
        redirectUri: 'http://127.0.0.1:9/callback',
        dpop: await createDpop(),
      }),
    ).rejects.toThrow(/redirect_uri must be an https URL/)
  })

  it('private_key_jwt with a key that would sign RS256', async () => {
    const rsaKey = clientKeys['jwt-client'].find((key) => key.alg === 'RS256')!
    await expect(
      requestAuthorizationCodeToken({
        address: stack.disco.tokenEndpoint,
        ...fapiClients.fapiDpop,
        privateKey: rsaKey,
        clientAssertionAudience: stack.disco.issuer,
        code: 'x',
        redirectUri: FAPI_REDIRECT_URI,
        dpop: await createDpop(),
        profile: 'fapi2',
      }),
    ).rejects.toThrow(/algorithm RS256 is not allowed/)
  })

  it('private_key_jwt without the issuer as the assertion audience', async () => {
    await expect(
      pushAuthorizationRequest({
        ...fapiPar(),
        ...fapiClients.fapiDpop,
        privateKey: stack.op.clientKey,
        dpop: await createDpop(),
      }),
    ).rejects.toThrow(/clientAssertionAudience/)
  })

  it('the front-channel request without PAR, and a client_secret token request', async () => {
    expect(() =>
      createAuthorizationRequest({
        authorizationEndpoint: stack.disco.authorizationEndpoint!,
        clientId: 'x',
        redirectUri: FAPI_REDIRECT_URI,
        profile: 'fapi2',
      }),
    ).toThrow(/requires pushed authorization requests/)
    await expect(
      requestClientCredentialsToken({
        address: stack.disco.tokenEndpoint,
        ...fapiClients.secretPost,
        profile: 'fapi2',
        dpop: await createDpop(),
      }),
    ).rejects.toThrow(ConfigurationError)
  })

  it('an authorization response without iss is refused (policy)', () => {
    const result = parseAuthorizationResponse(`${FAPI_REDIRECT_URI}?code=abc&state=s`, {
      expectedState: 's',
      expectedIssuer: stack.disco.issuer,
      profile: 'fapi2',
    })
    expect(result).toMatchObject({ isSuccessful: false, errorType: 'policy' })
  })

  it('an RS256 ID token is refused under the profile', async () => {
    const par = await pushAuthorizationRequest({
      address: stack.disco.pushedAuthorizationRequestEndpoint,
      authorizationEndpoint: stack.disco.authorizationEndpoint!,
      ...fapiClients.secretBasic,
      redirectUri: FAPI_REDIRECT_URI,
      scope: 'openid',
      fetch: stack.caFetch,
    })
    if (!par.isSuccessful) throw new Error(par.error)
    const callback = await loginThrough(stack, par.url)
    const response = parseAuthorizationResponse(callback, {
      expectedState: par.state,
      discovery: stack.disco,
    })
    if (!response.isSuccessful) throw new Error(response.error)
    const tokens = await requestAuthorizationCodeToken({
      address: stack.disco.tokenEndpoint,
      ...fapiClients.secretBasic,
      code: response.code,
      redirectUri: FAPI_REDIRECT_URI,
      codeVerifier: par.codeVerifier,
      fetch: stack.caFetch,
    })
    if (!tokens.isSuccessful) throw new Error(tokens.error)
    const idToken = tokens.token.id_token!
    expect(decodeJwt(idToken).sub).toBe('alice')
    const config = {
      performDisco: true,
      clientId: fapiClients.secretBasic.clientId,
      nonce: par.nonce,
      fetch: stack.caFetch,
      cache: stack.cache,
    }
    await expect(validateIdToken(idToken, config, stack.op.issuer)).resolves.toBeDefined()
    await expect(
      validateIdToken(idToken, { ...config, profile: 'fapi2' }, stack.op.issuer),
    ).rejects.toMatchObject({ code: 'unsupported_alg' })
  })
})

describe('validateFapiDiscovery, validateFapiClientConfig, validateFapiAuthorizationRequest', () => {
  it("the testbed provider's discovery document is FAPI 2.0 capable", () => {
    expect(validateFapiDiscovery(stack.disco)).toEqual({ isCompliant: true, violations: [] })
  })

  it('a provider without PAR, iss, sender constraints or FAPI algorithms: every gap named', () => {
    const check = validateFapiDiscovery({
      isSuccessful: true,
      tokenEndpointAuthMethodsSupported: ['client_secret_basic'],
      idTokenSigningAlgValuesSupported: ['RS256'],
      codeChallengeMethodsSupported: ['plain'],
      responseTypesSupported: ['code'],
    })
    expect(check.isCompliant).toBe(false)
    expect(check.violations).toHaveLength(6)
    expect(check.violations.join('\n')).toMatch(/pushed_authorization_request_endpoint/)
    expect(validateFapiDiscovery({ isSuccessful: false }).violations).toEqual([
      'the discovery document could not be fetched',
    ])
  })

  it('client configurations', () => {
    expect(
      validateFapiClientConfig({ authMethod: 'private_key_jwt', useDpop: true }).isCompliant,
    ).toBe(true)
    expect(
      validateFapiClientConfig({ authMethod: 'tls_client_auth', useMtls: true }).isCompliant,
    ).toBe(true)
    const bad = validateFapiClientConfig({ authMethod: 'client_secret_post', algorithm: 'RS256' })
    expect(bad.violations).toHaveLength(3)
    expect(validateFapiClientConfig({}).violations[0]).toMatch(/public client/)
  })

  it('authorization requests', () => {
    const good = {
      responseType: 'code',
      codeChallenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      codeChallengeMethod: 'S256',
      redirectUri: 'https://app.example.com/cb',
      usePar: true,
      algorithm: 'PS256',
    }
    expect(validateFapiAuthorizationRequest(good).isCompliant).toBe(true)
    const bad = validateFapiAuthorizationRequest({
      ...good,
      responseType: 'code id_token',
      codeChallenge: '',
      codeChallengeMethod: 'plain',
      redirectUri: 'http://app.example.com/cb',
      usePar: false,
      algorithm: 'HS256',
    })
    expect(bad.violations).toHaveLength(6)
  })
})
