/**
 * Where Glewlwyd 2.7.5 departs from the specifications, and what the library does about it
 * (nothing: it keeps to the specifications and tolerates what it can). One test per deviation
 * listed in docs/providers/glewlwyd.md, so that page stays true: if a Glewlwyd release fixes
 * one, its test fails and the page needs an update.
 */
import { decodeJwt } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  createDpop,
  createDpopFetch,
  type DiscoverySuccess,
  getDiscoveryDocument,
  getUserInfo,
  introspectToken,
  MemoryStore,
  ProviderCache,
  requestAuthorizationCodeToken,
  requestClientCredentialsToken,
  TokenManager,
  validateIdToken,
  validateToken,
} from '../../../src/index.js'
import {
  CLIENTS,
  type GlewlwydClient,
  glewlwydSkipReason,
  RESOURCE,
  signInWithCode,
  startGlewlwyd,
  type TestGlewlwyd,
} from '../../support/glewlwyd.js'

const skip = glewlwydSkipReason()
if (skip !== undefined) console.warn(skip)

/** A raw form POST, to see exactly what Glewlwyd answers. */
async function post(url: string, form: Record<string, string>, authorization?: string) {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      ...(authorization === undefined ? {} : { authorization }),
    },
    body: new URLSearchParams(form),
    signal: AbortSignal.timeout(10_000),
  })
  return {
    status: response.status,
    contentType: response.headers.get('content-type'),
    challenge: response.headers.get('www-authenticate'),
    text: await response.text(),
  }
}

/** HTTP Basic with the credentials as they are, without RFC 6749 §2.3.1's form-encoding. */
const rawBasic = (client: GlewlwydClient) =>
  `Basic ${Buffer.from(`${client.clientId}:${client.clientSecret}`).toString('base64')}`

describe.skipIf(skip !== undefined)('Glewlwyd 2.7.5: known deviations', () => {
  let glewlwyd: TestGlewlwyd
  let disco: DiscoverySuccess
  const cache = new ProviderCache()
  const client = CLIENTS.service

  beforeAll(async () => {
    glewlwyd = await startGlewlwyd()
    const response = await getDiscoveryDocument({ address: glewlwyd.issuer, cache })
    if (!response.isSuccessful) throw new Error(response.error)
    disco = response
  })
  afterAll(async () => {
    await glewlwyd?.stop()
  })

  const clientToken = async (
    who: GlewlwydClient,
    clientAuthentication: 'client_secret_basic' | 'client_secret_post',
    extra: { scope?: string; resource?: string } = {},
  ) => {
    const response = await requestClientCredentialsToken({
      address: disco.tokenEndpoint!,
      clientId: who.clientId,
      clientSecret: who.clientSecret,
      scope: 'api:read',
      clientAuthentication,
      ...extra,
    })
    if (!response.isSuccessful) throw new Error(`${response.error} (${response.httpStatus})`)
    return response.token
  }

  it('does not form-decode HTTP Basic credentials: a secret with + % : or a space fails with client_secret_basic', async () => {
    const tricky = CLIENTS.tricky
    let sent: string | null = null
    const recording: typeof fetch = (input, init) => {
      sent = new Headers(init?.headers).get('authorization')
      return fetch(input, init)
    }
    const basic = await requestClientCredentialsToken({
      address: disco.tokenEndpoint!,
      clientId: tricky.clientId,
      clientSecret: tricky.clientSecret,
      scope: 'api:read',
      fetch: recording,
    })
    // The library encodes as RFC 6749 §2.3.1 says (form-encoding, then Base64) ...
    expect(Buffer.from(String(sent).replace(/^Basic /, ''), 'base64').toString()).toBe(
      'tricky:a%2Bb%2520c%3Ad+e',
    )
    // ... which Glewlwyd compares with the stored secret as it is.
    expect(basic).toMatchObject({ isSuccessful: false, errorType: 'http', httpStatus: 403 })
    // The same secret works in the body, and in a Basic header without the encoding.
    expect((await clientToken(tricky, 'client_secret_post')).access_token).toEqual(
      expect.any(String),
    )
    const raw = await post(
      disco.tokenEndpoint!,
      { grant_type: 'client_credentials', scope: 'api:read' },
      rawBasic(tricky),
    )
    expect(raw.status).toBe(200)
  })

  it('introspects a token obtained with client_secret_post as inactive under client_secret_basic', async () => {
    const viaPost = (await clientToken(client, 'client_secret_post')).access_token
    const viaBasic = (await clientToken(client, 'client_secret_basic')).access_token
    const introspect = (
      token: string,
      clientAuthentication: 'client_secret_basic' | 'client_secret_post',
    ) =>
      introspectToken({
        address: disco.introspectionEndpoint!,
        clientId: client.clientId,
        clientSecret: client.clientSecret,
        token,
        clientAuthentication,
      })
    expect(await introspect(viaPost, 'client_secret_basic')).toMatchObject({ active: false })
    expect(await introspect(viaPost, 'client_secret_post')).toMatchObject({ active: true })
    expect(await introspect(viaBasic, 'client_secret_basic')).toMatchObject({ active: true })
    // Under client_secret_post it does not check whose token it is: any client sees any token.
    const reader = CLIENTS.reader
    const bystander = await introspectToken({
      address: disco.introspectionEndpoint!,
      clientId: reader.clientId,
      clientSecret: reader.clientSecret,
      token: viaBasic,
      clientAuthentication: 'client_secret_post',
    })
    expect(bystander).toMatchObject({ isSuccessful: true, active: true })
  })

  it('puts auth_time 0 in ID tokens from the code flow, so a max_age check refuses them', async () => {
    const { tokens, nonce } = await signInWithCode(glewlwyd, disco, client)
    expect(decodeJwt(tokens.id_token!).auth_time).toBe(0)
    const config = { performDisco: true, clientId: client.clientId, nonce, cache }
    await expect(validateIdToken(tokens.id_token!, config, glewlwyd.issuer)).resolves.toMatchObject(
      { auth_time: 0 },
    )
    await expect(
      validateIdToken(tokens.id_token!, { ...config, maxAge: 3600 }, glewlwyd.issuer),
    ).rejects.toMatchObject({ code: 'claim_validation', claim: 'auth_time' })
  })

  it('answers a failed client authentication with a bare 403 (no JSON error, no challenge)', async () => {
    const wrong = { ...client, clientSecret: 'not-the-secret' }
    const raw = await post(
      disco.tokenEndpoint!,
      { grant_type: 'client_credentials', scope: 'api:read' },
      rawBasic(wrong),
    )
    // RFC 6749 §5.2 wants 400 or 401 with {"error":"invalid_client"}.
    expect(raw).toMatchObject({ status: 403, text: '', challenge: null })
    const response = await requestClientCredentialsToken({
      address: disco.tokenEndpoint!,
      clientId: wrong.clientId,
      clientSecret: wrong.clientSecret,
      scope: 'api:read',
    })
    expect(response).toMatchObject({ isSuccessful: false, errorType: 'http', httpStatus: 403 })
    expect(response).not.toHaveProperty('errorDescription')

    const userinfo = await post(disco.userinfoEndpoint!, {}, 'Bearer not-a-token')
    // RFC 6750 §3 wants a WWW-Authenticate challenge with the 401.
    expect(userinfo).toMatchObject({ status: 401, text: '', challenge: null })
    const introspection = await post(disco.introspectionEndpoint!, { token: 'x' }, rawBasic(wrong))
    expect(introspection).toMatchObject({ status: 401, text: '' })
  })

  it('uses its own error codes and statuses for some token errors', async () => {
    const tokenError = async (form: Record<string, string>) => {
      const raw = await post(disco.tokenEndpoint!, form, rawBasic(client))
      return { status: raw.status, body: JSON.parse(raw.text) as unknown }
    }
    // RFC 6749 §5.2: 400 invalid_scope.
    expect(await tokenError({ grant_type: 'client_credentials', scope: 'no-such-scope' })).toEqual({
      status: 400,
      body: { error: 'scope_invalid' },
    })
    // RFC 6749 §5.2: 400 invalid_grant.
    expect(
      await tokenError({
        grant_type: 'authorization_code',
        code: 'made-up-code',
        redirect_uri: client.redirectUri,
      }),
    ).toEqual({ status: 403, body: { error: 'invalid_code' } })
    // RFC 8628 §3.5: 400 invalid_grant (access_denied means the user said no).
    expect(
      await tokenError({
        grant_type: 'urn:ietf:params:oauth:grant-type:device_code',
        device_code: 'made-up-device-code',
      }),
    ).toEqual({ status: 400, body: { error: 'access_denied' } })
    // The library passes such codes through as protocol errors with the HTTP status.
    const viaLibrary = await requestAuthorizationCodeToken({
      address: disco.tokenEndpoint!,
      clientId: client.clientId,
      clientSecret: client.clientSecret,
      code: 'made-up-code',
      redirectUri: client.redirectUri,
      codeVerifier: 'a'.repeat(43),
    })
    expect(viaLibrary).toMatchObject({
      isSuccessful: false,
      errorType: 'protocol',
      error: 'invalid_code',
      httpStatus: 403,
    })
  })

  it('answers token_type "bearer" in lower case, which the library accepts (RFC 6749 §5.1)', async () => {
    const token = await clientToken(client, 'client_secret_basic')
    expect(token.token_type).toBe('bearer')
    const manager = new TokenManager({
      store: new MemoryStore(),
      request: {
        address: disco.tokenEndpoint!,
        clientId: client.clientId,
        clientSecret: client.clientSecret,
        scope: 'api:read',
      },
    })
    const accessToken = await manager.getAccessToken()
    expect(decodeJwt(accessToken).client_id).toBe(client.clientId)
  })

  it('sets aud to the scope string when no resource is named; with a resource, aud is the resource', async () => {
    const scope = 'api:read api:write'
    const plain = (await clientToken(client, 'client_secret_basic', { scope })).access_token
    // One string holding the space-separated scopes, not an array of audiences.
    expect(decodeJwt(plain).aud).toBe(scope)
    await expect(
      validateToken(plain, { performDisco: true, audience: 'api:read', cache }, glewlwyd.issuer),
    ).rejects.toMatchObject({ code: 'claim_validation', claim: 'aud' })
    await expect(
      validateToken(plain, { performDisco: true, audience: scope, cache }, glewlwyd.issuer),
    ).resolves.toMatchObject({ aud: scope })

    const withResource = (
      await clientToken(client, 'client_secret_basic', { scope, resource: RESOURCE })
    ).access_token
    await expect(
      validateToken(
        withResource,
        { performDisco: true, audience: RESOURCE, cache },
        glewlwyd.issuer,
      ),
    ).resolves.toMatchObject({ aud: RESOURCE, scope })
  })

  it("does not check at its UserInfo that a DPoP proof's key is the one the token is bound to", async () => {
    const dpop = await createDpop()
    const { tokens } = await signInWithCode(glewlwyd, disco, client, { dpop })
    const thief = await createDpop()
    expect(thief.thumbprint).not.toBe(dpop.thumbprint)
    // RFC 9449 §7.1 wants this refused (our resource server does: see dpop.test.ts).
    const stolen = await getUserInfo({
      address: disco.userinfoEndpoint!,
      token: tokens.access_token,
      fetch: createDpopFetch(thief, { accessToken: tokens.access_token }),
    })
    expect(stolen).toMatchObject({ isSuccessful: true })
  })
})
