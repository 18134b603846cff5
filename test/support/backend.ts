/**
 * Which crypto backend the sources under test run on: `node` (project `node` of `npm test`) or
 * `web` (project `web-backend`, which aliases `#crypto-backend` to the Web Crypto backend and
 * runs the kernel's callers a second time; see vitest.config.ts).
 */
import { it } from 'vitest'

export const TEST_BACKEND: 'node' | 'web' =
  process.env.IDENTITY_MODEL_TEST_BACKEND === 'web' ? 'web' : 'node'

/**
 * `it` for a case that hands the library a Node.js `KeyObject`: skipped on the web backend,
 * which takes JWKs and `CryptoKey`s only (a `KeyObject` is refused there with a `TypeError`, as
 * on Workers and in browsers, which have none).
 */
export const itWithKeyObjects: typeof it = it.skipIf(TEST_BACKEND === 'web') as typeof it
