import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

/**
 * `npm run mutation` (StrykerJS, stryker.config.mjs): the unit tests that exercise the JOSE
 * kernel, the resource-server core and DPoP proof validation, the adapter suites (real HTTP
 * servers on 127.0.0.1, no provider) and the conformance vectors. No integration tier: a mutant
 * run must not start providers. Not part of `npm test` or CI (see docs/testing.md).
 */

// Stryker runs this config from a sandbox inside the repository (.stryker-tmp/sandbox-*): the
// conformance spec still lives beside the repository itself.
const here = fileURLToPath(new URL('.', import.meta.url))
const repository = here.split('/.stryker-tmp/')[0]!

/**
 * The suites a run uses; MUTATION_TESTS (comma-separated globs) narrows them for a run scoped to
 * one area, e.g. the kernel, whose every mutant the adapter suites would otherwise re-run.
 */
const suites = process.env.MUTATION_TESTS?.split(',') ?? [
  'test/kernel/**/*.test.ts',
  'test/validation/**/*.test.ts',
  'test/resource-server/**/*.test.ts',
  'test/dpop/**/*.test.ts',
  'test/jwks/**/*.test.ts',
  'test/provider/**/*.test.ts',
  'test/fuzz/**/*.test.ts',
  'test/adapters/{express,fastify,web}.test.ts',
  'test/conformance/**/*.test.ts',
]

export default defineConfig({
  resolve: {
    alias: {
      '#crypto-backend': fileURLToPath(new URL('./src/kernel/backend/node.ts', import.meta.url)),
      '#diagnostics': fileURLToPath(new URL('./src/diagnostics/backend/node.ts', import.meta.url)),
    },
  },
  test: {
    include: suites,
    env: {
      // A tenth of the fuzz runs per mutant (same seed): a mutant a property catches is usually
      // caught in the first runs, and the full count per mutant would take hours.
      FUZZ_RUNS: process.env.FUZZ_RUNS ?? '0.1',
      IDENTITY_MODEL_SPEC_DIR:
        process.env.IDENTITY_MODEL_SPEC_DIR ??
        resolve(repository, '../shared/reference/identity-model-spec'),
    },
    testTimeout: 60_000,
    // One worker, modules shared between files: a mutant run pays no per-file isolation.
    isolate: false,
  },
})
