/**
 * Dynamic client registration (RFC 7591) and its management (RFC 7592) against the real
 * provider, and the registered clients used for real token requests.
 */
import { generateKeyPairSync } from 'node:crypto'
import { exportJWK } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  ClientRegistrationRequest,
  deleteClientRegistration,
  getClientRegistration,
  getDiscoveryDocument,
  registerClient,
  requestClientCredentialsToken,
  updateClientRegistration,
} from '../../src/index.js'
import { startProvider, type TestProvider } from '../../testbed/provider.js'
import { recordingFetch } from '../support/platform-wire.js'

const serviceMetadata = {
  client_name: 'platform-reporting',
  grant_types: ['client_credentials'],
  response_types: [],
  redirect_uris: [],
  token_endpoint_auth_method: 'client_secret_post',
  scope: 'api:read',
}

describe('open registration', () => {
  let op: TestProvider
  let registrationEndpoint: string

  beforeAll(async () => {
    op = await startProvider()
    const disco = await getDiscoveryDocument({ address: op.issuer, cache: false })
    if (!disco.isSuccessful) throw new Error(disco.error)
    registrationEndpoint = String(disco.registrationEndpoint)
  })
  afterAll(async () => {
    await op.stop()
  })

  it('registers, reads, updates and deletes a client, which works for tokens in between', async () => {
    const recorder = recordingFetch()
    const registered = await registerClient(
      new ClientRegistrationRequest({
        address: registrationEndpoint,
        metadata: serviceMetadata,
        fetch: recorder.fetch,
      }),
    )
    if (!registered.isSuccessful)
      throw new Error(`${registered.error}: ${registered.errorDescription}`)
    expect(recorder.last().headers.get('content-type')).toBe('application/json')
    expect(JSON.parse(recorder.last().body)).toEqual(serviceMetadata)
    expect(registered.httpStatus).toBe(201)
    expect(registered.clientSecret).toEqual(expect.any(String))
    expect(registered.registrationClientUri).toBe(`${registrationEndpoint}/${registered.clientId}`)
    expect(registered.metadata).toMatchObject({
      client_id: registered.clientId,
      client_name: 'platform-reporting',
      grant_types: ['client_credentials'],
      token_endpoint_auth_method: 'client_secret_post',
    })
    const { clientId, clientSecret } = registered
    const address = String(registered.registrationClientUri)
    let registrationAccessToken = String(registered.registrationAccessToken)

    const token = () =>
      requestClientCredentialsToken({
        address: `${op.issuer}/token`,
        clientId,
        clientSecret,
        clientAuthentication: 'client_secret_post',
        scope: 'api:read',
      })
    expect((await token()).isSuccessful).toBe(true)

    const read = await getClientRegistration({
      address,
      registrationAccessToken,
      fetch: recorder.fetch,
    })
    expect(recorder.last().method).toBe('GET')
    expect(recorder.last().headers.get('authorization')).toBe(`Bearer ${registrationAccessToken}`)
    if (!read.isSuccessful) throw new Error(read.error)
    expect(read.metadata.client_name).toBe('platform-reporting')
    registrationAccessToken = read.registrationAccessToken ?? registrationAccessToken

    const updated = await updateClientRegistration({
      address,
      registrationAccessToken,
      metadata: { ...read.metadata, client_name: 'platform-reporting-v2' },
      fetch: recorder.fetch,
    })
    if (!updated.isSuccessful) throw new Error(`${updated.error}: ${updated.errorDescription}`)
    const sent = JSON.parse(recorder.last().body) as Record<string, unknown>
    expect(recorder.last().method).toBe('PUT')
    expect(sent).toMatchObject({ client_id: clientId, client_name: 'platform-reporting-v2' })
    expect(sent).not.toHaveProperty('registration_access_token')
    expect(sent).not.toHaveProperty('registration_client_uri')
    expect(updated.metadata.client_name).toBe('platform-reporting-v2')
    // oidc-provider rotates the registration access token on update; the old one stops working.
    expect(updated.registrationAccessToken).toEqual(expect.any(String))
    expect(updated.registrationAccessToken).not.toBe(registrationAccessToken)
    const stale = await getClientRegistration({ address, registrationAccessToken })
    expect(stale).toMatchObject({
      isSuccessful: false,
      errorType: 'protocol',
      error: 'invalid_token',
    })
    expect(JSON.stringify(stale)).not.toContain(registrationAccessToken)
    registrationAccessToken = String(updated.registrationAccessToken)
    expect((await token()).isSuccessful).toBe(true)

    const deleted = await deleteClientRegistration({
      address,
      registrationAccessToken,
      fetch: recorder.fetch,
    })
    expect(recorder.last().method).toBe('DELETE')
    expect(deleted).toEqual({ isSuccessful: true, httpStatus: 204 })
    expect(await getClientRegistration({ address, registrationAccessToken })).toMatchObject({
      isSuccessful: false,
      errorType: 'protocol',
      error: 'invalid_token',
      httpStatus: 401,
    })
    expect(await token()).toMatchObject({
      isSuccessful: false,
      errorType: 'protocol',
      error: 'invalid_client',
    })
  })

  it('registers a private_key_jwt client with its public keys, which then authenticates', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    const jwk = {
      ...(await exportJWK(publicKey)),
      kty: 'EC',
      kid: 'platform-1',
      alg: 'ES256',
      use: 'sig',
    }
    const registered = await registerClient({
      address: registrationEndpoint,
      metadata: {
        ...serviceMetadata,
        token_endpoint_auth_method: 'private_key_jwt',
        jwks: { keys: [jwk] },
      },
    })
    if (!registered.isSuccessful)
      throw new Error(`${registered.error}: ${registered.errorDescription}`)
    expect(registered).not.toHaveProperty('clientSecret')
    const response = await requestClientCredentialsToken({
      address: `${op.issuer}/token`,
      clientId: registered.clientId,
      privateKey,
      scope: 'api:read',
    })
    expect(response).toMatchObject({ isSuccessful: true, token: { scope: 'api:read' } })
  })

  it('registers a public client (none)', async () => {
    const registered = await registerClient({
      address: registrationEndpoint,
      metadata: {
        application_type: 'native',
        token_endpoint_auth_method: 'none',
        redirect_uris: ['http://127.0.0.1/platform-callback'],
        grant_types: ['authorization_code'],
        response_types: ['code'],
      },
    })
    expect(registered).toMatchObject({
      isSuccessful: true,
      metadata: { token_endpoint_auth_method: 'none' },
    })
    expect(registered).not.toHaveProperty('clientSecret')
  })

  it('surfaces the provider refusing metadata', async () => {
    const badRedirect = await registerClient({
      address: registrationEndpoint,
      metadata: { redirect_uris: ['https://app.example.com/cb#fragment'] },
    })
    expect(badRedirect).toMatchObject({
      isSuccessful: false,
      errorType: 'protocol',
      httpStatus: 400,
    })
    expect(['invalid_redirect_uri', 'invalid_client_metadata']).toContain(badRedirect.error)
    const badMethod = await registerClient({
      address: registrationEndpoint,
      metadata: { ...serviceMetadata, token_endpoint_auth_method: 'magic' },
    })
    expect(badMethod).toMatchObject({
      isSuccessful: false,
      errorType: 'protocol',
      error: 'invalid_client_metadata',
      httpStatus: 400,
    })
  })
})

describe('registration with an initial access token', () => {
  let op: TestProvider

  beforeAll(async () => {
    op = await startProvider({
      extraConfig: { features: { registration: { enabled: true, initialAccessToken: true } } },
    })
  })
  afterAll(async () => {
    await op.stop()
  })

  it('needs the token, and works with it', async () => {
    const model = (
      op.provider as unknown as {
        InitialAccessToken: new (init: object) => { save(): Promise<string> }
      }
    ).InitialAccessToken
    const initialAccessToken = await new model({}).save()
    const address = `${op.issuer}/reg`

    const without = await registerClient({ address, metadata: serviceMetadata })
    expect(without).toMatchObject({ isSuccessful: false, errorType: 'protocol', httpStatus: 401 })
    expect(without.error).toBe('invalid_token')

    const wrong = await registerClient({
      address,
      metadata: serviceMetadata,
      initialAccessToken: 'wrong',
    })
    expect(wrong).toMatchObject({
      isSuccessful: false,
      errorType: 'protocol',
      error: 'invalid_token',
    })

    const recorder = recordingFetch()
    const registered = await registerClient({
      address,
      metadata: serviceMetadata,
      initialAccessToken,
      fetch: recorder.fetch,
    })
    expect(recorder.last().headers.get('authorization')).toBe(`Bearer ${initialAccessToken}`)
    expect(registered).toMatchObject({
      isSuccessful: true,
      metadata: { client_name: 'platform-reporting' },
    })
  })
})
