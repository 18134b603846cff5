/**
 * What each browser test file runs: the local web app, the testbed provider registered with the
 * app's URIs, and Chromium.
 */
import { type DiscoverySuccess, getDiscoveryDocument, ProviderCache } from '../../src/index.js'
import { clients, startProvider, type TestProvider } from '../../testbed/provider.js'
import { launchBrowser, type TestBrowser } from './browser.js'
import { startWebApp, type WebApp } from './web-app.js'

export interface BrowserStack {
  readonly op: TestProvider
  readonly app: WebApp
  readonly disco: DiscoverySuccess
  readonly cache: ProviderCache
  readonly browser: TestBrowser
  close(): Promise<void>
}

export async function startBrowserStack(): Promise<BrowserStack> {
  const app = await startWebApp()
  const op = await startProvider({
    redirectUris: [app.redirectUri],
    postLogoutRedirectUris: [app.postLogoutRedirectUri],
    backchannelLogoutUri: app.backchannelLogoutUri,
  })
  const cache = new ProviderCache()
  let browser: TestBrowser | undefined
  try {
    const disco = await getDiscoveryDocument({ address: op.issuer, cache })
    if (!disco.isSuccessful) throw new Error(`discovery failed: ${disco.error}`)
    app.configure({ disco, ...clients.webApp, cache })
    browser = await launchBrowser()
    const started = browser
    return {
      op,
      app,
      disco,
      cache,
      browser: started,
      async close() {
        await started.close()
        await op.stop()
        await app.close()
      },
    }
  } catch (error) {
    await browser?.close()
    await op.stop()
    await app.close()
    throw error
  }
}
