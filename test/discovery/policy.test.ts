/**
 * The discovery policy: HTTPS except loopback, endpoints on the issuer's origin unless allowed,
 * the known-provider allow-list, and the shape of the document.
 */
import { describe, expect, it } from 'vitest'
import { getDiscoveryDocument } from '../../src/index.js'
import { fakeFetch } from '../support/fake-fetch.js'
import { discover, metadata } from './helpers.js'

const WELL_KNOWN = '/.well-known/openid-configuration'
const HOST = 'https://id.example.com'

describe('discovery policy: HTTPS', () => {
  it.each([
    'http://127.0.0.1:8080',
    'http://127.1.2.3',
    'http://[::1]:9000',
    'http://localhost:3000',
    'http://localhost/realm',
  ])('allows plain HTTP on loopback: %s', async (issuer) => {
    const { result } = await discover(`${issuer}${WELL_KNOWN}`, metadata(issuer), issuer)
    expect(result.isSuccessful ? result.issuer : result.error).toBe(issuer)
  })

  it.each(['http://id.example.com', 'http://10.0.0.1', 'http://localhost.example.com'])(
    'refuses plain HTTP to %s before fetching anything',
    async (issuer) => {
      const { result, fake } = await discover(`${issuer}${WELL_KNOWN}`, metadata(issuer), issuer)
      expect(result.isSuccessful).toBe(false)
      expect(result.errorType).toBe('policy')
      expect(result.error).toBe(
        `the discovery address must use HTTPS (got ${new URL(issuer).origin}); plain HTTP is allowed only on loopback`,
      )
      expect(fake.calls).toHaveLength(0)
    },
  )

  // Regression: a DNS name such as 127.attacker.example (which resolves wherever its owner
  // likes) once passed as loopback, allowing plain HTTP for discovery, keys and tokens.
  it('refuses plain HTTP to a DNS name that merely starts with "127."', async () => {
    const issuer = 'http://127.attacker.example'
    const { result, fake } = await discover(`${issuer}${WELL_KNOWN}`, metadata(issuer), issuer)
    expect(result.errorType).toBe('policy')
    expect(fake.calls).toHaveLength(0)
  })

  it('refuses plain HTTP on loopback with allowHttpOnLoopback: false', async () => {
    const issuer = 'http://127.0.0.1:8080'
    const { result } = await discover(`${issuer}${WELL_KNOWN}`, metadata(issuer), issuer, {
      allowHttpOnLoopback: false,
    })
    expect(result.errorType).toBe('policy')
  })

  it('refuses a plain-HTTP endpoint in an HTTPS document', async () => {
    const { result } = await discover(
      `${HOST}${WELL_KNOWN}`,
      metadata(HOST, { jwks_uri: 'http://id.example.com/jwks' }),
      HOST,
    )
    expect(result.errorType).toBe('policy')
    expect(result.error).toBe(
      'jwks_uri must use HTTPS (got http://id.example.com); plain HTTP is allowed only on loopback',
    )
  })

  it('allows plain HTTP anywhere only with requireHttps: false', async () => {
    const issuer = 'http://id.example.com'
    const { result } = await discover(`${issuer}${WELL_KNOWN}`, metadata(issuer), issuer, {
      requireHttps: false,
    })
    expect(result.isSuccessful).toBe(true)
  })
})

describe('discovery policy: endpoints', () => {
  const url = `${HOST}${WELL_KNOWN}`

  it.each([
    ['token_endpoint', 'https://evil.example.net/token'],
    ['jwks_uri', 'https://id.example.com:8443/jwks'],
    ['userinfo_endpoint', 'https://sub.id.example.com/me'],
    ['introspection_endpoint', 'https://other.example.com/introspect'],
    ['revocation_endpoint', 'https://other.example.com/revoke'],
    ['end_session_endpoint', 'https://other.example.com/logout'],
    ['device_authorization_endpoint', 'https://other.example.com/device'],
    ['pushed_authorization_request_endpoint', 'https://other.example.com/par'],
    ['registration_endpoint', 'https://other.example.com/reg'],
  ])('refuses %s on a foreign origin (%s)', async (name, endpoint) => {
    const { result } = await discover(url, metadata(HOST, { [name]: endpoint }), HOST)
    expect(result.isSuccessful).toBe(false)
    expect(result.errorType).toBe('policy')
    expect(result.error).toBe(
      `${name} (${new URL(endpoint).origin}) is not on the issuer's origin (${HOST}); add it to policy.additionalEndpointBaseAddresses if this provider is trusted to serve it`,
    )
  })

  it('accepts endpoints under additionalEndpointBaseAddresses', async () => {
    const document = metadata(HOST, {
      token_endpoint: 'https://auth.example.com/oauth/token',
      jwks_uri: 'https://keys.example.com/jwks',
    })
    const policy = {
      additionalEndpointBaseAddresses: [
        'https://auth.example.com/oauth/',
        'https://keys.example.com',
      ],
    }
    const { result } = await discover(url, document, HOST, policy)
    expect(result.isSuccessful ? result.tokenEndpoint : result.error).toBe(
      'https://auth.example.com/oauth/token',
    )
    // Under the base path only.
    const { result: outside } = await discover(
      url,
      metadata(HOST, { token_endpoint: 'https://auth.example.com/other/token' }),
      HOST,
      policy,
    )
    expect(outside.errorType).toBe('policy')
  })

  it('does not let a base address without a trailing slash match a longer host name', async () => {
    const policy = { additionalEndpointBaseAddresses: ['https://keys.example.com'] }
    for (const jwks of [
      'https://keys.example.com.evil.net/jwks',
      'https://keys.example.community/jwks',
      'https://keys.example.com:444/jwks',
    ]) {
      const { result } = await discover(url, metadata(HOST, { jwks_uri: jwks }), HOST, policy)
      expect(result.isSuccessful, jwks).toBe(false)
      expect(result.errorType).toBe('policy')
    }
  })

  it('skips the origin check for names in endpointValidationExcludeList only', async () => {
    const document = metadata(HOST, {
      userinfo_endpoint: 'https://graph.example.net/userinfo',
      token_endpoint: 'https://other.example.net/token',
    })
    const { result } = await discover(url, document, HOST, {
      endpointValidationExcludeList: ['userinfo_endpoint'],
    })
    expect(result.errorType).toBe('policy')
    expect(result.error).toContain('token_endpoint')
    const { result: both } = await discover(url, document, HOST, {
      endpointValidationExcludeList: ['userinfo_endpoint', 'token_endpoint'],
    })
    expect(both.isSuccessful).toBe(true)
    // Excluded from the origin check, not from the HTTPS rule.
    const { result: plain } = await discover(
      url,
      metadata(HOST, { userinfo_endpoint: 'http://graph.example.net/userinfo' }),
      HOST,
      { endpointValidationExcludeList: ['userinfo_endpoint'] },
    )
    expect(plain.errorType).toBe('policy')
    expect(plain.error).toContain('HTTPS')
  })

  it('accepts foreign endpoints with validateEndpoints: false', async () => {
    const { result } = await discover(
      url,
      metadata(HOST, { token_endpoint: 'https://other.example.net/token' }),
      HOST,
      { validateEndpoints: false },
    )
    expect(result.isSuccessful).toBe(true)
  })
})

describe('discovery policy: known providers', () => {
  const google = 'https://accounts.google.com'
  const googleDocument = metadata(google, {
    token_endpoint: 'https://oauth2.googleapis.com/token',
    userinfo_endpoint: 'https://openidconnect.googleapis.com/v1/userinfo',
    jwks_uri: 'https://www.googleapis.com/oauth2/v3/certs',
    revocation_endpoint: 'https://oauth2.googleapis.com/revoke',
    device_authorization_endpoint: 'https://oauth2.googleapis.com/device/code',
  })
  const cognito = 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf'
  const cognitoDocument = metadata(cognito, {
    authorization_endpoint: 'https://my-app.auth.eu-west-1.amazoncognito.com/oauth2/authorize',
    token_endpoint: 'https://my-app.auth.eu-west-1.amazoncognito.com/oauth2/token',
    userinfo_endpoint: 'https://my-app.auth.eu-west-1.amazoncognito.com/oauth2/userInfo',
  })
  const entra = 'https://login.microsoftonline.com/9188040d-6c67-4c5b-b112-36a304b66dad/v2.0'
  const entraDocument = metadata(entra, {
    userinfo_endpoint: 'https://graph.microsoft.com/oidc/userinfo',
  })

  it.each([
    ['Google', google, googleDocument],
    ['Amazon Cognito', cognito, cognitoDocument],
    ['Microsoft Entra ID', entra, entraDocument],
  ])('accepts the documented endpoint hosts of %s', async (_name, issuer, document) => {
    const { result } = await discover(`${issuer}${WELL_KNOWN}`, document, issuer)
    expect(result.isSuccessful ? result.issuer : result.error).toBe(issuer)
  })

  it('refuses them with allowKnownProviderEndpoints: false', async () => {
    const { result } = await discover(`${google}${WELL_KNOWN}`, googleDocument, google, {
      allowKnownProviderEndpoints: false,
    })
    expect(result.errorType).toBe('policy')
  })

  it.each([
    ['https://oauth2.googleapis.com/token'],
    ['https://my-app.auth.eu-west-1.amazoncognito.com/oauth2/token'],
    ['https://graph.microsoft.com/oidc/userinfo'],
  ])('does not allow %s for any other issuer', async (endpoint) => {
    for (const issuer of [
      HOST,
      'https://accounts.google.com.evil.net',
      'https://evil-google.com',
    ]) {
      const { result } = await discover(
        `${issuer}${WELL_KNOWN}`,
        metadata(issuer, { token_endpoint: endpoint }),
        issuer,
      )
      expect(result.isSuccessful, `${issuer} → ${endpoint}`).toBe(false)
      expect(result.errorType).toBe('policy')
    }
  })

  it('does not let one known provider use another one’s hosts', async () => {
    const { result } = await discover(
      `${google}${WELL_KNOWN}`,
      metadata(google, { userinfo_endpoint: 'https://graph.microsoft.com/oidc/userinfo' }),
      google,
    )
    expect(result.errorType).toBe('policy')
  })
})

describe('discovery document shape', () => {
  const url = `${HOST}${WELL_KNOWN}`

  it('keeps unknown members in raw and types the registered ones', async () => {
    const document = metadata(HOST, {
      x_vendor_feature: { nested: [1, 2] },
      frontchannel_logout_supported: true,
      code_challenge_methods_supported: ['S256'],
      mtls_endpoint_aliases: { token_endpoint: 'https://mtls.id.example.com/token' },
      introspection_endpoint: `${HOST}/introspect`,
    })
    const { result } = await discover(url, document, HOST)
    if (!result.isSuccessful) throw new Error(result.error)
    expect(result.raw).toEqual(document)
    expect(result.raw.x_vendor_feature).toEqual({ nested: [1, 2] })
    expect(result).toMatchObject({
      isSuccessful: true,
      issuer: HOST,
      authorizationEndpoint: `${HOST}/authorize`,
      tokenEndpoint: `${HOST}/token`,
      jwksUri: `${HOST}/jwks`,
      introspectionEndpoint: `${HOST}/introspect`,
      responseTypesSupported: ['code'],
      subjectTypesSupported: ['public'],
      idTokenSigningAlgValuesSupported: ['RS256'],
      codeChallengeMethodsSupported: ['S256'],
      frontchannelLogoutSupported: true,
      mtlsEndpointAliases: { token_endpoint: 'https://mtls.id.example.com/token' },
    })
    expect(result.error).toBeUndefined()
    expect(result.errorType).toBeUndefined()
    expect(Object.isFrozen(result)).toBe(true)
  })

  it('names every missing required member', async () => {
    const document = metadata(HOST)
    delete document.jwks_uri
    document.token_endpoint = null
    const { result } = await discover(url, document, HOST)
    expect(result.errorType).toBe('invalid_response')
    expect(result.error).toBe(
      'discovery document is missing required metadata: token_endpoint, jwks_uri',
    )
  })

  it('takes its own list of required members', async () => {
    const { result } = await discover(url, { issuer: HOST, token_endpoint: `${HOST}/t` }, HOST, {
      requiredMetadata: ['issuer', 'token_endpoint'],
    })
    expect(result.isSuccessful ? result.tokenEndpoint : result.error).toBe(`${HOST}/t`)
  })

  it.each([
    ['issuer', 42, 'discovery document: issuer must be a non-empty string'],
    ['issuer', '', 'discovery document: issuer must be a non-empty string'],
    ['token_endpoint', 42, 'discovery document has members of the wrong type: token_endpoint'],
    ['jwks_uri', '/jwks', 'discovery document has members of the wrong type: jwks_uri'],
    [
      'userinfo_endpoint',
      ['https://id.example.com/me'],
      'discovery document has members of the wrong type: userinfo_endpoint',
    ],
    [
      'response_types_supported',
      'code',
      'discovery document has members of the wrong type: response_types_supported',
    ],
    [
      'id_token_signing_alg_values_supported',
      ['RS256', 7],
      'discovery document has members of the wrong type: id_token_signing_alg_values_supported',
    ],
  ])('refuses a wrongly typed %s (%j)', async (name, value, message) => {
    const { result } = await discover(url, metadata(HOST, { [name]: value }), HOST)
    expect(result.isSuccessful).toBe(false)
    expect(result.errorType).toBe('invalid_response')
    expect(result.error).toBe(message)
  })

  it('leaves a wrongly typed optional list or flag out of the typed view, kept in raw', async () => {
    const { result } = await discover(
      url,
      metadata(HOST, { scopes_supported: 'openid', claims_parameter_supported: 'yes' }),
      HOST,
    )
    if (!result.isSuccessful) throw new Error(result.error)
    expect(result.scopesSupported).toBeUndefined()
    expect(result.claimsParameterSupported).toBeUndefined()
    expect(result.raw.scopes_supported).toBe('openid')
  })

  it.each([
    ['[1, 2]', 'invalid_json'],
    ['"a string"', 'invalid_json'],
    ['null', 'invalid_json'],
    ['{"issuer": ', 'invalid_json'],
  ])('refuses the body %s as %s', async (body, errorType) => {
    const fake = fakeFetch({ [url]: () => new Response(body) })
    const result = await getDiscoveryDocument({ address: HOST, fetch: fake.fetch, cache: false })
    expect(result.isSuccessful).toBe(false)
    expect(result.errorType).toBe(errorType)
    expect(result.isSuccessful === false && result.httpStatus).toBe(200)
  })

  it('reads an OAuth error body as protocol, anything else as http', async () => {
    const oauth = fakeFetch({
      [url]: () =>
        Response.json({ error: 'server_error', error_description: 'try later' }, { status: 500 }),
    })
    const protocol = await getDiscoveryDocument({ address: HOST, fetch: oauth.fetch, cache: false })
    expect(protocol).toMatchObject({
      isSuccessful: false,
      errorType: 'protocol',
      error: 'server_error',
      errorDescription: 'try later',
      httpStatus: 500,
    })
    const plain = fakeFetch({ [url]: () => new Response('gone', { status: 410 }) })
    const http = await getDiscoveryDocument({ address: HOST, fetch: plain.fetch, cache: false })
    expect(http).toMatchObject({ isSuccessful: false, errorType: 'http', httpStatus: 410 })
    expect(http.error).toBe(`the discovery endpoint answered HTTP 410`)
  })
})
