/**
 * Proves the embedded provider in testbed/ behaves as the other tests assume, using plain
 * fetch and node:crypto only (no code from src/).
 */
import {
  createPrivateKey,
  createPublicKey,
  type JsonWebKey,
  randomUUID,
  sign,
  verify,
} from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  clientKeys,
  clients,
  resources,
  startProvider,
  type TestProvider,
  TOKEN_EXCHANGE_GRANT,
} from '../../testbed/provider.js'

const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token'

interface Jwt {
  readonly header: Record<string, unknown>
  readonly payload: Record<string, unknown>
}

function decodeJwt(token: unknown): Jwt {
  if (typeof token !== 'string') throw new TypeError('token is not a string')
  const [header, payload] = token.split('.')
  const json = (part: string | undefined) =>
    JSON.parse(Buffer.from(part ?? '', 'base64url').toString()) as Record<string, unknown>
  return { header: json(header), payload: json(payload) }
}

/** RFC 6749 §2.3.1: form-encode, then base64. */
function basic(clientId: string, clientSecret: string): string {
  const form = (value: string) => new URLSearchParams({ v: value }).toString().slice(2)
  return `Basic ${Buffer.from(`${form(clientId)}:${form(clientSecret)}`).toString('base64')}`
}

async function post(
  url: string,
  params: Record<string, string>,
  authorization?: string,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      accept: 'application/json',
      ...(authorization === undefined ? {} : { authorization }),
    },
    body: new URLSearchParams(params),
  })
  const text = await response.text()
  return {
    status: response.status,
    json: text ? (JSON.parse(text) as Record<string, unknown>) : {},
  }
}

async function jwks(op: TestProvider): Promise<JsonWebKey[]> {
  const response = await fetch(`${op.issuer}/jwks`)
  return ((await response.json()) as { keys: JsonWebKey[] }).keys
}

const serviceBasicToken = (op: TestProvider, scope = 'api:read api:write') =>
  op.clientCredentialsToken({ ...clients.serviceBasic, scope })

describe('testbed provider', () => {
  let op: TestProvider

  beforeAll(async () => {
    op = await startProvider()
  })
  afterAll(async () => {
    await op.stop()
  })

  it('binds 127.0.0.1 and serves discovery with every endpoint the library uses', async () => {
    expect(op.issuer).toBe(`http://127.0.0.1:${op.port}`)
    const response = await fetch(op.discoveryUrl)
    expect(response.status).toBe(200)
    const metadata = (await response.json()) as Record<string, unknown>
    expect(metadata.issuer).toBe(op.issuer)
    for (const [name, path] of Object.entries({
      token_endpoint: '/token',
      jwks_uri: '/jwks',
      authorization_endpoint: '/auth',
      userinfo_endpoint: '/me',
      introspection_endpoint: '/token/introspection',
      revocation_endpoint: '/token/revocation',
      device_authorization_endpoint: '/device/auth',
      pushed_authorization_request_endpoint: '/request',
      registration_endpoint: '/reg',
      end_session_endpoint: '/session/end',
    })) {
      expect(metadata[name], name).toBe(`${op.issuer}${path}`)
    }
    expect(metadata.grant_types_supported).toEqual(
      expect.arrayContaining([
        'authorization_code',
        'client_credentials',
        'refresh_token',
        'urn:ietf:params:oauth:grant-type:device_code',
        TOKEN_EXCHANGE_GRANT,
      ]),
    )
    expect(op.counts['/.well-known/openid-configuration']).toBeGreaterThanOrEqual(1)
  })

  it('authenticates service-basic only with the form-encoded Basic credentials', async () => {
    const { clientId, clientSecret } = clients.serviceBasic
    const params = { grant_type: 'client_credentials', scope: 'api:read' }
    const good = await post(`${op.issuer}/token`, params, basic(clientId, clientSecret))
    expect(good.status).toBe(200)
    expect(good.json.token_type).toBe('Bearer')
    expect(good.json.expires_in).toBe(600)

    const raw = `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`
    const bad = await post(`${op.issuer}/token`, params, raw)
    expect(bad.status).toBeGreaterThanOrEqual(400)
    expect(['invalid_request', 'invalid_client']).toContain(bad.json.error)
  })

  it('issues tokens to service-post with client_secret_post', async () => {
    const { clientId, clientSecret } = clients.servicePost
    const { status, json } = await post(`${op.issuer}/token`, {
      grant_type: 'client_credentials',
      client_id: clientId,
      client_secret: clientSecret,
      scope: 'api:write',
    })
    expect(status).toBe(200)
    expect(decodeJwt(json.access_token).payload.client_id).toBe(clientId)
  })

  it('issues at+jwt access tokens for my-api, signed by a key in the JWKS', async () => {
    const token = await serviceBasicToken(op)
    expect(token.scope).toBe('api:read api:write')
    const { header, payload } = decodeJwt(token.access_token)
    expect(header).toMatchObject({ typ: 'at+jwt', alg: 'RS256', kid: 'rsa-a' })
    expect(payload).toMatchObject({
      iss: op.issuer,
      aud: 'my-api',
      sub: clients.serviceBasic.clientId,
      client_id: clients.serviceBasic.clientId,
      scope: 'api:read api:write',
    })

    const jwk = (await jwks(op)).find((key) => key.kid === header.kid)
    expect(jwk).toBeDefined()
    expect(jwk).not.toHaveProperty('d')
    const [h, p, s] = String(token.access_token).split('.')
    const key = createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' })
    expect(verify('sha256', Buffer.from(`${h}.${p}`), key, Buffer.from(s ?? '', 'base64url'))).toBe(
      true,
    )
  })

  it('refuses scopes a client is not registered for', async () => {
    const token = await op.clientCredentialsToken({
      ...clients.serviceReadonly,
      scope: 'api:write',
    })
    expect(token.error).toBe('invalid_scope')
  })

  it('issues opaque tokens for the opaque resource, which introspection and revocation accept', async () => {
    const token = await op.clientCredentialsToken({
      ...clients.servicePost,
      method: 'post',
      scope: 'api:read',
      resource: resources.opaque,
    })
    const accessToken = String(token.access_token)
    expect(accessToken.split('.')).toHaveLength(1)

    const { clientId, clientSecret } = clients.serviceBasic
    const auth = basic(clientId, clientSecret)
    const introspect = () => post(`${op.issuer}/token/introspection`, { token: accessToken }, auth)
    expect((await introspect()).json).toMatchObject({
      active: true,
      aud: 'opaque-api',
      scope: 'api:read',
    })
    // RFC 7009 §2.1: only the client the token was issued to may revoke it.
    const other = await post(`${op.issuer}/token/revocation`, { token: accessToken }, auth)
    expect(other.json.error).toBe('invalid_request')
    const revoked = await post(`${op.issuer}/token/revocation`, {
      token: accessToken,
      client_id: clients.servicePost.clientId,
      client_secret: clients.servicePost.clientSecret,
    })
    expect(revoked.status).toBe(200)
    expect((await introspect()).json).toEqual({ active: false })
  })

  it('authenticates jwt-client with a private_key_jwt assertion signed by clientKeys', async () => {
    const jwk = clientKeys['jwt-client'].find((key) => key.alg === 'ES256')
    expect(jwk).toBeDefined()
    const now = Math.floor(Date.now() / 1000)
    const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url')
    const input = `${part({ alg: 'ES256', kid: jwk?.kid })}.${part({
      iss: clients.jwtClient.clientId,
      sub: clients.jwtClient.clientId,
      aud: op.issuer,
      jti: randomUUID(),
      iat: now,
      exp: now + 60,
    })}`
    const key = createPrivateKey({ key: jwk as JsonWebKey, format: 'jwk' })
    const signature = sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' })
    const { status, json } = await post(`${op.issuer}/token`, {
      grant_type: 'client_credentials',
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: `${input}.${signature.toString('base64url')}`,
    })
    expect(status).toBe(200)
    expect(decodeJwt(json.access_token).payload.client_id).toBe(clients.jwtClient.clientId)
  })

  it('exchanges tokens: impersonation without act, delegation with act', async () => {
    const subject = String((await serviceBasicToken(op)).access_token)
    const actor = String((await op.clientCredentialsToken(clients.servicePost)).access_token)
    const auth = basic(clients.serviceBasic.clientId, clients.serviceBasic.clientSecret)
    const base = {
      grant_type: TOKEN_EXCHANGE_GRANT,
      subject_token: subject,
      subject_token_type: ACCESS_TOKEN_TYPE,
      scope: 'api:read',
    }

    const impersonation = await post(`${op.issuer}/token`, base, auth)
    expect(impersonation.status).toBe(200)
    expect(impersonation.json).toMatchObject({
      issued_token_type: ACCESS_TOKEN_TYPE,
      token_type: 'Bearer',
      scope: 'api:read',
    })
    const issued = decodeJwt(impersonation.json.access_token).payload
    expect(issued).toMatchObject({ sub: clients.serviceBasic.clientId, aud: 'my-api' })
    expect(issued).not.toHaveProperty('act')

    const delegation = await post(
      `${op.issuer}/token`,
      { ...base, actor_token: actor, actor_token_type: ACCESS_TOKEN_TYPE },
      auth,
    )
    expect(delegation.status).toBe(200)
    expect(decodeJwt(delegation.json.access_token).payload.act).toEqual({
      sub: clients.servicePost.clientId,
    })

    const invalid = await post(`${op.issuer}/token`, { ...base, subject_token: 'nope' }, auth)
    expect(invalid).toMatchObject({ status: 400, json: { error: 'invalid_grant' } })
  })

  it('starts device authorization and open dynamic registration', async () => {
    const device = await post(`${op.issuer}/device/auth`, {
      client_id: clients.publicApp.clientId,
      scope: 'openid',
    })
    expect(device.status).toBe(200)
    expect(device.json).toHaveProperty('device_code')
    expect(device.json).toHaveProperty('user_code')

    const registration = await fetch(`${op.issuer}/reg`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ redirect_uris: ['http://127.0.0.1/cb'], client_name: 'dyn' }),
    })
    expect(registration.status).toBe(201)
    expect(await registration.json()).toHaveProperty('registration_access_token')
  })
})

describe('testbed controls', () => {
  let op: TestProvider

  beforeAll(async () => {
    op = await startProvider()
  })
  afterAll(async () => {
    await op.stop()
  })

  it('counts requests per path and resets the counts', async () => {
    op.resetCounts()
    await fetch(`${op.issuer}/jwks?x=1`)
    await fetch(`${op.issuer}/jwks`)
    expect(op.counts['/jwks']).toBe(2)
    op.resetCounts()
    expect(op.counts['/jwks']).toBeUndefined()
  })

  it('rotates keys while serving: B replaces A in the JWKS and signs new tokens', async () => {
    const before = await serviceBasicToken(op)
    expect(decodeJwt(before.access_token).header.kid).toBe('rsa-a')

    await op.rotateKeys('B')
    expect(op.keys).toBe('B')
    const kids = (await jwks(op)).map((key) => key.kid)
    expect(kids).toEqual(['rsa-b'])
    const after = await serviceBasicToken(op)
    expect(decodeJwt(after.access_token).header.kid).toBe('rsa-b')

    await op.rotateKeys('AB')
    expect((await jwks(op)).map((key) => key.kid)).toEqual([
      'rsa-a',
      'ps-a',
      'ec-a',
      'ed-a',
      'rsa-b',
    ])
    expect(decodeJwt((await serviceBasicToken(op)).access_token).header.kid).toBe('rsa-a')
  })

  it('answers 503 to everything while down, without closing the port', async () => {
    op.setDown(true, { retryAfterSeconds: 1 })
    const down = await fetch(op.discoveryUrl)
    expect(down.status).toBe(503)
    expect(down.headers.get('retry-after')).toBe('1')
    expect(await down.json()).toMatchObject({ error: 'temporarily_unavailable' })
    op.setDown(false)
    expect((await fetch(op.discoveryUrl)).status).toBe(200)
  })

  it('delays responses when asked', async () => {
    op.setDelay(150)
    const started = performance.now()
    await fetch(`${op.issuer}/jwks`)
    expect(performance.now() - started).toBeGreaterThanOrEqual(140)
    op.setDelay(0)
  })

  it('stops, then restarts on the same port with its state', async () => {
    const token = await op.clientCredentialsToken({
      ...clients.serviceBasic,
      resource: resources.opaque,
    })
    const port = op.port
    await op.stop()
    await expect(fetch(op.discoveryUrl)).rejects.toThrow()

    await op.restart()
    expect(op.port).toBe(port)
    const response = await fetch(op.discoveryUrl)
    expect(response.status).toBe(200)
    expect(((await response.json()) as { issuer: string }).issuer).toBe(op.issuer)

    const auth = basic(clients.serviceBasic.clientId, clients.serviceBasic.clientSecret)
    const introspection = await post(
      `${op.issuer}/token/introspection`,
      { token: String(token.access_token) },
      auth,
    )
    expect(introspection.json.active).toBe(true)
  })
})
