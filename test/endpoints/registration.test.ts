/** registerClient and RFC 7592 management, against an injected fetch. */
import { describe, expect, it } from 'vitest'
import {
  ClientRegistrationRequest,
  deleteClientRegistration,
  getClientRegistration,
  processClientDeletionResponse,
  processClientRegistrationResponse,
  registerClient,
  updateClientRegistration,
} from '../../src/index.js'
import { fakeFetch, json } from '../support/fake-fetch.js'

const REG = 'https://id.example.com/reg'
const CLIENT_URI = 'https://id.example.com/reg/c1'
const RAT = 'registration-access-token-value'
const IAT = 'initial-access-token-value'
const issued = {
  client_id: 'c1',
  client_secret: 'generated-secret',
  client_id_issued_at: 1_700_000_000,
  client_secret_expires_at: 0,
  registration_access_token: RAT,
  registration_client_uri: CLIENT_URI,
  redirect_uris: ['https://app.example.com/cb'],
  client_name: 'reporting',
  token_endpoint_auth_method: 'client_secret_basic',
  vendor_extension: 'kept',
}

describe('registerClient', () => {
  it('POSTs the metadata as JSON with the initial access token and returns the client', async () => {
    const fake = fakeFetch({ [REG]: () => json(issued, { status: 201 }) })
    const metadata = { client_name: 'reporting', redirect_uris: ['https://app.example.com/cb'] }
    const result = await registerClient(
      new ClientRegistrationRequest({
        address: REG,
        metadata,
        initialAccessToken: IAT,
        fetch: fake.fetch,
      }),
    )
    const request = fake.calls[0]!
    expect(request.method).toBe('POST')
    expect(request.headers.get('content-type')).toBe('application/json')
    expect(request.headers.get('authorization')).toBe(`Bearer ${IAT}`)
    expect(await request.json()).toEqual(metadata)
    expect(result).toEqual({
      isSuccessful: true,
      clientId: 'c1',
      clientSecret: 'generated-secret',
      clientIdIssuedAt: 1_700_000_000,
      clientSecretExpiresAt: 0,
      registrationAccessToken: RAT,
      registrationClientUri: CLIENT_URI,
      metadata: issued,
      raw: issued,
      httpStatus: 201,
    })
  })

  it('sends no Authorization header for open registration', async () => {
    const fake = fakeFetch({ [REG]: () => json({ client_id: 'pub' }, { status: 201 }) })
    const result = await registerClient({
      address: REG,
      metadata: { token_endpoint_auth_method: 'none' },
      fetch: fake.fetch,
    })
    expect(fake.calls[0]?.headers.get('authorization')).toBeNull()
    expect(result).toMatchObject({ isSuccessful: true, clientId: 'pub' })
    expect(result).not.toHaveProperty('clientSecret')
  })

  it.each([
    ['no metadata', { metadata: undefined }, 'metadata must be an object'],
    ['metadata as an array', { metadata: [] }, 'metadata must be an object'],
    [
      'camelCase names',
      { metadata: { redirectUris: ['x'] } },
      '"redirect_uris", not "redirectUris"',
    ],
    ['an empty initial access token', { initialAccessToken: '' }, 'initialAccessToken must be'],
    ['no address', { address: undefined }, 'address'],
  ])('throws TypeError at once for %s', async (_name, extra, message) => {
    const fake = fakeFetch({ [REG]: () => json(issued, { status: 201 }) })
    const error = await registerClient({
      address: REG,
      metadata: { client_name: 'x' },
      fetch: fake.fetch,
      ...(extra as object),
    }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(TypeError)
    expect((error as Error).message).toContain(message)
    expect(fake.calls).toHaveLength(0)
  })

  it('surfaces invalid_redirect_uri without the initial access token', async () => {
    const fake = fakeFetch({
      [REG]: () =>
        json({ error: 'invalid_redirect_uri', error_description: 'not https' }, { status: 400 }),
    })
    const result = await registerClient({
      address: REG,
      metadata: { redirect_uris: ['http://x'] },
      initialAccessToken: IAT,
      fetch: fake.fetch,
    })
    expect(result).toEqual({
      isSuccessful: false,
      errorType: 'protocol',
      error: 'invalid_redirect_uri',
      errorDescription: 'not https',
      httpStatus: 400,
    })
    expect(JSON.stringify(result)).not.toContain(IAT)
  })
})

describe('processClientRegistrationResponse', () => {
  it('accepts 200 as well as 201', async () => {
    const result = await processClientRegistrationResponse(json({ client_id: 'c' }))
    expect(result).toMatchObject({ isSuccessful: true, clientId: 'c', httpStatus: 200 })
  })

  it.each([
    ['no client_id', { client_secret: 's' }, 'has no client_id'],
    ['an empty client_id', { client_id: '' }, 'has no client_id'],
    [
      'a numeric secret expiry as text',
      { client_id: 'c', client_secret_expires_at: 'never' },
      '"client_secret_expires_at"',
    ],
    [
      'redirect_uris as a string',
      { client_id: 'c', redirect_uris: 'https://a' },
      '"redirect_uris"',
    ],
    [
      'a numeric registration token',
      { client_id: 'c', registration_access_token: 1 },
      '"registration_access_token"',
    ],
  ])('refuses %s as invalid_response', async (_name, body, message) => {
    const result = await processClientRegistrationResponse(json(body, { status: 201 }))
    expect(result).toMatchObject({
      isSuccessful: false,
      errorType: 'invalid_response',
      httpStatus: 201,
    })
    expect(result.error).toContain(message)
  })

  it('refuses a body that is not JSON as invalid_json, and an error body with 201 as protocol', async () => {
    expect(
      await processClientRegistrationResponse(new Response('<html>', { status: 201 })),
    ).toMatchObject({ isSuccessful: false, errorType: 'invalid_json' })
    expect(
      await processClientRegistrationResponse(
        json({ error: 'invalid_client_metadata' }, { status: 201 }),
      ),
    ).toMatchObject({
      isSuccessful: false,
      errorType: 'protocol',
      error: 'invalid_client_metadata',
    })
  })

  it('maps a 500 without an OAuth body to http', async () => {
    expect(
      await processClientRegistrationResponse(new Response('boom', { status: 500 })),
    ).toMatchObject({ isSuccessful: false, errorType: 'http', httpStatus: 500 })
  })
})

describe('getClientRegistration', () => {
  it('GETs the client URI with the registration access token and reads a rotated one', async () => {
    const fake = fakeFetch({
      [CLIENT_URI]: () => json({ ...issued, registration_access_token: 'rotated' }),
    })
    const result = await getClientRegistration({
      address: CLIENT_URI,
      registrationAccessToken: RAT,
      fetch: fake.fetch,
    })
    expect(fake.calls[0]?.method).toBe('GET')
    expect(fake.calls[0]?.headers.get('authorization')).toBe(`Bearer ${RAT}`)
    expect(result).toMatchObject({
      isSuccessful: true,
      clientId: 'c1',
      registrationAccessToken: 'rotated',
    })
  })

  it('reads invalid_token from the WWW-Authenticate challenge when the body has none', async () => {
    const fake = fakeFetch({
      [CLIENT_URI]: () =>
        new Response(null, {
          status: 401,
          headers: {
            'www-authenticate':
              'Bearer realm="x", error="invalid_token", error_description="expired"',
          },
        }),
    })
    const result = await getClientRegistration({
      address: CLIENT_URI,
      registrationAccessToken: RAT,
      fetch: fake.fetch,
    })
    expect(result).toEqual({
      isSuccessful: false,
      errorType: 'protocol',
      error: 'invalid_token',
      errorDescription: 'expired',
      httpStatus: 401,
    })
    expect(JSON.stringify(result)).not.toContain(RAT)
  })

  it('answers http for a 401 with a non-Bearer challenge and no body', async () => {
    const fake = fakeFetch({
      [CLIENT_URI]: () =>
        new Response(null, { status: 401, headers: { 'www-authenticate': 'Basic error="nope"' } }),
    })
    const result = await getClientRegistration({
      address: CLIENT_URI,
      registrationAccessToken: RAT,
      fetch: fake.fetch,
    })
    expect(result).toMatchObject({ isSuccessful: false, errorType: 'http', httpStatus: 401 })
  })

  it('needs the registration access token', async () => {
    await expect(getClientRegistration({ address: CLIENT_URI })).rejects.toThrow(
      new TypeError('registrationAccessToken is required'),
    )
  })
})

describe('updateClientRegistration', () => {
  it('PUTs the full metadata with client_id and without the server-managed members', async () => {
    const fake = fakeFetch({ [CLIENT_URI]: () => json({ ...issued, client_name: 'v2' }) })
    const result = await updateClientRegistration({
      address: CLIENT_URI,
      registrationAccessToken: RAT,
      metadata: { ...issued, client_name: 'v2' },
      fetch: fake.fetch,
    })
    const request = fake.calls[0]!
    expect(request.method).toBe('PUT')
    expect(request.headers.get('authorization')).toBe(`Bearer ${RAT}`)
    expect(request.headers.get('content-type')).toBe('application/json')
    expect(await request.json()).toEqual({
      client_id: 'c1',
      client_secret: 'generated-secret',
      redirect_uris: ['https://app.example.com/cb'],
      client_name: 'v2',
      token_endpoint_auth_method: 'client_secret_basic',
      vendor_extension: 'kept',
    })
    expect(result).toMatchObject({ isSuccessful: true, metadata: { client_name: 'v2' } })
  })

  it('takes clientId from the request when the metadata has none', async () => {
    const fake = fakeFetch({ [CLIENT_URI]: () => json({ client_id: 'c1' }) })
    await updateClientRegistration({
      address: CLIENT_URI,
      registrationAccessToken: RAT,
      clientId: 'c1',
      metadata: { client_name: 'x' },
      fetch: fake.fetch,
    })
    expect(await fake.calls[0]!.json()).toEqual({ client_name: 'x', client_id: 'c1' })
  })

  it('throws TypeError without a client id, or with two that differ', async () => {
    const base = { address: CLIENT_URI, registrationAccessToken: RAT }
    await expect(
      updateClientRegistration({ ...base, metadata: { client_name: 'x' } }),
    ).rejects.toThrow(/clientId \(or metadata.client_id\) is required/)
    await expect(
      updateClientRegistration({ ...base, clientId: 'a', metadata: { client_id: 'b' } }),
    ).rejects.toThrow(/differ/)
    await expect(updateClientRegistration({ ...base, clientId: 'a' })).rejects.toThrow(/metadata/)
  })
})

describe('deleteClientRegistration', () => {
  it('DELETEs with the registration access token; 204 is success', async () => {
    const fake = fakeFetch({ [CLIENT_URI]: () => new Response(null, { status: 204 }) })
    const result = await deleteClientRegistration({
      address: CLIENT_URI,
      registrationAccessToken: RAT,
      fetch: fake.fetch,
    })
    expect(fake.calls[0]?.method).toBe('DELETE')
    expect(fake.calls[0]?.headers.get('authorization')).toBe(`Bearer ${RAT}`)
    expect(result).toEqual({ isSuccessful: true, httpStatus: 204 })
  })

  it('maps 401 invalid_token and 405 to failures', async () => {
    expect(
      await processClientDeletionResponse(json({ error: 'invalid_token' }, { status: 401 })),
    ).toMatchObject({
      isSuccessful: false,
      errorType: 'protocol',
      error: 'invalid_token',
      httpStatus: 401,
    })
    expect(await processClientDeletionResponse(new Response('', { status: 405 }))).toMatchObject({
      isSuccessful: false,
      errorType: 'http',
      httpStatus: 405,
    })
  })
})
