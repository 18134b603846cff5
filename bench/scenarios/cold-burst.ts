/** Scenario 3: 5,000 validations start at once against a cold cache and a slow provider. */
import { ProviderCache, validateToken } from '../../src/index.js'
import { AUDIENCE, makeKey, makeTokens, startLocalProvider } from '../lib/fixtures.js'
import { table } from '../lib/measure.js'

export async function coldBurst(): Promise<{ markdown: string; checks: string[] }> {
  const key = makeKey('RS256')
  const provider = await startLocalProvider([key.publicJwk])
  provider.setDelay(50)
  const tokens = await makeTokens(key, provider.issuer, 100)
  const config = { performDisco: true, audience: AUDIENCE, cache: new ProviderCache() }
  const started = performance.now()
  const results = await Promise.allSettled(
    Array.from({ length: 5000 }, (_, i) =>
      validateToken(tokens[i % tokens.length]!, config, provider.issuer),
    ),
  )
  const elapsed = performance.now() - started
  await provider.close()
  const accepted = results.filter((r) => r.status === 'fulfilled').length
  const { discovery, jwks } = provider.counts
  const ok = discovery === 1 && jwks === 1 && accepted === 5000
  return {
    markdown: `### 3. Cold burst (5,000 validations at once, provider answering after 50 ms)\n\n${table(
      ['validations accepted', 'discovery fetches', 'JWKS fetches', 'all done in'],
      [[String(accepted), String(discovery), String(jwks), `${Math.round(elapsed)} ms`]],
    )}`,
    checks: [
      `cold burst: ${discovery} discovery + ${jwks} JWKS fetches for 5,000 validations (target exactly 1 + 1) ${ok ? 'met' : 'MISSED'}`,
    ],
  }
}
