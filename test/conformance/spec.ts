/**
 * The conformance runner's plumbing: reads py-identity-model's language-neutral cases from
 * `../shared/reference/identity-model-spec` at test time (never copied into this repository),
 * and registers one test per case id. Every id in a capability file must have an
 * implementation here; a missing or extra one fails the suite, so no case is silently skipped.
 * Where `../shared` is absent (a user's fresh clone, or a CI checkout without it) the suites skip
 * with a clear message naming the path; `.ci/run` prints whether the spec was found. A spec
 * directory named explicitly by `IDENTITY_MODEL_SPEC_DIR` that does not exist fails instead: that
 * is a mistake in the set-up, not a clone without the spec.
 */
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..')

/** Where the spec lives: IDENTITY_MODEL_SPEC_DIR, else ../shared next to the repository. */
export const SPEC_DIR =
  process.env.IDENTITY_MODEL_SPEC_DIR ||
  resolve(repoRoot, '../shared/reference/identity-model-spec')

export const specAvailable = existsSync(join(SPEC_DIR, 'conformance'))

/** The spec directory was named explicitly (IDENTITY_MODEL_SPEC_DIR), so it must exist. */
const specRequired = (process.env.IDENTITY_MODEL_SPEC_DIR ?? '') !== ''

export interface SpecVector {
  readonly name?: string
  readonly token: {
    readonly static?: string
    readonly signing_key?: 'fixture' | 'ephemeral'
    readonly header_kid?: string
    readonly alg?: string
    readonly claims?: Record<string, unknown>
  }
  readonly options: Record<string, unknown>
  readonly expect: {
    outcome: 'accept' | 'reject'
    error?: string
    claim?: string
    claims?: Record<string, unknown>
  }
}

export interface SpecCase {
  readonly id: string
  readonly title: string
  readonly fixture?: string
  readonly vectors?: readonly SpecVector[]
  readonly execution?: string
  readonly [member: string]: unknown
}

export interface Capability {
  readonly capability: string
  readonly tests: readonly SpecCase[]
  readonly [member: string]: unknown
}

export function loadCapability(name: string): Capability {
  return JSON.parse(
    readFileSync(join(SPEC_DIR, 'conformance', `${name}.json`), 'utf8'),
  ) as Capability
}

/** A fixture file as JSON (`fixtureJson('discovery/valid.json')`). */
export function fixtureJson<T = Record<string, unknown>>(path: string): T {
  return JSON.parse(fixtureText(path)) as T
}

export function fixtureText(path: string): string {
  return readFileSync(join(SPEC_DIR, 'test-fixtures', path), 'utf8')
}

export type CaseImplementation = (testCase: SpecCase) => void | Promise<void>

/**
 * Registers the conformance suite of one capability: a test per case id running its
 * implementation, and a test asserting that the implementations cover exactly the file's ids.
 */
export function conformanceSuite(
  name: string,
  implementations: Record<string, CaseImplementation>,
): void {
  if (!specAvailable && specRequired) {
    describe(`conformance: ${name}`, () => {
      it('needs the spec', () => {
        throw new Error(
          `IDENTITY_MODEL_SPEC_DIR names ${SPEC_DIR}, which has no conformance/ folder`,
        )
      })
    })
    return
  }
  if (!specAvailable) {
    describe.skip(`conformance: ${name} (skipped: ${SPEC_DIR} not found; it ships beside the repository as ../shared, or set IDENTITY_MODEL_SPEC_DIR)`, () => {
      it('needs the spec', () => {})
    })
    return
  }
  const capability = loadCapability(name)
  const executed = new Set<string>()
  describe(`conformance: ${name} (${capability.tests.length} cases)`, () => {
    afterAll(() => {
      console.log(
        `conformance ${name}: ${executed.size} of ${capability.tests.length} case ids executed`,
      )
      expect(executed.size).toBe(capability.tests.length)
    })
    it('has an implementation for every case id, and no other', () => {
      const ids = capability.tests.map((testCase) => testCase.id).sort()
      expect(Object.keys(implementations).sort()).toEqual(ids)
    })
    for (const testCase of capability.tests) {
      const run = implementations[testCase.id]
      it(`${testCase.id} ${testCase.title}`, async () => {
        if (!run) throw new Error(`no implementation for ${testCase.id}`)
        executed.add(testCase.id)
        await run(testCase)
      })
    }
  })
}
