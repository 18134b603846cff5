import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

/**
 * `npm test`: unit tests and integration tests against the embedded provider. Needs nothing but
 * `npm ci`. The slower tiers that need Chromium or Redis live in test/e2e (vitest.e2e.config.ts); the
 * portable suite on other runtimes in test/portable (vitest.portable.config.ts).
 */
export default defineConfig({
  resolve: {
    // The sources run on Node here: the crypto backend the package's `imports` map picks on Node
    // (the Web Crypto one is tested directly, and on the other runtimes by the portable suite).
    alias: {
      '#crypto-backend': fileURLToPath(new URL('./src/kernel/backend/node.ts', import.meta.url)),
      '#tls-transport': fileURLToPath(new URL('./src/http/tls/node.ts', import.meta.url)),
    },
  },
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/e2e/**', 'test/portable/**', 'node_modules/**'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    // Integration files each start their own provider on a free port; two workers fit two cores.
    maxWorkers: 2,
  },
})
