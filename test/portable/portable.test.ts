/**
 * The portable tier (`npm run test:portable`): the portable suite (test/portable/suite) on Node,
 * Bun, Deno, workerd (Miniflare, no nodejs_compat) and Chromium, against the testbed provider on
 * 127.0.0.1. One vitest test per runtime and case, so CI counts each; for the bundled runtimes,
 * one more test says whether the package bundles without Node built-ins.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startProvider, type TestProvider } from '../../testbed/provider.js'
import { type Consumer, createConsumer } from './harness/consumer.js'
import {
  makeContext,
  makeSharedFixtures,
  REDIRECT_URI,
  type SharedFixtures,
} from './harness/fixtures.js'
import { RUNTIMES } from './harness/runtimes.js'
import { type RuntimeReport, runSuiteOn, SUITE_ENTRY } from './harness/suite-runner.js'
import { caseNames } from './suite/index.js'

let op: TestProvider
let consumer: Consumer
let shared: SharedFixtures
let suiteModule: string

beforeAll(async () => {
  op = await startProvider({ redirectUris: [REDIRECT_URI] })
  consumer = await createConsumer()
  shared = await makeSharedFixtures()
  suiteModule = await consumer.module(SUITE_ENTRY, 'suite')
})

afterAll(async () => {
  await consumer?.remove()
  await op?.stop()
})

describe.each(RUNTIMES)('%s', (runtime) => {
  let report: RuntimeReport | undefined
  let failure: Error | undefined

  beforeAll(async () => {
    try {
      report = await runSuiteOn(
        runtime,
        consumer,
        suiteModule,
        await makeContext(op, runtime, shared),
      )
      const passed = report.results.filter((result) => result.ok).length
      console.log(
        `portable ${runtime} (${report.version}): ${passed}/${report.results.length} cases passed, ${(report.ms / 1000).toFixed(1)} s`,
      )
    } catch (error) {
      // Every test of this runtime then fails with the runner's error.
      failure = error as Error
    }
  })

  const finished = (): RuntimeReport => {
    if (failure !== undefined) throw failure
    if (report === undefined) throw new Error(`the ${runtime} run did not finish`)
    return report
  }

  if (runtime === 'workerd' || runtime === 'chromium') {
    it('bundle: identity-model and identity-model/web bundle with no Node built-in', () => {
      const { bundleFailure } = finished()
      if (bundleFailure !== undefined) throw new Error(bundleFailure.details)
    })
  } else {
    it('runner: the process exits on its own after the suite', () => {
      expect(finished().lingered).toBe(false)
    })
  }

  it('reports exactly the registered cases, once each', () => {
    expect(finished().results.map((result) => result.name)).toEqual(caseNames())
  })

  it.each(caseNames())('%s', (name) => {
    const result = finished().results.find((candidate) => candidate.name === name)
    if (result === undefined) throw new Error(`${runtime} did not report "${name}"`)
    if (!result.ok) throw new Error(result.error)
  })
})
