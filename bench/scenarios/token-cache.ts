/** Beyond the field: the optional verified-token cache, with tokens that repeat. */
import { ProviderCache, VerifiedTokenCache, validateToken } from '../../src/index.js'
import { rawSync } from '../lib/contenders.js'
import { AUDIENCE, makeKey, makeTokens, startLocalProvider } from '../lib/fixtures.js'
import { compare, perSecond, ratio, table } from '../lib/measure.js'

export async function tokenCache(rounds: number): Promise<{ markdown: string; checks: string[] }> {
  const key = makeKey('RS256')
  const provider = await startLocalProvider([key.publicJwk])
  const tokens = await makeTokens(key, provider.issuer, 100)
  const raw = rawSync(key, tokens)
  const config = {
    performDisco: true,
    audience: AUDIENCE,
    cache: new ProviderCache(),
    verifiedTokenCache: new VerifiedTokenCache(),
  }
  for (const token of tokens) await validateToken(token, config, provider.issuer)
  let next = 0
  const measured = await compare(
    [
      { name: 'node:crypto verify (raw, sync)', run: () => raw(tokens[next++ % tokens.length]!) },
      {
        name: 'identity-model, verifiedTokenCache on, 100 repeating tokens',
        run: () => validateToken(tokens[next++ % tokens.length]!, config, provider.issuer),
      },
    ],
    { rounds, clock: 'cpu' },
  )
  await provider.close()
  const [base, cached] = measured as [(typeof measured)[0], (typeof measured)[0]]
  const speedup = cached.opsPerSecond / base.opsPerSecond
  return {
    markdown: `### Verified-token cache (RS256, repeated tokens; rates per CPU-second)\n\n${table(
      ['contender', 'validations', 'vs raw signature'],
      measured.map((m) => [
        m.name,
        perSecond(m.opsPerSecond),
        ratio(m.opsPerSecond, base.opsPerSecond),
      ]),
    )}`,
    checks: [
      `verified-token cache: ${speedup.toFixed(1)}x the raw signature rate (target >= 5x) ${speedup >= 5 ? 'met' : 'MISSED'}`,
    ],
  }
}
