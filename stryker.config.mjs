// @ts-check
/**
 * Mutation testing (StrykerJS) of the security core: the JOSE kernel, the resource-server core
 * and DPoP proof validation. `npm run mutation` runs all of it (long: tens of minutes on two
 * cores); `npm run mutation -- --mutate 'src/kernel/**\/*.ts'` one part. Never in CI. The score
 * and the surviving mutants are written down in docs/testing.md.
 *
 * @type {import('@stryker-mutator/api/core').PartialStrykerOptions}
 */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.mutation.config.ts' },
  coverageAnalysis: 'perTest',
  mutate: [
    'src/kernel/**/*.ts',
    // Web Crypto only: exercised by the portable suite on Bun, Deno, workerd and Chromium, which
    // Stryker cannot drive (sha2.ts, its synchronous digest, is compared with node:crypto by
    // test/kernel/sha2.test.ts and stays in).
    '!src/kernel/backend/web.ts',
    // Declarations only.
    '!src/kernel/backend/types.ts',
    '!src/kernel/types.ts',
    'src/resource-server/authenticate.ts',
    'src/resource-server/guards.ts',
    'src/resource-server/extract.ts',
    'src/resource-server/challenge.ts',
    'src/resource-server/dpop.ts',
    'src/validation/dpop-proof.ts',
  ],
  concurrency: 1,
  // Re-runs only what changed since the last run (reports/mutation/incremental.json).
  incremental: true,
  incrementalFile: 'reports/mutation/incremental.json',
  ignoreStatic: true,
  timeoutMS: 20_000,
  reporters: ['clear-text', 'progress', 'json'],
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  tempDirName: '.stryker-tmp',
  thresholds: { high: 90, low: 85, break: null },
}
