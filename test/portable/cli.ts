/**
 * The portable suite from the command line, for one or more runtimes, with a readable report:
 *
 *   npm run build && node --import tsx test/portable/cli.ts                 # every runtime
 *   node --import tsx test/portable/cli.ts deno workerd                      # some
 *   node --import tsx test/portable/cli.ts --package=/path/to/pkg node       # another package
 *   node --import tsx test/portable/cli.ts --json                            # the raw reports
 *
 * Exits non-zero when a case failed. CI runs the same through `npm run test:portable`.
 */
import { startProvider } from '../../testbed/provider.js'
import { createConsumer } from './harness/consumer.js'
import { makeContext, makeSharedFixtures, REDIRECT_URI } from './harness/fixtures.js'
import { RUNTIMES } from './harness/runtimes.js'
import { type RuntimeReport, runSuiteOn, SUITE_ENTRY } from './harness/suite-runner.js'
import type { RuntimeName } from './suite/context.js'

const args = process.argv.slice(2)
const json = args.includes('--json')
const packageDir = args.find((arg) => arg.startsWith('--package='))?.slice('--package='.length)
const asked = args.filter((arg) => !arg.startsWith('--'))
for (const name of asked) {
  if (!RUNTIMES.includes(name as RuntimeName)) {
    console.error(`unknown runtime ${name}; one of ${RUNTIMES.join(', ')}`)
    process.exit(2)
  }
}
const runtimes = asked.length > 0 ? (asked as RuntimeName[]) : RUNTIMES

const op = await startProvider({ redirectUris: [REDIRECT_URI] })
const consumer = await createConsumer(packageDir === undefined ? {} : { packageDir })
let failed = 0
try {
  const shared = await makeSharedFixtures()
  const suite = await consumer.module(SUITE_ENTRY, 'suite')
  const reports: RuntimeReport[] = []
  for (const runtime of runtimes) {
    let report: RuntimeReport
    try {
      report = await runSuiteOn(runtime, consumer, suite, await makeContext(op, runtime, shared))
    } catch (error) {
      failed++
      console.error(`${runtime}: the runner failed: ${(error as Error).message}`)
      continue
    }
    reports.push(report)
    const bad = report.results.filter((r) => !r.ok)
    failed += bad.length
    if (json) continue
    console.log(
      `\n${runtime} (${report.version}): ${report.results.length - bad.length}/${report.results.length} passed in ${(report.ms / 1000).toFixed(1)} s${report.lingered ? ' (the process did not exit on its own)' : ''}`,
    )
    if (report.bundleFailure) console.log(report.bundleFailure.details)
    const shown = new Set<string>()
    for (const result of bad) {
      // Many cases fail for one reason when the package does not load: say it once.
      if (shown.has(result.error ?? '')) continue
      shown.add(result.error ?? '')
      const same = bad.filter((other) => other.error === result.error).length
      console.log(
        `  FAIL ${result.name}${same > 1 ? ` (and ${same - 1} more for the same reason)` : ''}\n       ${result.error}`,
      )
    }
  }
  if (json) console.log(JSON.stringify(reports, null, 2))
} finally {
  await consumer.remove()
  await op.stop()
}
process.exitCode = failed > 0 ? 1 : 0
