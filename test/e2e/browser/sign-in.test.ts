/**
 * A user signs in to a small web app through the provider's login and consent pages in a real
 * Chromium; the app gets a validated ID token and the user's claims (code flow with PKCE).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { submitConsent, submitLogin } from '../../support/browser.js'
import { type BrowserStack, startBrowserStack } from '../../support/browser-stack.js'

let stack: BrowserStack

beforeAll(async () => {
  stack = await startBrowserStack()
})

afterAll(async () => {
  await stack?.close()
})

describe('sign-in in Chromium (authorization code + PKCE)', () => {
  it('signs the user in through the login and consent pages; the app validates the tokens', async () => {
    const { app, op, browser } = stack
    const page = await browser.page()
    await page.goto(`${app.origin}/login`)
    expect(page.url().startsWith(`${op.issuer}/interaction/`)).toBe(true)
    await submitLogin(page, 'alice')
    await submitConsent(page)
    await page.waitForURL(`${app.origin}/callback?**`)
    expect(await page.locator('#title').textContent()).toBe('Signed in')
    expect(await page.locator('#sub').textContent()).toBe('alice')
    expect(await page.locator('#email').textContent()).toBe('alice@example.test')

    const signedIn = app.events.find((event) => event.type === 'signed-in')
    expect(signedIn).toMatchObject({
      claims: { iss: op.issuer, sub: 'alice', aud: 'web-app' },
      userInfo: { sub: 'alice', email: 'alice@example.test' },
    })
    // The callback URL carried the RFC 9207 issuer, which the app checked.
    expect(new URL(page.url()).searchParams.get('iss')).toBe(op.issuer)
    await page.close()
  })

  it('signs in again without any page while the provider session lasts (SSO)', async () => {
    const { app, browser } = stack
    const page = await browser.page()
    const before = app.events.length
    await page.goto(`${app.origin}/login`)
    await page.waitForURL(`${app.origin}/callback?**`)
    expect(await page.locator('#sub').textContent()).toBe('alice')
    expect(app.events.slice(before)).toMatchObject([{ type: 'signed-in' }])
    await page.close()
  })

  it('refuses a forged callback (wrong state) in the browser', async () => {
    const { app, op, browser } = stack
    const page = await browser.page()
    // Start a sign-in, so the app expects a callback (prompt=login stops at the login page
    // despite the provider session); then arrive with an attacker's response (right issuer,
    // the attacker's own code and state).
    await page.goto(`${app.origin}/login?prompt=login`)
    await page.locator('input[name=login]').waitFor()
    const forged = new URLSearchParams({
      code: 'attacker-code',
      state: 'attacker-state',
      iss: op.issuer,
    })
    await page.goto(`${app.origin}/callback?${forged}`)
    expect(await page.locator('#title').textContent()).toBe('Sign-in failed')
    expect(await page.locator('#error').textContent()).toMatch(/state/)
    expect(app.events.at(-1)).toMatchObject({ type: 'sign-in-failed' })
    await page.close()
  })
})
