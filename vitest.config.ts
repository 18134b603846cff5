import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

const backend = (name: 'node' | 'web') =>
  fileURLToPath(new URL(`./src/kernel/backend/${name}.ts`, import.meta.url))

/**
 * The tests that exercise the JOSE kernel through its public callers: run a second time with
 * the Web Crypto backend (project `web-backend`), so both backends are proven by the same tests
 * on Node. Cases that hand the library a Node.js `KeyObject` skip themselves there
 * (test/support/backend.ts).
 */
const KERNEL_TESTS = [
  'test/validation/**/*.test.ts',
  'test/dpop/**/*.test.ts',
  'test/client-auth/**/*.test.ts',
  'test/conformance/**/*.test.ts',
  'test/jwks/**/*.test.ts',
  'test/authorization/**/*.test.ts',
  'test/resource-server/**/*.test.ts',
]

/**
 * `npm test`: unit tests and integration tests against the embedded provider. Needs nothing but
 * `npm ci`. The slower tiers that need Chromium or Redis live in test/e2e (vitest.e2e.config.ts); the
 * portable suite on other runtimes in test/portable (vitest.portable.config.ts).
 */
export default defineConfig({
  test: {
    testTimeout: 20_000,
    hookTimeout: 30_000,
    // Integration files each start their own provider on a free port; two workers fit two cores.
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        // The sources run on Node here: the crypto backend the package's `imports` map picks on
        // Node.
        resolve: { alias: { '#crypto-backend': backend('node') } },
        test: {
          name: 'node',
          include: ['test/**/*.test.ts'],
          exclude: ['test/e2e/**', 'test/portable/**', 'node_modules/**'],
        },
      },
      {
        extends: true,
        // The Web Crypto backend (Workers, Vercel Edge, browsers), on Node's crypto.subtle.
        resolve: { alias: { '#crypto-backend': backend('web') } },
        test: {
          name: 'web-backend',
          include: KERNEL_TESTS,
          env: { IDENTITY_MODEL_TEST_BACKEND: 'web' },
        },
      },
    ],
  },
})
