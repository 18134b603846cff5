/**
 * A real browser for the end-to-end tests: Debian's Chromium (/usr/bin/chromium) driven by
 * playwright-core, in a fresh profile, headless, with every request that does not go to
 * 127.0.0.1 aborted (the tests talk to the local provider and app only; the provider's pages
 * ask for a web font, which is refused).
 */
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type BrowserContext, chromium, type Page } from 'playwright-core'

export const CHROMIUM_PATH = '/usr/bin/chromium'

/**
 * Flags known to work for Debian Chromium in a container (see real-provider notes), plus a
 * proxy on a closed port for everything but 127.0.0.1: Playwright's routes never see the hops
 * of a redirect, so a redirect to another host would otherwise slip past `context.route`; with
 * the proxy it fails (ERR_PROXY_CONNECTION_FAILED), IP literals included.
 */
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--proxy-server=http://127.0.0.1:9',
  '--proxy-bypass-list=127.0.0.1',
]

/** Waits for anything in a browser test (a navigation, a selector) at most this long. */
export const BROWSER_WAIT_MS = 15_000

export interface TestBrowser {
  readonly context: BrowserContext
  /** A new tab. */
  page(): Promise<Page>
  /** Requests that were aborted because they left 127.0.0.1. */
  readonly blocked: readonly string[]
  close(): Promise<void>
}

/**
 * Launches Chromium with a fresh profile folder (plus `args`, e.g. to trust a test server's
 * certificate). Fails with the install command when Chromium is missing: these tests never
 * download a browser.
 */
export async function launchBrowser(
  options: { readonly args?: readonly string[] } = {},
): Promise<TestBrowser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium is not installed at ${CHROMIUM_PATH}: run "apt-get install -y chromium" (the e2e tests never download a browser)`,
    )
  }
  const profile = await mkdtemp(join(tmpdir(), 'identity-model-chromium-'))
  let context: BrowserContext
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: [...CHROMIUM_ARGS, ...(options.args ?? [])],
      timeout: 30_000,
    })
  } catch (error) {
    await rm(profile, { recursive: true, force: true })
    throw error
  }
  context.setDefaultTimeout(BROWSER_WAIT_MS)
  context.setDefaultNavigationTimeout(BROWSER_WAIT_MS)
  const blocked: string[] = []
  await context.route('**/*', (route) => {
    const url = new URL(route.request().url())
    if (url.hostname === '127.0.0.1') return route.continue()
    blocked.push(url.origin)
    return route.abort('blockedbyclient')
  })
  return {
    context,
    blocked,
    page: () => context.newPage(),
    async close() {
      await context.close().catch(() => {})
      await rm(profile, { recursive: true, force: true })
    },
  }
}

/** Fills in the testbed provider's development login page and submits it. */
export async function submitLogin(page: Page, login: string): Promise<void> {
  await page.locator('input[name=login]').fill(login)
  await page.locator('input[name=password]').fill('any password')
  await page.locator('button[type=submit]').click()
}

/** Confirms the testbed provider's consent page. */
export async function submitConsent(page: Page): Promise<void> {
  await page.locator('input[name=prompt][value=consent]').waitFor({ state: 'attached' })
  await page.locator('button[type=submit]').first().click()
}
