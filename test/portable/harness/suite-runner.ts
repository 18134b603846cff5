/**
 * Runs the portable suite on one runtime and checks the shape of what came back. Shared by the
 * vitest tier (portable.test.ts) and the command line (cli.ts).
 */
import { fileURLToPath } from 'node:url'
import type { PortableContext, RuntimeName } from '../suite/context.js'
import type { CaseResult, SuiteReport } from '../suite/index.js'
import type { Consumer } from './consumer.js'
import { type RunOutcome, runOn } from './runtimes.js'

/** The suite's entry, compiled into a consumer with `consumer.module(SUITE_ENTRY, 'suite')`. */
export const SUITE_ENTRY = fileURLToPath(new URL('../suite/index.ts', import.meta.url))

export interface RuntimeReport extends Omit<RunOutcome, 'output'> {
  readonly runtime: RuntimeName
  /** The runtime the suite detected itself on. */
  readonly detected: string
  readonly results: readonly CaseResult[]
  /** Wall time of the whole run (start, bundle if any, suite), in milliseconds. */
  readonly ms: number
}

export async function runSuiteOn(
  runtime: RuntimeName,
  consumer: Consumer,
  suiteModule: string,
  context: PortableContext,
  timeoutMs = 180_000,
): Promise<RuntimeReport> {
  const started = performance.now()
  const { output, ...outcome } = await runOn(runtime, consumer, suiteModule, context, {
    timeoutMs,
    pageOrigin: context.issuer,
  })
  const report = output as Partial<SuiteReport> | null
  if (report === null || typeof report !== 'object' || !Array.isArray(report.results)) {
    throw new Error(
      `${runtime} sent something that is not a suite report: ${JSON.stringify(output)?.slice(0, 300)}`,
    )
  }
  for (const result of report.results as unknown[]) {
    const r = result as Partial<CaseResult>
    if (typeof r.name !== 'string' || typeof r.ok !== 'boolean') {
      throw new Error(
        `${runtime} sent a malformed case result: ${JSON.stringify(result)?.slice(0, 300)}`,
      )
    }
  }
  return {
    ...outcome,
    runtime,
    detected: String(report.runtime),
    results: report.results,
    ms: Math.round(performance.now() - started),
  }
}
