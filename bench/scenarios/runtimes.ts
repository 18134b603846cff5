/**
 * Scenario: validation on other runtimes. In one run per runtime and crypto backend (Node for
 * reference, Bun and Deno with each backend, workerd through Miniflare without nodejs_compat),
 * RS256, ES256, EdDSA and HS256 tokens are validated with identity-model's `validateToken`
 * (static key), with `jose.jwtVerify` and with raw `crypto.subtle.verify`, all on that runtime
 * (bench/portable/validation.ts), run by the portable tier's harness the way the suite is. On Bun
 * and Deno both backends are measured (a copy of the package with `#crypto-backend` forced, see
 * test/portable/harness/backend-variant.ts): the `bun` and `deno` conditions of the package's
 * `imports` map pick the faster. Ratios only: absolute rates drift between runs here.
 */
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import {
  type BackendName,
  type BackendVariant,
  backendVariant,
} from '../../test/portable/harness/backend-variant.js'
import { type Consumer, createConsumer, ROOT } from '../../test/portable/harness/consumer.js'
import { runOn } from '../../test/portable/harness/runtimes.js'
import type { RuntimeName } from '../../test/portable/suite/context.js'
import { makeKey, makeTokens } from '../lib/fixtures.js'
import { ratio, table } from '../lib/measure.js'
import {
  type BenchAlg,
  type BenchInput,
  type BenchOutput,
  JOSE,
  OURS,
  RAW,
} from '../portable/validation.js'

const ENTRY = fileURLToPath(new URL('../portable/validation.ts', import.meta.url))
/** What runs where: the backend a run forces (a package copy), or `undefined` for the package as is. */
const RUNS: readonly { runtime: RuntimeName; backend: BackendName | undefined }[] = [
  { runtime: 'node', backend: undefined },
  { runtime: 'bun', backend: 'node' },
  { runtime: 'bun', backend: 'web' },
  { runtime: 'deno', backend: 'node' },
  { runtime: 'deno', backend: 'web' },
  { runtime: 'deno', backend: 'deno' },
  { runtime: 'workerd', backend: undefined },
]
/**
 * The conditions each runtime's resolver matches, in the order of its checks (probed with Node
 * 20, Bun 1.4.4 and Deno 2.9.6; workerd as bundled by esbuild for Wrangler). The backend a
 * runtime gets is the first `#crypto-backend` entry whose condition it matches.
 */
const CONDITIONS: Readonly<Record<RuntimeName, readonly string[]>> = {
  node: ['node', 'import', 'default'],
  bun: ['bun', 'node', 'import', 'default'],
  deno: ['deno', 'node', 'import', 'default'],
  workerd: ['workerd', 'worker', 'browser', 'import', 'default'],
  chromium: ['browser', 'import', 'default'],
}
const ALGS = ['RS256', 'ES256', 'EdDSA', 'HS256'] as const
/** The algorithms the targets are set for. */
const TARGET_ALGS: readonly string[] = ['RS256', 'ES256']
const ISSUER = 'https://issuer.example.test'
/** Issue 9: validation at >= 0.9x raw subtle on Bun, Deno and workerd. */
const TARGET = 0.9

/** The backend the package's `imports` map gives a runtime (see CONDITIONS). */
export function pickedBackend(runtime: RuntimeName): BackendName | undefined {
  const manifest = JSON.parse(readFileSync(`${ROOT}/package.json`, 'utf8')) as {
    imports?: Record<string, unknown>
  }
  // Conditions nest (`import` → `deno` → file): the first matching key at each level, in order.
  let target: unknown = manifest.imports?.['#crypto-backend']
  while (target !== null && typeof target === 'object') {
    target = Object.entries(target).find(([condition]) =>
      CONDITIONS[runtime].includes(condition),
    )?.[1]
  }
  if (typeof target !== 'string') return undefined
  return /\/(node|web|deno)\.c?js$/.exec(target)?.[1] as BackendName | undefined
}

/** BENCH_RUNTIMES=workerd,deno measures only those (Node always: the reference). */
function wantedRuntime(runtime: RuntimeName): boolean {
  const only = process.env.BENCH_RUNTIMES
  return !only || runtime === 'node' || only.split(',').includes(runtime)
}

export async function runtimes(rounds: number): Promise<{ markdown: string; checks: string[] }> {
  const algs: BenchAlg[] = []
  for (const alg of ALGS) {
    const key = makeKey(alg)
    algs.push({
      alg,
      jwk: key.publicJwk as Record<string, unknown>,
      issuer: ISSUER,
      audience: 'my-api',
      tokens: await makeTokens(key, ISSUER, 200),
    })
  }
  const input: BenchInput = { algs, rounds, ms: 200 }
  const rows: string[][] = []
  const checks: string[] = []
  const notes: string[] = []
  /** runtime → alg → backend → identity-model vs raw subtle (and vs jose). */
  const measured = new Map<
    RuntimeName,
    Map<string, Map<BackendName, { raw: number; jose: number }>>
  >()
  const consumers = new Map<
    string,
    { consumer: Consumer; module: string; variant?: BackendVariant }
  >()
  const consumerFor = async (backend: BackendName | undefined) => {
    const name = backend ?? 'as shipped'
    let entry = consumers.get(name)
    if (entry === undefined) {
      const variant = backend === undefined ? undefined : await backendVariant(backend)
      const consumer = await createConsumer(
        variant === undefined ? {} : { packageDir: variant.dir },
      )
      entry = {
        consumer,
        module: await consumer.module(ENTRY, 'bench-validation'),
        ...(variant === undefined ? {} : { variant }),
      }
      consumers.set(name, entry)
    }
    return entry
  }
  try {
    for (const { runtime, backend: forced } of RUNS.filter((run) => wantedRuntime(run.runtime))) {
      const backend = forced ?? pickedBackend(runtime) ?? 'web'
      const picked = pickedBackend(runtime) === backend ? ' (picked)' : ''
      let output: BenchOutput
      let version: string
      try {
        const { consumer, module } = await consumerFor(forced)
        const outcome = await runOn(runtime, consumer, module, input, { timeoutMs: 600_000 })
        output = outcome.output as BenchOutput
        version = outcome.version
      } catch (error) {
        rows.push([
          runtime,
          backend,
          '',
          `run failed: ${(error as Error).message.slice(0, 200)}`,
          '',
          '',
        ])
        checks.push(`${runtime} (${backend} backend): not measured (the run failed)`)
        continue
      }
      if (output.unavailable !== undefined) {
        notes.push(`${version}: identity-model not measured: ${output.unavailable}`)
      }
      for (const { alg, measured: rates } of output.results) {
        const rate = (name: string) => rates.find((m) => m.name === name)?.opsPerSecond
        const raw = rate(RAW)!
        const jose = rate(JOSE)!
        const ours = rate(OURS)
        rows.push([
          version,
          `${backend}${picked}`,
          alg,
          ours === undefined ? 'does not load' : ratio(ours, raw),
          ratio(jose, raw),
          ours === undefined ? '' : ratio(ours, jose),
        ])
        if (ours === undefined) continue
        const byAlg = measured.get(runtime) ?? new Map()
        measured.set(runtime, byAlg)
        const byBackend = byAlg.get(alg) ?? new Map()
        byAlg.set(alg, byBackend)
        byBackend.set(backend, { raw: ours / raw, jose: ours / jose })
      }
    }
  } finally {
    for (const { consumer, variant } of consumers.values()) {
      await consumer.remove()
      await variant?.remove()
    }
  }
  for (const runtime of ['bun', 'deno', 'workerd'] as const) {
    const picked = pickedBackend(runtime) ?? 'web'
    for (const alg of ALGS) {
      const byBackend = measured.get(runtime)?.get(alg)
      const ours = byBackend?.get(picked)
      if (ours === undefined) {
        if (TARGET_ALGS.includes(alg)) {
          checks.push(`${runtime} ${alg}: identity-model (${picked} backend) not measured MISSED`)
        }
        continue
      }
      const others = [...(byBackend?.entries() ?? [])].filter(([name]) => name !== picked)
      const faster = others.filter(([, other]) => other.raw > ours.raw * 1.05)
      const comparison = others
        .map(([name, other]) => `; ${name} backend ${other.raw.toFixed(2)}x`)
        .join('')
      const target = TARGET_ALGS.includes(alg)
        ? ` (target >= ${TARGET}x) ${ours.raw >= TARGET ? 'met' : 'MISSED'}`
        : ''
      checks.push(
        `${runtime} ${alg}: ${picked} backend (picked) ${ours.raw.toFixed(2)}x raw subtle${target}, ${ours.jose.toFixed(2)}x jose${comparison}${faster.length > 0 ? ' (the other backend was faster in this run)' : ''}`,
      )
    }
  }
  const markdown = [
    '### Validation on other runtimes (static key; rates per wall-clock second on each runtime, as ratios)',
    '',
    `Each runtime runs identity-model's \`validateToken\` with a static JWK, \`jose.jwtVerify\` with an imported key and raw \`crypto.subtle.verify\` over pre-split input, on the same ${algs[0]!.tokens.length} tokens, in ${rounds} interleaved rounds. workerd runs through Miniflare with no compatibility flags. On Bun and Deno both crypto backends are measured; "(picked)" marks the one the package's \`imports\` conditions give that runtime. The node backend verifies with node:crypto, not Web Crypto, so it can exceed raw subtle.`,
    '',
    table(
      [
        'runtime',
        'backend',
        'alg',
        'identity-model vs raw subtle',
        'jose vs raw subtle',
        'identity-model vs jose',
      ],
      rows,
    ),
    ...(notes.length > 0 ? ['', ...notes.map((note) => `- ${note}`)] : []),
  ].join('\n')
  return { markdown, checks }
}
