/**
 * Logout in a real Chromium: RP-initiated logout through createEndSessionUrl reaching the app's
 * post_logout_redirect_uri, and back-channel logout tokens reaching the app's receiver, which
 * validates them with validateLogoutToken and ends the user's sessions.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { submitConsent, submitLogin } from '../../support/browser.js'
import { type BrowserStack, startBrowserStack } from '../../support/browser-stack.js'
import type { AppEvent } from '../../support/web-app.js'

let stack: BrowserStack

beforeAll(async () => {
  stack = await startBrowserStack()
})

afterAll(async () => {
  await stack?.close()
})

async function signInInBrowser(login: string): Promise<void> {
  const { app, browser } = stack
  const page = await browser.page()
  await page.goto(`${app.origin}/login`)
  if (page.url().includes('/interaction/')) {
    await submitLogin(page, login)
    await submitConsent(page)
  }
  await page.waitForURL(`${app.origin}/callback?**`)
  expect(await page.locator('#sub').textContent()).toBe(login)
  await page.close()
}

/** Waits (bounded) for an app event of the given type after index `from`. */
async function eventAfter(from: number, type: AppEvent['type']): Promise<AppEvent> {
  for (let waited = 0; waited < 5000; waited += 50) {
    const event = stack.app.events.slice(from).find((candidate) => candidate.type === type)
    if (event !== undefined) return event
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  throw new Error(`no ${type} event within 5 s: ${JSON.stringify(stack.app.events.slice(from))}`)
}

describe('logout in Chromium', () => {
  it('RP-initiated: the app’s /logout ends the provider session and comes back with its state', async () => {
    const { app, op, browser } = stack
    await signInInBrowser('ivan')
    const from = app.events.length
    const page = await browser.page()
    await page.goto(`${app.origin}/logout`)
    // The provider asks the user to confirm.
    expect(page.url().startsWith(`${op.issuer}/session/end`)).toBe(true)
    await page.locator('button[name=logout]').click()
    await page.waitForURL(`${app.postLogoutRedirectUri}?**`)
    expect(await page.locator('#title').textContent()).toBe('Signed out')
    expect(await eventAfter(from, 'signed-out')).toMatchObject({ stateMatched: true })
    // The provider also told the app over the back channel, with a token the app validated.
    expect(await eventAfter(from, 'backchannel-logout')).toMatchObject({
      claims: { iss: op.issuer, aud: 'web-app', sub: 'ivan' },
    })
    // The provider session is gone: signing in again shows the login page.
    await page.goto(`${app.origin}/login`)
    await page.locator('input[name=login]').waitFor()
    await page.close()
  })

  it('back-channel: logging out at the provider ends the user’s session in the app', async () => {
    const { app, op, disco, browser } = stack
    await signInInBrowser('judy')
    const page = await browser.page()
    await page.goto(app.origin)
    expect(await page.locator('#title').textContent()).toBe('Signed in')

    const from = app.events.length
    // The user signs out at the provider directly (another tab, another app).
    await page.goto(disco.endSessionEndpoint!)
    await page.locator('button[name=logout]').click()
    await page.waitForURL(`${op.issuer}/session/end/success**`)
    const logout = await eventAfter(from, 'backchannel-logout')
    expect(logout).toMatchObject({ claims: { sub: 'judy' }, endedSessions: 1 })
    expect(
      app.events.slice(from).some((event) => event.type === 'backchannel-logout-refused'),
    ).toBe(false)

    await page.goto(app.origin)
    expect(await page.locator('#title').textContent()).toBe('Anonymous')
    await page.close()
  })
})
