/** Scenario 2: batches of 100 validations in flight. */
import { bareAsync, jose, ours, rawAsync, rawSync } from '../lib/contenders.js'
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
    const bare = bareAsync(key)
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
      {
        name: 'bare decode + raw async verify, 100 in flight (no checks)',
        run: () => Promise.all(batch().map(bare)),
        perRun: BATCH,
      },
    ]
    const measured = await compare(contenders, { rounds })
    await provider.close()
    const base = measured[0]!.opsPerSecond
    for (const m of measured)
      rows.push([alg, m.name, perSecond(m.opsPerSecond), ratio(m.opsPerSecond, base)])
    const mineRatio = measured[2]!.opsPerSecond / base
    const vsPool = measured[2]!.opsPerSecond / measured[1]!.opsPerSecond
    const vsJose = measured[2]!.opsPerSecond / measured[3]!.opsPerSecond
    const bareVsPool = measured[4]!.opsPerSecond / measured[1]!.opsPerSecond
    const vsBare = measured[2]!.opsPerSecond / measured[4]!.opsPerSecond
    checks.push(
      `${alg} 100 concurrent: ${vsPool.toFixed(2)}x raw async crypto.verify with 100 in flight (target >= 0.90x) ${vsPool >= 0.9 ? 'met' : 'MISSED'}; ${vsJose.toFixed(2)}x jose (>= 2.5x) ${vsJose >= 2.5 ? 'met' : 'MISSED'}; ${mineRatio.toFixed(2)}x raw sync one at a time; a bare decode + verify with no checks reaches ${bareVsPool.toFixed(2)}x raw async, identity-model ${vsBare.toFixed(2)}x that`,
    )
  }
  return {
    markdown: `### 2. Concurrent (batches of ${BATCH} in flight)\n\n${table(['alg', 'contender', 'validations', 'vs raw sync'], rows)}\n\nThe last row of each algorithm is what any JWT library must do at the least (split the token, base64url-decode and parse header and payload, decode the signature, \`crypto.verify\` on the thread pool), with no check at all: how close to raw async \`crypto.verify\` over pre-split input a validator can come on this machine.`,
    checks,
  }
}
