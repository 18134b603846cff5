import { describe, expect, it } from 'vitest'
import {
  DeviceAuthorizationRequest,
  processDeviceAuthorizationResponse,
  requestDeviceAuthorization,
} from '../../src/index.js'
import { fakeFetch, json } from '../support/fake-fetch.js'

const ENDPOINT = 'https://id.example.com/device/auth'
const answer = {
  device_code: 'dc-1',
  user_code: 'WDJB-MJHT',
  verification_uri: 'https://id.example.com/device',
  verification_uri_complete: 'https://id.example.com/device?user_code=WDJB-MJHT',
  expires_in: 1800,
  interval: 7,
}

describe('requestDeviceAuthorization', () => {
  it('posts client_id, scope and resource and returns the typed codes', async () => {
    const fake = fakeFetch({ [ENDPOINT]: () => json(answer) })
    const result = await requestDeviceAuthorization(
      new DeviceAuthorizationRequest({
        address: ENDPOINT,
        clientId: 'my-cli',
        scope: ['openid', 'offline_access'],
        resource: 'https://api.example.com',
        fetch: fake.fetch,
      }),
    )
    expect(result).toEqual({
      isSuccessful: true,
      deviceCode: 'dc-1',
      userCode: 'WDJB-MJHT',
      verificationUri: 'https://id.example.com/device',
      verificationUriComplete: 'https://id.example.com/device?user_code=WDJB-MJHT',
      expiresIn: 1800,
      interval: 7,
      raw: answer,
      httpStatus: 200,
    })
    const body = new URLSearchParams(await fake.calls[0]!.clone().text())
    expect(Object.fromEntries(body)).toEqual({
      client_id: 'my-cli',
      scope: 'openid offline_access',
      resource: 'https://api.example.com',
    })
  })

  it('authenticates a confidential client like any token request', async () => {
    const fake = fakeFetch({ [ENDPOINT]: () => json(answer) })
    await requestDeviceAuthorization({
      address: ENDPOINT,
      clientId: 'tv',
      clientSecret: 'tv-secret',
      fetch: fake.fetch,
    })
    expect(fake.calls[0]!.headers.get('authorization')).toMatch(/^Basic /)
  })

  it('returns an OAuth error as a protocol failure', async () => {
    const fake = fakeFetch({
      [ENDPOINT]: () => json({ error: 'invalid_client' }, { status: 401 }),
    })
    const result = await requestDeviceAuthorization({
      address: ENDPOINT,
      clientId: 'x',
      fetch: fake.fetch,
    })
    expect(result).toMatchObject({
      isSuccessful: false,
      errorType: 'protocol',
      error: 'invalid_client',
      httpStatus: 401,
    })
  })

  it('rejects with a TypeError without an address or client id', async () => {
    await expect(requestDeviceAuthorization({ clientId: 'x' })).rejects.toThrow(TypeError)
    await expect(requestDeviceAuthorization({ address: ENDPOINT })).rejects.toThrow(TypeError)
  })
})

describe('processDeviceAuthorizationResponse', () => {
  it('defaults the interval to 5 s and accepts numeric strings and verification_url', async () => {
    const { interval: _, verification_uri, ...rest } = answer
    const result = await processDeviceAuthorizationResponse(
      json({ ...rest, verification_url: verification_uri, expires_in: '600' }),
    )
    expect(result).toMatchObject({
      isSuccessful: true,
      interval: 5,
      expiresIn: 600,
      verificationUri: verification_uri,
    })
  })

  it('leaves verificationUriComplete out when the server sends none', async () => {
    const { verification_uri_complete: _, ...rest } = answer
    const result = await processDeviceAuthorizationResponse(json(rest))
    expect(result.isSuccessful).toBe(true)
    expect('verificationUriComplete' in result).toBe(false)
  })

  it.each([
    ['no device_code', { device_code: undefined }],
    ['no user_code', { user_code: '' }],
    ['no verification_uri', { verification_uri: undefined }],
    ['a relative verification_uri', { verification_uri: '/device' }],
    ['a non-string verification_uri_complete', { verification_uri_complete: 7 }],
    ['no expires_in', { expires_in: undefined }],
    ['a zero expires_in', { expires_in: 0 }],
    ['a negative interval', { interval: -1 }],
    ['a non-numeric interval', { interval: 'soon' }],
  ])('refuses a body with %s (invalid_response)', async (_, override) => {
    const result = await processDeviceAuthorizationResponse(json({ ...answer, ...override }))
    expect(result).toMatchObject({
      isSuccessful: false,
      errorType: 'invalid_response',
      httpStatus: 200,
    })
  })

  it('refuses a body that is not JSON (invalid_json) and a 200 with an OAuth error (protocol)', async () => {
    expect(await processDeviceAuthorizationResponse(new Response('<html>'))).toMatchObject({
      errorType: 'invalid_json',
    })
    expect(
      await processDeviceAuthorizationResponse(json({ error: 'unauthorized_client' })),
    ).toMatchObject({ errorType: 'protocol', error: 'unauthorized_client' })
  })
})
