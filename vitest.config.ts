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
 * Test files outside test/integration that start a real provider, a server or a child process:
 * the integration tier runs them, the unit tier leaves them out.
 */
const STARTS_A_PROVIDER = [
  'test/adapters/express.test.ts',
  'test/adapters/fastify.test.ts',
  'test/adapters/hono.test.ts',
  'test/adapters/web.test.ts',
  'test/cli/cli.test.ts',
  'test/endpoints/userinfo.test.ts',
  'test/fapi/**/*.test.ts',
  'test/faults/http-faults.test.ts',
  'test/token-manager/renewal-promise.test.ts',
  'test/token-manager/user-token-provider.test.ts',
  'test/validation/id-token.test.ts',
  'test/validation/logout-token.test.ts',
]
const ELSEWHERE = ['test/e2e/**', 'test/portable/**', 'test/package/**', 'node_modules/**']

/**
 * `npm test`: every tier below (the README's command; `pretest` builds). Each tier alone:
 * - `npm run test:unit`: no network, no provider, no build (test/support/no-network.ts refuses
 *   any socket), well under a minute;
 * - `npm run test:integration`: against the embedded provider on 127.0.0.1, the CLI binary, the
 *   examples and the packed package;
 * - `npm run test:conformance`: py-identity-model's language-neutral spec (fails in CI without
 *   it, skips elsewhere).
 * The slower tiers that need Chromium or Redis live in test/e2e (vitest.e2e.config.ts); the
 * portable suite on other runtimes in test/portable (vitest.portable.config.ts).
 */
/** Each tier runs the sources on Node with the backend the package's `imports` map picks there. */
const diagnostics = fileURLToPath(new URL('./src/diagnostics/backend/node.ts', import.meta.url))
const tlsTransport = fileURLToPath(new URL('./src/http/tls/node.ts', import.meta.url))
const onNode = {
  alias: {
    '#crypto-backend': backend('node'),
    '#diagnostics': diagnostics,
    '#tls-transport': tlsTransport,
  },
}

export default defineConfig({
  test: {
    testTimeout: 20_000,
    hookTimeout: 30_000,
    // Integration files each start their own provider on a free port; two workers fit two cores.
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        resolve: onNode,
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts'],
          exclude: [
            ...ELSEWHERE,
            'test/integration/**',
            'test/conformance/**',
            'test/examples/**',
            ...STARTS_A_PROVIDER,
          ],
          setupFiles: ['test/support/no-network.ts'],
        },
      },
      {
        extends: true,
        resolve: onNode,
        test: {
          name: 'integration',
          include: [
            'test/integration/**/*.test.ts',
            'test/examples/**/*.test.ts',
            ...STARTS_A_PROVIDER,
          ],
          exclude: ELSEWHERE,
        },
      },
      {
        extends: true,
        resolve: onNode,
        test: {
          name: 'conformance',
          include: ['test/conformance/**/*.test.ts'],
          exclude: ELSEWHERE,
        },
      },
      {
        extends: true,
        // The Web Crypto backend (Workers, Vercel Edge, browsers), on Node's crypto.subtle.
        resolve: {
          alias: {
            '#crypto-backend': backend('web'),
            '#diagnostics': diagnostics,
            '#tls-transport': tlsTransport,
          },
        },
        test: {
          name: 'web-backend',
          include: KERNEL_TESTS,
          exclude: ELSEWHERE,
          env: { IDENTITY_MODEL_TEST_BACKEND: 'web' },
        },
      },
    ],
  },
})
