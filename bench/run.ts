/**
 * `npm run bench`: every scenario in one process run, each figure a ratio against baselines
 * measured in the same run. Writes bench/results/latest.md.
 *
 *   npm run bench                  # everything
 *   npm run bench -- --quick       # fewer rounds, shorter HTTP runs, 100k-validation memory run
 *   npm run bench -- --only=sequential,concurrent
 *
 * Scenarios: sequential, concurrent, cold-burst, kid-flood, http, token-cache, fleet (needs
 * redis-server), memory, runtimes (Node, Bun, Deno, workerd).
 */
import { writeFileSync } from 'node:fs'
import { cpus, loadavg, totalmem } from 'node:os'
import { fleetBench } from './fleet.js'
import { ALGS, type Alg } from './lib/fixtures.js'
import { coldBurst } from './scenarios/cold-burst.js'
import { concurrent } from './scenarios/concurrent.js'
import { http } from './scenarios/http.js'
import { kidFlood } from './scenarios/kid-flood.js'
import { memory } from './scenarios/memory.js'
import { runtimes } from './scenarios/runtimes.js'
import { sequential } from './scenarios/sequential.js'
import { tokenCache } from './scenarios/token-cache.js'

const args = process.argv.slice(2)
const quick = args.includes('--quick')
const only = args
  .find((arg) => arg.startsWith('--only='))
  ?.slice(7)
  .split(',')
const wanted = (name: string) => !only || only.includes(name)
const rounds = quick ? 3 : 7

const machine = `${cpus().length} x ${cpus()[0]?.model ?? 'unknown CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, load average at start ${loadavg()
  .map((l) => l.toFixed(2))
  .join(' ')}`
console.log(`identity-model benchmarks on ${machine}\n`)

const sections: string[] = []
const checks: string[] = []
const step = async (name: string, run: () => Promise<{ markdown: string; checks: string[] }>) => {
  if (!wanted(name)) return
  const started = performance.now()
  const result = await run()
  sections.push(result.markdown)
  checks.push(...result.checks)
  console.log(
    `${result.markdown}\n\n(${name}: ${((performance.now() - started) / 1000).toFixed(0)} s)\n`,
  )
}

const algs: Alg[] = [...ALGS, 'HS256']
await step('sequential', () => sequential(algs, rounds))
await step('concurrent', () => concurrent(['RS256', 'ES256'], rounds))
await step('cold-burst', () => coldBurst())
await step('kid-flood', () => kidFlood(rounds))
await step('http', () => http(quick ? 3 : 5, quick ? 1 : 2))
await step('token-cache', () => tokenCache(rounds))
await step('fleet', async () => {
  // Needs redis-server (Debian package); .ci/run installs it.
  const { markdown, checks } = await fleetBench()
  return { markdown: markdown.replace(/^## /, '### '), checks }
})
await step('memory', () => memory(quick ? 100_000 : 1_000_000))
await step('runtimes', () => runtimes(rounds))

const summary = checks.map((line) => `- ${line}`).join('\n')
const report = `# Benchmark results\n\nMachine: ${machine}.\n\nEvery figure is a ratio against baselines measured in the same run (absolute numbers drift on a shared machine). Medians of ${rounds} interleaved rounds.\n\n## Targets\n\n${summary}\n\n${sections.join('\n\n')}\n`
writeFileSync(new URL('./results/latest.md', import.meta.url), report)
console.log(`## Targets\n\n${summary}\n\nWritten to bench/results/latest.md`)
