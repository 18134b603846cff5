/** Scenario 1: one validation awaited after another, per algorithm, against every library. */
import {
  auth0Bearer,
  fastJwt,
  jose,
  jsonwebtokenJwks,
  ours as oursVerify,
  rawSync,
} from '../lib/contenders.js'
import {
  type Alg,
  type LocalProvider,
  makeKey,
  makeTokens,
  startLocalProvider,
} from '../lib/fixtures.js'
import { type Contender, compare, perSecond, ratio, table } from '../lib/measure.js'

export interface SequentialResult {
  readonly markdown: string
  /** identity-model's rate per algorithm, for the scenarios that compare against it. */
  readonly oursRate: Record<string, number>
  readonly checks: string[]
}

const TARGET: Record<string, number> = {
  RS256: 0.8,
  PS256: 0.8,
  ES256: 0.9,
  EdDSA: 0.9,
  HS256: 0.4,
}

export async function sequential(algs: readonly Alg[], rounds: number): Promise<SequentialResult> {
  const sections: string[] = []
  const oursRate: Record<string, number> = {}
  const checks: string[] = []
  for (const alg of algs) {
    const key = makeKey(alg)
    const provider: LocalProvider = await startLocalProvider(alg === 'HS256' ? [] : [key.publicJwk])
    const tokens = await makeTokens(key, provider.issuer, 200)
    let next = 0
    const pick = () => tokens[next++ % tokens.length]!
    const candidates: [string, ((token: string) => unknown) | undefined][] = [
      ['node:crypto verify (raw, sync)', rawSync(key, tokens)],
      ['identity-model validateToken', oursVerify(key, provider.issuer)],
      ['jose jwtVerify + createLocalJWKSet', jose(key, provider.issuer)],
      ['fast-jwt createVerifier', fastJwt(key, provider.issuer)],
      ['jsonwebtoken + jwks-rsa', jsonwebtokenJwks(key, provider.issuer)],
      ['express-oauth2-jwt-bearer auth()', auth0Bearer(key, provider.issuer)],
    ]
    const contenders: Contender[] = []
    for (const [name, verify] of candidates) {
      if (!verify) continue
      await verify(tokens[0]!) // warm caches, and prove each accepts the token
      contenders.push({ name, run: () => verify(pick()) })
    }
    const measured = await compare(contenders, { rounds, clock: 'cpu' })
    await provider.close()
    const raw = measured[0]!.opsPerSecond
    const mine = measured[1]!.opsPerSecond
    oursRate[alg] = mine
    const rows = measured.map((m) => [
      m.name,
      perSecond(m.opsPerSecond),
      ratio(m.opsPerSecond, raw),
      m.name.startsWith('identity-model') || m.name.startsWith('node:')
        ? ''
        : ratio(mine, m.opsPerSecond),
      `${(1e6 / m.opsPerSecond - 1e6 / raw).toFixed(1)} us`,
    ])
    sections.push(
      `#### ${alg}\n\n${table(['library', 'validations', 'vs raw crypto', 'identity-model vs it', 'cost over raw per token'], rows)}`,
    )
    const vsJose = mine / measured.find((m) => m.name.startsWith('jose'))!.opsPerSecond
    const vsFast = mine / measured.find((m) => m.name.startsWith('fast-jwt'))!.opsPerSecond
    checks.push(
      `${alg}: ${ratio(mine, raw)} raw (target >= ${TARGET[alg]}x) ${mine / raw >= TARGET[alg]! ? 'met' : 'MISSED'}; ` +
        `${vsJose.toFixed(2)}x jose (>= 2.5x) ${vsJose >= 2.5 ? 'met' : 'MISSED'}; ` +
        `${vsFast.toFixed(2)}x fast-jwt (>= 1.1x) ${vsFast >= 1.1 ? 'met' : 'MISSED'}`,
    )
  }
  return {
    markdown: `### 1. Sequential (one validation awaited after another; rates per CPU-second of the process)\n\n${sections.join('\n\n')}`,
    oursRate,
    checks,
  }
}
