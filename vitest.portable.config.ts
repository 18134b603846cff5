import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

/**
 * `npm run test:portable`: the portable suite on Node, Bun, Deno, workerd (Miniflare) and
 * Chromium (test/portable, docs/runtimes.md). Bun, Deno and Miniflare come from devDependencies;
 * Chromium is Debian's (`.ci/run` installs it). Runs the built package: `npm run build` first.
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
    include: ['test/portable/**/*.test.ts'],
    testTimeout: 30_000,
    // One runtime run (start, bundle, suite) per describe block's hook.
    hookTimeout: 240_000,
    fileParallelism: false,
  },
})
