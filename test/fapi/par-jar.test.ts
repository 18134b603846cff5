/**
 * Pushed authorization requests (RFC 9126) and signed request objects (RFC 9101) against the
 * real oidc-provider over TLS: every client authentication method the library has, DPoP-bound
 * codes, request objects by value and through PAR, and the provider refusing an object signed by
 * another key. A sign-in completes each accepted request (the provider's pages, over HTTPS).
 */
import { decodeJwt, decodeProtectedHeader } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  createAuthorizationRequest,
  createDpop,
  createSignedAuthorizationRequest,
  PushedAuthorizationRequest,
  parseAuthorizationResponse,
  pushAuthorizationRequest,
  requestAuthorizationCodeToken,
} from '../../src/index.js'
import { FAPI_REDIRECT_URI, fapiClients, otherKeyJwk } from '../../testbed/fapi.js'
import { type FapiStack, loginThrough, startFapiStack } from './support.js'

let stack: FapiStack

beforeAll(async () => {
  stack = await startFapiStack()
})

afterAll(async () => {
  await stack?.op.stop()
})

function base() {
  return {
    address: stack.disco.pushedAuthorizationRequestEndpoint,
    authorizationEndpoint: stack.disco.authorizationEndpoint!,
    redirectUri: FAPI_REDIRECT_URI,
    scope: 'openid profile',
    fetch: stack.caFetch,
  }
}

describe('pushAuthorizationRequest with every client authentication method', () => {
  const methods = () =>
    [
      ['client_secret_basic', { ...fapiClients.secretBasic }],
      [
        'client_secret_post',
        { ...fapiClients.secretPost, clientAuthentication: 'client_secret_post' },
      ],
      [
        'client_secret_jwt',
        { ...fapiClients.secretJwt, clientAuthentication: 'client_secret_jwt' },
      ],
      ['private_key_jwt', { ...fapiClients.privateKeyJwt, privateKey: stack.op.clientKey }],
      ['none', { ...fapiClients.publicApp }],
    ] as const

  it.each([0, 1, 2, 3, 4])(
    'method #%i: pushed, then the browser URL starts a sign-in',
    async (index) => {
      const [method, credentials] = methods()[index]!
      const par = await pushAuthorizationRequest({ ...base(), ...credentials })
      expect(par.isSuccessful, `${method}: ${par.error}`).toBe(true)
      if (!par.isSuccessful) return
      const url = new URL(par.url)
      // RFC 9126 §4: the front channel carries client_id and request_uri only.
      expect([...url.searchParams.keys()].sort()).toEqual(['client_id', 'request_uri'])
      expect(par.requestUri).toMatch(/^urn:ietf:params:oauth:request_uri:/)
      expect(par.expiresIn).toBeGreaterThan(0)

      const callback = await loginThrough(stack, par.url)
      const response = parseAuthorizationResponse(callback, {
        expectedState: par.state,
        discovery: stack.disco,
      })
      expect(response.isSuccessful).toBe(true)
      if (!response.isSuccessful) return
      const tokens = await requestAuthorizationCodeToken({
        address: stack.disco.tokenEndpoint,
        ...credentials,
        code: response.code,
        redirectUri: FAPI_REDIRECT_URI,
        codeVerifier: par.codeVerifier,
        fetch: stack.caFetch,
      })
      expect(tokens.isSuccessful, `${method}: ${tokens.error}`).toBe(true)
    },
  )

  it('tls_client_auth: the CA-issued certificate authenticates at the mTLS alias', async () => {
    const par = await pushAuthorizationRequest({
      ...base(),
      fetch: undefined,
      address: stack.mtls.par,
      ...fapiClients.tlsClient,
      scope: 'openid',
      clientAuthentication: 'tls_client_auth',
      tls: stack.tls,
    })
    expect(par.isSuccessful, par.error).toBe(true)
  })

  it('self_signed_tls_client_auth: the registered self-signed certificate authenticates', async () => {
    const { selfSigned, ca } = stack.op.certificates
    const par = await pushAuthorizationRequest(
      new PushedAuthorizationRequest({
        ...base(),
        fetch: undefined,
        address: stack.mtls.par,
        ...fapiClients.selfSignedClient,
        clientAuthentication: 'self_signed_tls_client_auth',
        tls: { cert: selfSigned.cert, key: selfSigned.key, ca },
      }),
    )
    expect(par.isSuccessful, par.error).toBe(true)
  })

  it('refuses a client whose certificate is not the registered one (invalid_client)', async () => {
    const { other, ca } = stack.op.certificates
    for (const [client, method] of [
      [fapiClients.tlsClient, 'tls_client_auth'],
      [fapiClients.selfSignedClient, 'self_signed_tls_client_auth'],
    ] as const) {
      const par = await pushAuthorizationRequest({
        ...base(),
        fetch: undefined,
        address: stack.mtls.par,
        ...client,
        clientAuthentication: method,
        tls: { cert: other.cert, key: other.key, ca },
      })
      expect(par).toMatchObject({
        isSuccessful: false,
        errorType: 'protocol',
        error: 'invalid_client',
      })
    }
  })

  it('refuses a wrong secret (invalid_client) and says so without the secret', async () => {
    const par = await pushAuthorizationRequest({
      ...base(),
      clientId: fapiClients.secretBasic.clientId,
      clientSecret: 'not-the-secret',
    })
    expect(par).toMatchObject({
      isSuccessful: false,
      errorType: 'protocol',
      error: 'invalid_client',
    })
    expect(JSON.stringify(par)).not.toContain('not-the-secret')
  })

  it('takes caller mistakes as TypeErrors at once', async () => {
    await expect(
      pushAuthorizationRequest({
        ...base(),
        ...fapiClients.tlsClient,
        clientAuthentication: 'tls_client_auth',
      }),
    ).rejects.toThrow(/tls_client_auth needs tls/)
    await expect(
      pushAuthorizationRequest({
        ...base(),
        ...fapiClients.tlsClient,
        clientAuthentication: 'tls_client_auth',
        tls: stack.tls,
      }),
    ).rejects.toThrow(/either tls .* or a custom fetch/)
    await expect(
      pushAuthorizationRequest({ ...base(), address: undefined, ...fapiClients.publicApp }),
    ).rejects.toThrow(TypeError)
  })
})

describe('DPoP-bound authorization codes (RFC 9449 §10)', () => {
  const credentials = () => ({ ...fapiClients.privateKeyJwt, privateKey: stack.op.clientKey })

  /** Pushes with `dpop`, signs in, and returns the code exchange to make. */
  async function boundCode(dpop: Awaited<ReturnType<typeof createDpop>>) {
    const par = await pushAuthorizationRequest({ ...base(), ...credentials(), dpop })
    if (!par.isSuccessful) throw new Error(`PAR failed: ${par.error}`)
    const callback = await loginThrough(stack, par.url)
    const response = parseAuthorizationResponse(callback, {
      expectedState: par.state,
      discovery: stack.disco,
    })
    if (!response.isSuccessful) throw new Error(response.error)
    return {
      address: stack.disco.tokenEndpoint,
      ...credentials(),
      code: response.code,
      redirectUri: FAPI_REDIRECT_URI,
      codeVerifier: par.codeVerifier,
      fetch: stack.caFetch,
    }
  }

  it('sends dpop_jkt with a proof; the same key redeems the code for DPoP tokens', async () => {
    const dpop = await createDpop()
    const tokens = await requestAuthorizationCodeToken({ ...(await boundCode(dpop)), dpop })
    expect(tokens.isSuccessful, tokens.error).toBe(true)
    if (!tokens.isSuccessful) return
    expect(tokens.token.token_type).toBe('DPoP')
    expect(decodeJwt(tokens.token.id_token!).sub).toBe('alice')
  })

  it('another DPoP key cannot redeem the bound code (invalid_grant)', async () => {
    const exchange = await boundCode(await createDpop())
    const otherKey = await requestAuthorizationCodeToken({ ...exchange, dpop: await createDpop() })
    expect(otherKey).toMatchObject({
      isSuccessful: false,
      errorType: 'protocol',
      error: 'invalid_grant',
    })
  })
})

describe('signed request objects (RFC 9101)', () => {
  const credentials = () => ({ ...fapiClients.privateKeyJwt, privateKey: stack.op.clientKey })

  it('through PAR: the body carries client_id and request only; the provider accepts it', async () => {
    const par = await pushAuthorizationRequest({
      ...base(),
      ...credentials(),
      requestObject: { key: stack.op.clientKey, audience: stack.disco.issuer },
    })
    expect(par.isSuccessful, par.error).toBe(true)
    if (!par.isSuccessful) return
    const callback = await loginThrough(stack, par.url)
    expect(
      parseAuthorizationResponse(callback, { expectedState: par.state, discovery: stack.disco })
        .isSuccessful,
    ).toBe(true)
  })

  it('through PAR: an object signed by another key is refused (invalid_request_object)', async () => {
    const par = await pushAuthorizationRequest({
      ...base(),
      ...credentials(),
      requestObject: { key: otherKeyJwk(), audience: stack.disco.issuer },
    })
    expect(par).toMatchObject({
      isSuccessful: false,
      errorType: 'protocol',
      error: 'invalid_request_object',
    })
  })

  it('by value: the URL carries client_id and request; the provider signs the user in', async () => {
    const request = await createSignedAuthorizationRequest({
      authorizationEndpoint: stack.disco.authorizationEndpoint!,
      clientId: fapiClients.privateKeyJwt.clientId,
      redirectUri: FAPI_REDIRECT_URI,
      scope: 'openid',
      requestObject: { key: stack.op.clientKey, audience: stack.disco.issuer },
    })
    const url = new URL(request.url)
    expect([...url.searchParams.keys()].sort()).toEqual(['client_id', 'request'])
    const jwt = url.searchParams.get('request')!
    expect(decodeProtectedHeader(jwt)).toMatchObject({ alg: 'ES256', typ: 'oauth-authz-req+jwt' })
    expect(decodeJwt(jwt)).toMatchObject({
      iss: fapiClients.privateKeyJwt.clientId,
      client_id: fapiClients.privateKeyJwt.clientId,
      aud: stack.disco.issuer,
      state: request.state,
      nonce: request.nonce,
      code_challenge_method: 'S256',
      redirect_uri: FAPI_REDIRECT_URI,
    })
    const callback = await loginThrough(stack, request.url)
    const response = parseAuthorizationResponse(callback, {
      expectedState: request.state,
      discovery: stack.disco,
    })
    expect(response.isSuccessful).toBe(true)
  })

  it('by value: an object signed by another key never reaches the login page', async () => {
    const request = await createSignedAuthorizationRequest({
      authorizationEndpoint: stack.disco.authorizationEndpoint!,
      clientId: fapiClients.privateKeyJwt.clientId,
      redirectUri: FAPI_REDIRECT_URI,
      requestObject: { key: otherKeyJwk(), audience: stack.disco.issuer },
    })
    const response = await stack.caFetch(request.url, { redirect: 'manual' })
    const location = response.headers.get('location')
    // The provider either shows its error page or redirects the error to the client.
    if (location === null) {
      expect(response.status).toBe(400)
      expect(await response.text()).toContain('invalid_request_object')
    } else {
      expect(new URL(location, stack.op.issuer).searchParams.get('error')).toBe(
        'invalid_request_object',
      )
    }
  })

  it('createAuthorizationRequest stays synchronous and points to the async forms', () => {
    expect(() =>
      // @ts-expect-error requestObject is not an option of the synchronous function
      createAuthorizationRequest({ ...base(), clientId: 'x', requestObject: {} }),
    ).toThrow(/createSignedAuthorizationRequest or pushAuthorizationRequest/)
  })
})
