import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

/**
 * `npm run test:e2e`: end-to-end tests with a real Chromium (Debian `chromium`), a real
 * `redis-server` and a real Glewlwyd (Debian `glewlwyd`), all installed by `.ci/run`. Files run
 * one at a time: each drives real processes and a browser.
 */
export default defineConfig({
  resolve: {
    alias: {
      '#crypto-backend': fileURLToPath(new URL('./src/kernel/backend/node.ts', import.meta.url)),
      '#diagnostics': fileURLToPath(new URL('./src/diagnostics/backend/node.ts', import.meta.url)),
      '#tls-transport': fileURLToPath(new URL('./src/http/tls/node.ts', import.meta.url)),
    },
  },
  test: {
    include: ['test/e2e/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    fileParallelism: false,
  },
})
