import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    // Integration files each start their own provider on a free port; two workers fit two cores.
    maxWorkers: 2,
  },
})
