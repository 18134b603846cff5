/**
 * Shared settings of the property-based (fast-check) suites in test/fuzz. The seed and the run
 * counts are fixed so a CI run is reproducible and its time bounded (the whole set runs in
 * seconds); `FUZZ_SEED=<n>` and `FUZZ_RUNS=<factor>` explore further on a developer's machine,
 * and a failure prints the seed and path that reproduce it.
 */
import fc from 'fast-check'
import { expect } from 'vitest'
import { IdentityModelError } from '../../src/index.js'

const SEED = process.env.FUZZ_SEED === undefined ? 20_261_205 : Number(process.env.FUZZ_SEED)
const FACTOR = process.env.FUZZ_RUNS === undefined ? 1 : Number(process.env.FUZZ_RUNS)

/** fast-check parameters: a fixed seed and `numRuns` runs (times FUZZ_RUNS). */
export function runs(numRuns: number): fc.Parameters<unknown> {
  return { seed: SEED, numRuns: Math.max(1, Math.round(numRuns * FACTOR)) }
}

/** Any string, including lone surrogates and control characters, up to `max` code units. */
export function anyString(max = 300): fc.Arbitrary<string> {
  return fc.string({ unit: 'binary', maxLength: max })
}

/** A string over `alphabet`, up to `max` characters. */
export function stringOf(alphabet: string, max = 200): fc.Arbitrary<string> {
  return fc.string({ unit: fc.constantFrom(...alphabet), maxLength: max })
}

export const BASE64URL_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'

/**
 * Runs `act` and returns what it threw, failing the test when it threw anything but one of the
 * library's typed errors with one of `codes` (a `TypeError` is a caller mistake, never an
 * answer to hostile input).
 */
export async function onlyTyped(
  act: () => unknown,
  codes: readonly string[],
): Promise<IdentityModelError | undefined> {
  try {
    await act()
    return undefined
  } catch (error) {
    expect(error).toBeInstanceOf(IdentityModelError)
    expect(codes).toContain((error as IdentityModelError).code)
    return error as IdentityModelError
  }
}

/** `token` with the character at `index` replaced by `by` (which differs from it). */
export function mutateAt(token: string, index: number, by: string): string {
  return token.slice(0, index) + by + token.slice(index + 1)
}

/** A one-character change of `token`: an index and a different character of `alphabet`. */
export function oneCharMutation(token: string, alphabet = `${BASE64URL_ALPHABET}.`) {
  return fc
    .tuple(fc.nat({ max: token.length - 1 }), fc.constantFrom(...alphabet))
    .filter(([index, by]) => token[index] !== by)
    .map(([index, by]) => mutateAt(token, index, by))
}
