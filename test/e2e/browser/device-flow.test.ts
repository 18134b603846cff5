/**
 * The device flow's user step in a real Chromium: while the device polls with pollDeviceToken,
 * the user opens verification_uri_complete, confirms the code, logs in and consents.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { pollDeviceToken, requestDeviceAuthorization, validateIdToken } from '../../../src/index.js'
import { submitConsent, submitLogin } from '../../support/browser.js'
import { type BrowserStack, startBrowserStack } from '../../support/browser-stack.js'

let stack: BrowserStack

beforeAll(async () => {
  stack = await startBrowserStack()
})

afterAll(async () => {
  await stack?.close()
})

describe('device flow in Chromium (RFC 8628)', () => {
  it('the device gets validated tokens once the user approves in the browser', async () => {
    const { disco, op, browser, cache } = stack
    const device = await requestDeviceAuthorization({
      address: disco.deviceAuthorizationEndpoint,
      clientId: 'public-app',
      scope: 'openid offline_access',
    })
    if (!device.isSuccessful) throw new Error(device.error)
    let polls = 0
    const countingFetch: typeof fetch = (input, init) => {
      polls++
      return fetch(input, init)
    }
    const polling = pollDeviceToken({
      address: disco.tokenEndpoint,
      clientId: 'public-app',
      deviceCode: device.deviceCode,
      interval: 0.5,
      expiresIn: device.expiresIn,
      signal: AbortSignal.timeout(45_000),
      fetch: countingFetch,
    })

    const page = await browser.page()
    await page.goto(device.verificationUriComplete!)
    // The page submits the code itself, then asks the user to compare it with the device's.
    await page.locator('code').waitFor()
    expect(await page.locator('code').textContent()).toBe(device.userCode)
    await page.locator('button[autofocus]').click()
    await submitLogin(page, 'heidi')
    await submitConsent(page)
    await page.getByText('Sign-in Success').first().waitFor()

    const tokens = await polling
    if (!tokens.isSuccessful) throw new Error(tokens.error)
    expect(polls).toBeGreaterThan(1) // it was really waiting on authorization_pending
    const claims = await validateIdToken(
      tokens.token.id_token!,
      { performDisco: true, clientId: 'public-app', nonce: undefined, cache },
      op.issuer,
    )
    expect(claims.sub).toBe('heidi')
    expect(tokens.token.refresh_token).toBeDefined()
    await page.close()
  })

  it('the device learns access_denied when the user aborts in the browser', async () => {
    const { disco, browser } = stack
    const device = await requestDeviceAuthorization({
      address: disco.deviceAuthorizationEndpoint,
      clientId: 'public-app',
      scope: 'openid',
    })
    if (!device.isSuccessful) throw new Error(device.error)
    const polling = pollDeviceToken({
      address: disco.tokenEndpoint,
      clientId: 'public-app',
      deviceCode: device.deviceCode,
      interval: 0.5,
      signal: AbortSignal.timeout(45_000),
    })
    const page = await browser.page()
    await page.goto(device.verificationUriComplete!)
    await page.locator('button[name=abort]').click()
    expect(await polling).toMatchObject({
      isSuccessful: false,
      errorType: 'protocol',
      error: 'access_denied',
    })
    await page.close()
  })
})
