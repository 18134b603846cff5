/**
 * Scenario 4: 10,000 tokens with random unknown `kid`s mixed with valid ones. Counts JWKS
 * refetches, and compares the valid tokens' throughput during the flood with a clean stream.
 */
import { randomBytes, randomUUID } from 'node:crypto'
import { ProviderCache, validateToken } from '../../src/index.js'
import { AUDIENCE, makeKey, makeTokens, startLocalProvider } from '../lib/fixtures.js'
import { compare, perSecond, ratio, table } from '../lib/measure.js'

const FORGED = 10_000

export async function kidFlood(rounds: number): Promise<{ markdown: string; checks: string[] }> {
  const key = makeKey('RS256')
  const provider = await startLocalProvider([key.publicJwk])
  const valid = await makeTokens(key, provider.issuer, 200)
  const [, payload] = valid[0]!.split('.')
  // Forged tokens need no real signature: an unknown kid is refused before any crypto.
  const forged = Array.from({ length: FORGED }, () => {
    const header = Buffer.from(
      JSON.stringify({ alg: 'RS256', kid: randomUUID(), typ: 'at+jwt' }),
    ).toString('base64url')
    return `${header}.${payload}.${randomBytes(256).toString('base64url')}`
  })
  const config = {
    performDisco: true,
    audience: AUDIENCE,
    cache: new ProviderCache({ kidMissCooldownSeconds: 30 }),
  }
  await validateToken(valid[0]!, config, provider.issuer)
  const jwksBefore = provider.counts.jwks
  let v = 0
  let f = 0
  let refused = 0
  const started = performance.now()
  const measured = await compare(
    [
      {
        name: 'valid tokens only',
        run: () => validateToken(valid[v++ % valid.length]!, config, provider.issuer),
      },
      {
        name: 'valid tokens during the flood (1 forged per valid)',
        run: async () => {
          await validateToken(forged[f++ % FORGED]!, config, provider.issuer).catch(() => refused++)
          await validateToken(valid[v++ % valid.length]!, config, provider.issuer)
        },
      },
    ],
    { rounds },
  )
  const seconds = (performance.now() - started) / 1000
  await provider.close()
  const refetches = provider.counts.jwks - jwksBefore
  const allowed = Math.ceil(seconds / 30)
  const [clean, flood] = measured as [(typeof measured)[0], (typeof measured)[0]]
  return {
    markdown: `### 4. Forged-kid flood (${FORGED.toLocaleString('en')} random kids, cooldown 30 s)\n\n${table(
      ['stream', 'valid validations', 'vs clean'],
      [
        [clean.name, perSecond(clean.opsPerSecond), '1.00x'],
        [flood.name, perSecond(flood.opsPerSecond), ratio(flood.opsPerSecond, clean.opsPerSecond)],
      ],
    )}\n\nForged tokens refused: ${refused.toLocaleString('en')}; JWKS refetches during ${seconds.toFixed(1)} s of flood: ${refetches} (at most ${allowed} allowed).`,
    checks: [
      `kid flood: ${refetches} JWKS refetch(es) in ${seconds.toFixed(1)} s (target <= 1 per 30 s window) ${refetches <= allowed ? 'met' : 'MISSED'}`,
    ],
  }
}
