/** Scenario 2: batches of 100 validations in flight. */
import { jose, ours, rawAsync, rawSync } from '../lib/contenders.js'
import { type Alg, makeKey, makeTokens, startLocalProvider } from '../lib/fixtures.js'
import { type Contender, compare, perSecond, ratio, table } from '../lib/measure.js'

const BATCH = 100

export async function concurrent(
  algs: readonly Alg[],
  rounds: number,
): Promise<{ markdown: string; checks: string[] }> {
  const rows: string[][] = []
  const checks: string[] = []
  for (const alg of algs) {
    const key = makeKey(alg)
    const provider = await startLocalProvider([key.publicJwk])
    const tokens = await makeTokens(key, provider.issuer, 200)
    let next = 0
    const batch = () => Array.from({ length: BATCH }, () => tokens[next++ % tokens.length]!)
    const sync = rawSync(key, tokens)
    const pool = rawAsync(key, tokens)
    const mine = ours(key, provider.issuer)
    const theirs = jose(key, provider.issuer)
    await mine(tokens[0]!)
    const contenders: Contender[] = [
      { name: 'raw sync, one at a time', run: () => sync(tokens[next++ % tokens.length]!) },
      {
        name: 'raw async, 100 in flight',
        run: () => Promise.all(batch().map(pool)),
        perRun: BATCH,
      },
      {
        name: 'identity-model, 100 in flight',
        run: () => Promise.all(batch().map(mine)),
        perRun: BATCH,
      },
      { name: 'jose, 100 in flight', run: () => Promise.all(batch().map(theirs)), perRun: BATCH },
    ]
    const measured = await compare(contenders, { rounds })
    await provider.close()
    const base = measured[0]!.opsPerSecond
    for (const m of measured)
      rows.push([alg, m.name, perSecond(m.opsPerSecond), ratio(m.opsPerSecond, base)])
    const mineRatio = measured[2]!.opsPerSecond / base
    const vsPool = measured[2]!.opsPerSecond / measured[1]!.opsPerSecond
    const vsJose = measured[2]!.opsPerSecond / measured[3]!.opsPerSecond
    checks.push(
      `${alg} 100 concurrent: ${vsPool.toFixed(2)}x raw async crypto.verify with 100 in flight (target >= 0.90x) ${vsPool >= 0.9 ? 'met' : 'MISSED'}; ${vsJose.toFixed(2)}x jose (>= 2.5x) ${vsJose >= 2.5 ? 'met' : 'MISSED'}; ${mineRatio.toFixed(2)}x raw sync one at a time`,
    )
  }
  return {
    markdown: `### 2. Concurrent (batches of ${BATCH} in flight)\n\n${table(['alg', 'contender', 'validations', 'vs raw sync'], rows)}`,
    checks,
  }
}
