/**
 * Glewlwyd: the device authorization grant (RFC 8628). The device asks for a code and polls
 * with pollDeviceToken while the user, signed in elsewhere, approves the code.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  type DiscoverySuccess,
  getDiscoveryDocument,
  ProviderCache,
  pollDeviceToken,
  requestDeviceAuthorization,
  requestDeviceToken,
  validateIdToken,
  validateToken,
} from '../../../src/index.js'
import {
  CLIENTS,
  glewlwydSkipReason,
  startGlewlwyd,
  type TestGlewlwyd,
} from '../../support/glewlwyd.js'

const skip = glewlwydSkipReason()
if (skip !== undefined) console.warn(skip)

describe.skipIf(skip !== undefined)('Glewlwyd: device flow', () => {
  let glewlwyd: TestGlewlwyd
  let disco: DiscoverySuccess
  const cache = new ProviderCache()
  const client = CLIENTS.service
  const scope = 'openid api:read'

  beforeAll(async () => {
    glewlwyd = await startGlewlwyd()
    const response = await getDiscoveryDocument({ address: glewlwyd.issuer, cache })
    if (!response.isSuccessful) throw new Error(response.error)
    disco = response
  })
  afterAll(async () => {
    await glewlwyd?.stop()
  })

  const authorize = async () => {
    const device = await requestDeviceAuthorization({
      address: disco.deviceAuthorizationEndpoint!,
      clientId: client.clientId,
      clientSecret: client.clientSecret,
      scope,
    })
    if (!device.isSuccessful) throw new Error(device.error)
    return device
  }

  it('hands out a device code, a user code and where to enter it', async () => {
    const device = await authorize()
    expect(device.deviceCode).toEqual(expect.any(String))
    expect(device.userCode).toEqual(expect.any(String))
    expect(device.verificationUri).toBe(`${glewlwyd.issuer}/device`)
    expect(device.verificationUriComplete).toBe(
      `${glewlwyd.issuer}/device?code=${encodeURIComponent(device.userCode)}`,
    )
    expect(device.interval).toBe(1)
    expect(device.expiresIn).toBe(600)
  })

  it('answers authorization_pending until the user approves', async () => {
    const device = await authorize()
    const pending = await requestDeviceToken({
      address: disco.tokenEndpoint!,
      clientId: client.clientId,
      clientSecret: client.clientSecret,
      deviceCode: device.deviceCode,
    })
    expect(pending).toMatchObject({
      isSuccessful: false,
      errorType: 'protocol',
      error: 'authorization_pending',
    })
  })

  it('polls until the user approves, then gets tokens that validate', async () => {
    const device = await authorize()
    // Counts the answers the device has heard (not the requests it has sent).
    let polls = 0
    const countingFetch: typeof fetch = async (input, init) => {
      const response = await fetch(input, init)
      polls++
      return response
    }
    const polling = pollDeviceToken({
      address: disco.tokenEndpoint!,
      clientId: client.clientId,
      clientSecret: client.clientSecret,
      deviceCode: device.deviceCode,
      interval: device.interval,
      expiresIn: device.expiresIn,
      signal: AbortSignal.timeout(45_000),
      fetch: countingFetch,
    })
    // The user approves once the device has polled and heard authorization_pending.
    const started = Date.now()
    while (polls === 0 && Date.now() - started < 20_000) {
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    const session = await glewlwyd.signIn()
    await session.grant(client.clientId, scope)
    await session.approveDevice(device.userCode)

    const tokens = await polling
    if (!tokens.isSuccessful) throw new Error(`${tokens.error} (${tokens.errorType})`)
    expect(polls).toBeGreaterThan(1)
    const idClaims = await validateIdToken(
      tokens.token.id_token!,
      {
        performDisco: true,
        clientId: client.clientId,
        nonce: undefined,
        accessToken: tokens.token.access_token,
        cache,
      },
      glewlwyd.issuer,
    )
    const claims = await validateToken(
      tokens.token.access_token,
      { performDisco: true, audience: scope, cache },
      glewlwyd.issuer,
    )
    expect(claims.sub).toBe(idClaims.sub)
    expect(claims.scope).toBe(scope)
    expect(tokens.token.refresh_token).toEqual(expect.any(String))
  })

  it('stops polling when the caller aborts, with the abort reason', async () => {
    const device = await authorize()
    const reason = new Error('the user closed the app')
    const controller = new AbortController()
    const polling = pollDeviceToken({
      address: disco.tokenEndpoint!,
      clientId: client.clientId,
      clientSecret: client.clientSecret,
      deviceCode: device.deviceCode,
      interval: device.interval,
      signal: controller.signal,
    })
    setTimeout(() => controller.abort(reason), 100)
    await expect(polling).rejects.toBe(reason)
  })

  it('refuses a made-up device code', async () => {
    const response = await requestDeviceToken({
      address: disco.tokenEndpoint!,
      clientId: client.clientId,
      clientSecret: client.clientSecret,
      deviceCode: 'made-up-device-code',
    })
    expect(response.isSuccessful).toBe(false)
    expect(!response.isSuccessful && response.httpStatus).toBeGreaterThanOrEqual(400)
  })
})
