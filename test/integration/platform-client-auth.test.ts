/**
 * Every client-authentication method against the real provider, at the token endpoint and at
 * introspection and revocation, with what each method puts on the wire recorded and checked
 * (oidc-provider accepts Basic where post is registered and vice versa, so a passing call alone
 * would not prove the method).
 */
import { generateKeyPairSync } from 'node:crypto'
import { type JWK, jwtVerify } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ClientCredentials } from '../../src/client-auth/methods.js'
import {
  introspectToken,
  requestClientCredentialsToken,
  revokeToken,
  type TokenResponse,
} from '../../src/index.js'
import { requestToken } from '../../src/token/token-request.js'
import {
  clientKeys,
  clients,
  type PrivateJwk,
  resources,
  startProvider,
  type TestProvider,
} from '../../testbed/provider.js'
import { signInForCode } from '../support/platform-sign-in.js'
import { decodeJwt, recordingFetch, type WireRecord } from '../support/platform-wire.js'

const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'
const REDIRECT = 'http://127.0.0.1/callback'

let op: TestProvider
const endpoint = (path: string) => `${op.issuer}${path}`

beforeAll(async () => {
  op = await startProvider()
})
afterAll(async () => {
  await op.stop()
})

function keyOf(alg: string): PrivateJwk {
  const key = clientKeys['jwt-client'].find((candidate) => candidate.alg === alg)
  if (!key) throw new Error(`no jwt-client key for ${alg}`)
  return key
}

function publicJwk(jwk: PrivateJwk): JWK {
  const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...rest } = jwk
  return rest as JWK
}

/** What the wire must show for each method, given the endpoint called. */
type WireCheck = (record: WireRecord, audience: string) => Promise<void>

function noCredentialsInBody(record: WireRecord): void {
  for (const name of ['client_secret', 'client_assertion', 'client_assertion_type']) {
    expect(record.form.has(name), name).toBe(false)
  }
}

const basicWire =
  (clientId: string, clientSecret: string): WireCheck =>
  async (record) => {
    const header = record.headers.get('authorization') ?? ''
    expect(header).toMatch(/^Basic /)
    const [id, secret] = Buffer.from(header.slice(6), 'base64').toString().split(':')
    const decode = (value = '') => decodeURIComponent(value.replace(/\+/g, ' '))
    expect([decode(id), decode(secret)]).toEqual([clientId, clientSecret])
    noCredentialsInBody(record)
    expect(record.form.has('client_id')).toBe(false)
    expect(record.body).not.toContain(encodeURIComponent(clientSecret))
  }

const postWire =
  (clientId: string, clientSecret: string): WireCheck =>
  async (record) => {
    expect(record.headers.get('authorization')).toBeNull()
    expect(record.form.get('client_id')).toBe(clientId)
    expect(record.form.get('client_secret')).toBe(clientSecret)
    expect(record.form.has('client_assertion')).toBe(false)
  }

const assertionWire =
  (clientId: string, key: Uint8Array | JWK, alg: string, kid?: string): WireCheck =>
  async (record, audience) => {
    expect(record.headers.get('authorization')).toBeNull()
    expect(record.form.has('client_secret')).toBe(false)
    expect(record.form.get('client_id')).toBe(clientId)
    expect(record.form.get('client_assertion_type')).toBe(ASSERTION_TYPE)
    const jwt = record.form.get('client_assertion') ?? ''
    const { payload, protectedHeader } = await jwtVerify(jwt, key, { algorithms: [alg] })
    expect(protectedHeader).toEqual(kid === undefined ? { alg } : { alg, kid })
    expect(payload).toMatchObject({ iss: clientId, sub: clientId, aud: audience })
    expect(typeof payload.jti).toBe('string')
    expect((payload.exp ?? 0) - (payload.iat ?? 0)).toBe(60)
  }

const noneWire =
  (clientId: string): WireCheck =>
  async (record) => {
    expect(record.headers.get('authorization')).toBeNull()
    expect(record.form.get('client_id')).toBe(clientId)
    noCredentialsInBody(record)
  }

interface MethodCase {
  readonly method: string
  readonly credentials: ClientCredentials & { clientId: string }
  readonly wire: WireCheck
}

const rs256 = keyOf('RS256')
const es256 = keyOf('ES256')
const confidential: MethodCase[] = [
  {
    method: 'client_secret_basic (default with a secret)',
    credentials: { ...clients.serviceBasic },
    wire: basicWire(clients.serviceBasic.clientId, clients.serviceBasic.clientSecret),
  },
  {
    method: 'client_secret_post',
    credentials: { ...clients.servicePost, clientAuthentication: 'client_secret_post' },
    wire: postWire(clients.servicePost.clientId, clients.servicePost.clientSecret),
  },
  {
    method: 'client_secret_jwt',
    credentials: { ...clients.hmacClient, clientAuthentication: 'client_secret_jwt' },
    wire: assertionWire(
      clients.hmacClient.clientId,
      new TextEncoder().encode(clients.hmacClient.clientSecret),
      'HS256',
    ),
  },
  {
    method: 'private_key_jwt (RS256 JWK)',
    credentials: { ...clients.jwtClient, privateKey: rs256 as JWK },
    wire: assertionWire(clients.jwtClient.clientId, publicJwk(rs256), 'RS256', rs256.kid),
  },
  {
    method: 'private_key_jwt (ES256 JWK)',
    credentials: {
      ...clients.jwtClient,
      clientAuthentication: 'private_key_jwt',
      privateKey: es256 as JWK,
    },
    wire: assertionWire(clients.jwtClient.clientId, publicJwk(es256), 'ES256', es256.kid),
  },
]

function accessToken(response: TokenResponse): string {
  if (!response.isSuccessful) throw new Error(`${response.errorType}: ${response.error}`)
  return response.token.access_token
}

describe.each(confidential)('$method', ({ credentials, wire }) => {
  it('gets a token at the token endpoint, sending exactly this method', async () => {
    const recorder = recordingFetch()
    const response = await requestClientCredentialsToken({
      ...credentials,
      address: endpoint('/token'),
      scope: 'api:read',
      fetch: recorder.fetch,
    })
    const claims = decodeJwt(accessToken(response)).payload
    expect(claims).toMatchObject({
      client_id: credentials.clientId,
      aud: 'my-api',
      scope: 'api:read',
    })
    expect(recorder.last().form.get('grant_type')).toBe('client_credentials')
    await wire(recorder.last(), endpoint('/token'))
  })

  it('introspects and revokes its own opaque token, sending exactly this method', async () => {
    const token = accessToken(
      await requestClientCredentialsToken({
        ...credentials,
        address: endpoint('/token'),
        resource: resources.opaque,
      }),
    )
    const recorder = recordingFetch()
    const introspect = () =>
      introspectToken({
        ...credentials,
        address: endpoint('/token/introspection'),
        token,
        fetch: recorder.fetch,
      })

    const active = await introspect()
    expect(active).toMatchObject({
      isSuccessful: true,
      active: true,
      claims: { client_id: credentials.clientId, aud: 'opaque-api' },
    })
    await wire(recorder.last(), endpoint('/token/introspection'))
    expect(recorder.last().form.get('token')).toBe(token)

    const revoked = await revokeToken({
      ...credentials,
      address: endpoint('/token/revocation'),
      token,
      tokenTypeHint: 'access_token',
      fetch: recorder.fetch,
    })
    expect(revoked).toEqual({ isSuccessful: true, httpStatus: 200 })
    await wire(recorder.last(), endpoint('/token/revocation'))

    expect(await introspect()).toMatchObject({ isSuccessful: true, active: false })
  })
})

describe('none (public-app)', () => {
  const credentials = { clientId: clients.publicApp.clientId }
  const wire = noneWire(clients.publicApp.clientId)

  it('redeems a code and refreshes at the token endpoint, then introspects and revokes', async () => {
    const { code, codeVerifier } = await signInForCode({
      issuer: op.issuer,
      clientId: credentials.clientId,
      redirectUri: REDIRECT,
      scope: 'openid',
    })
    const recorder = recordingFetch()
    const tokens = await requestToken(
      { ...credentials, address: endpoint('/token'), fetch: recorder.fetch },
      new URLSearchParams({
        grant_type: 'authorization_code',
        code,
        code_verifier: codeVerifier,
        redirect_uri: REDIRECT,
      }),
    )
    if (!tokens.isSuccessful) throw new Error(tokens.error)
    await wire(recorder.last(), endpoint('/token'))
    const refreshToken = String(tokens.token.refresh_token)

    const refreshed = await requestToken(
      {
        ...credentials,
        clientAuthentication: 'none',
        address: endpoint('/token'),
        fetch: recorder.fetch,
      },
      new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken }),
    )
    if (!refreshed.isSuccessful) throw new Error(refreshed.error)
    await wire(recorder.last(), endpoint('/token'))
    // Public clients get rotated refresh tokens.
    const current = String(refreshed.token.refresh_token)

    const introspected = await introspectToken({
      ...credentials,
      address: endpoint('/token/introspection'),
      token: current,
      tokenTypeHint: 'refresh_token',
      fetch: recorder.fetch,
    })
    expect(introspected).toMatchObject({
      active: true,
      claims: { client_id: credentials.clientId, sub: 'alice' },
    })
    await wire(recorder.last(), endpoint('/token/introspection'))

    const revoked = await revokeToken({
      ...credentials,
      address: endpoint('/token/revocation'),
      token: current,
      fetch: recorder.fetch,
    })
    expect(revoked.isSuccessful).toBe(true)
    await wire(recorder.last(), endpoint('/token/revocation'))
    const after = await introspectToken({
      ...credentials,
      address: endpoint('/token/introspection'),
      token: current,
    })
    expect(after).toMatchObject({ isSuccessful: true, active: false })
  })
})

describe('failures and details', () => {
  it('answers invalid_client for a wrong secret, without the secret in the result', async () => {
    for (const clientAuthentication of [
      'client_secret_basic',
      'client_secret_post',
      'client_secret_jwt',
    ] as const) {
      const wrong = `wrong-${clientAuthentication}-secret-that-is-long-enough-0123456789`
      const client =
        clientAuthentication === 'client_secret_jwt' ? clients.hmacClient : clients.serviceBasic
      const response = await requestClientCredentialsToken({
        address: endpoint('/token'),
        clientId: client.clientId,
        clientSecret: wrong,
        clientAuthentication,
      })
      expect(response, clientAuthentication).toMatchObject({
        isSuccessful: false,
        errorType: 'protocol',
        error: 'invalid_client',
        httpStatus: 401,
      })
      expect(JSON.stringify(response)).not.toContain(wrong)
    }
  })

  it('answers invalid_client for an assertion signed with an unregistered key', async () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    const recorder = recordingFetch()
    const response = await introspectToken({
      address: endpoint('/token/introspection'),
      clientId: clients.jwtClient.clientId,
      privateKey,
      token: 'anything',
      fetch: recorder.fetch,
    })
    expect(response).toMatchObject({
      isSuccessful: false,
      errorType: 'protocol',
      error: 'invalid_client',
    })
    const assertion = recorder.last().form.get('client_assertion') ?? ''
    expect(assertion.split('.')).toHaveLength(3)
    expect(JSON.stringify(response)).not.toContain(assertion)
  })

  it('makes a fresh assertion per request: the provider refuses replays, and accepts both calls', async () => {
    const credentials = { ...clients.jwtClient, privateKey: es256 as JWK }
    const recorder = recordingFetch()
    for (let i = 0; i < 2; i++) {
      const response = await requestClientCredentialsToken({
        ...credentials,
        address: endpoint('/token'),
        fetch: recorder.fetch,
      })
      expect(response.isSuccessful).toBe(true)
    }
    const [first, second] = recorder.records.map((record) => record.form.get('client_assertion'))
    expect(decodeJwt(String(first)).payload.jti).not.toBe(decodeJwt(String(second)).payload.jti)
  })

  it('takes the issuer as the assertion audience when asked (clientAssertionAudience)', async () => {
    const recorder = recordingFetch()
    const response = await revokeToken({
      address: endpoint('/token/revocation'),
      ...clients.hmacClient,
      clientAuthentication: 'client_secret_jwt',
      clientAssertionAudience: op.issuer,
      token: 'unknown-token',
      fetch: recorder.fetch,
    })
    expect(response.isSuccessful).toBe(true)
    const assertion = String(recorder.last().form.get('client_assertion'))
    expect(decodeJwt(assertion).payload.aud).toBe(op.issuer)
  })

  it('is refused when a public client pretends to be confidential', async () => {
    const response = await introspectToken({
      address: endpoint('/token/introspection'),
      clientId: clients.publicApp.clientId,
      clientSecret: 'made-up',
      token: 'anything',
    })
    expect(response).toMatchObject({
      isSuccessful: false,
      errorType: 'protocol',
      error: 'invalid_client',
    })
  })
})
