/**
 * Scenario: validation on other runtimes. In one run per runtime (Node for reference, Bun, Deno,
 * workerd through Miniflare without nodejs_compat), RS256 and ES256 tokens are validated with
 * identity-model's `validateToken` (static key), with `jose.jwtVerify` and with raw
 * `crypto.subtle.verify`, all on that runtime (bench/portable/validation.ts), run by the portable
 * tier's harness the way the suite is. Ratios only: absolute rates drift between runs here.
 */
import { fileURLToPath } from 'node:url'
import { createConsumer } from '../../test/portable/harness/consumer.js'
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
const RUNTIMES: readonly RuntimeName[] = ['node', 'bun', 'deno', 'workerd']
const ALGS = ['RS256', 'ES256'] as const
const ISSUER = 'https://issuer.example.test'
/** Issue 9: validation at >= 0.9x raw subtle on Bun, Deno and workerd. */
const TARGET = 0.9

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
  const consumer = await createConsumer()
  const rows: string[][] = []
  const checks: string[] = []
  const notes: string[] = []
  try {
    const module = await consumer.module(ENTRY, 'bench-validation')
    for (const runtime of RUNTIMES) {
      let output: BenchOutput
      let version: string
      try {
        const outcome = await runOn(runtime, consumer, module, input, { timeoutMs: 600_000 })
        output = outcome.output as BenchOutput
        version = outcome.version
      } catch (error) {
        rows.push([runtime, '', `run failed: ${(error as Error).message.slice(0, 200)}`, '', ''])
        checks.push(`${runtime}: not measured (the run failed)`)
        continue
      }
      if (output.unavailable !== undefined) {
        notes.push(`${version}: identity-model not measured: ${output.unavailable}`)
      }
      for (const { alg, measured } of output.results) {
        const rate = (name: string) => measured.find((m) => m.name === name)?.opsPerSecond
        const raw = rate(RAW)!
        const jose = rate(JOSE)!
        const ours = rate(OURS)
        rows.push([
          version,
          alg,
          ours === undefined ? 'does not load' : ratio(ours, raw),
          ratio(jose, raw),
          ours === undefined ? '' : ratio(ours, jose),
        ])
        if (runtime === 'node') continue // reference only: Node's targets are in scenarios 1 and 2
        checks.push(
          ours === undefined
            ? `${runtime} ${alg}: identity-model does not load (target >= ${TARGET}x raw subtle) MISSED; jose ${ratio(jose, raw)} raw subtle`
            : `${runtime} ${alg}: ${ratio(ours, raw)} raw subtle (target >= ${TARGET}x) ${ours / raw >= TARGET ? 'met' : 'MISSED'}; ${ratio(ours, jose)} jose`,
        )
      }
    }
  } finally {
    await consumer.remove()
  }
  const markdown = [
    '### Validation on other runtimes (static key; rates per wall-clock second on each runtime, as ratios)',
    '',
    `Each runtime runs identity-model's \`validateToken\` with a static JWK, \`jose.jwtVerify\` with an imported key and raw \`crypto.subtle.verify\` over pre-split input, on the same ${algs[0]!.tokens.length} tokens, in ${rounds} interleaved rounds. workerd runs through Miniflare with no compatibility flags. On Node, identity-model verifies with node:crypto, not Web Crypto, so it can exceed raw subtle there.`,
    '',
    table(
      [
        'runtime',
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
