/** Conformance: jwks.json, as named tests against an injected fetch. */
import { generateKeyPairSync } from 'node:crypto'
import { SignJWT } from 'jose'
import { expect } from 'vitest'
import { getJwks, ProviderCache, validateToken } from '../../src/index.js'
import { fakeFetch, json } from '../support/fake-fetch.js'
import { conformanceSuite, fixtureJson } from './spec.js'

const ISSUER = 'https://provider.example.com'
const JWKS = `${ISSUER}/jwks`

/** A provider whose key set the test can change, and a token signer. */
function provider() {
  const key = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const jwk = { ...key.publicKey.export({ format: 'jwk' }), kid: 'k1', alg: 'RS256', use: 'sig' }
  let keys: unknown[] = [...fixtureJson<{ keys: unknown[] }>('jwks/valid.json').keys, jwk]
  const fake = fakeFetch({
    [`${ISSUER}/.well-known/openid-configuration`]: () =>
      json({ ...fixtureJson<object>('discovery/valid.json'), issuer: ISSUER }),
    [JWKS]: () => json({ keys }),
  })
  const config = {
    performDisco: true,
    audience: 'api',
    cache: new ProviderCache(),
    fetch: fake.fetch,
  }
  const token = (kid: string) =>
    new SignJWT({ iss: ISSUER, aud: 'api', sub: 's' })
      .setProtectedHeader({ alg: 'RS256', kid })
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(key.privateKey)
  return { fake, config, token, setKeys: (next: unknown[]) => (keys = next), jwk }
}

conformanceSuite('jwks', {
  'JWKS-001': async () => {
    const fake = fakeFetch({ [JWKS]: () => json(fixtureJson('jwks/valid.json')) })
    const jwks = await getJwks({ address: JWKS, fetch: fake.fetch })
    expect(jwks.isSuccessful).toBe(true)
    expect(jwks.keys).toHaveLength(2)
  },
  'JWKS-002': async () => {
    const fake = fakeFetch({ [JWKS]: () => json(fixtureJson('jwks/valid.json')) })
    const jwks = await getJwks({ address: JWKS, fetch: fake.fetch })
    const [rsa, ec] = jwks.keys ?? []
    expect(rsa).toMatchObject({
      kty: 'RSA',
      kid: 'rsa-sig-key',
      use: 'sig',
      alg: 'RS256',
      e: 'AQAB',
    })
    expect(rsa?.n).toBeTypeOf('string')
    expect(ec).toMatchObject({
      kty: 'EC',
      kid: 'ec-sig-key',
      use: 'sig',
      alg: 'ES256',
      crv: 'P-256',
    })
    expect(ec?.x).toBeTypeOf('string')
    expect(ec?.y).toBeTypeOf('string')
  },
  'JWKS-003': async () => {
    // Resolution by kid: the token names k1 among three keys and verifies with it.
    const p = provider()
    expect((await validateToken(await p.token('k1'), p.config, ISSUER)).sub).toBe('s')
    expect(p.fake.count(JWKS)).toBe(1)
  },
  'JWKS-004': async () => {
    const p = provider()
    p.setKeys(fixtureJson<{ keys: unknown[] }>('jwks/valid.json').keys)
    await validateToken(await p.token('k1'), p.config, ISSUER).catch(() => undefined)
    // First load lacked k1: one forced refresh happened right away, and still no k1.
    expect(p.fake.count(JWKS)).toBe(2)
    const error = await validateToken(await p.token('k1'), p.config, ISSUER).catch(
      (e: { code: string }) => e,
    )
    expect(error).toMatchObject({ code: 'key_not_found' })
    expect(p.fake.count(JWKS)).toBe(2) // cooldown: the second miss did not fetch
  },
  'JWKS-005': async () => {
    const p = provider()
    for (let i = 0; i < 5; i++) await validateToken(await p.token('k1'), p.config, ISSUER)
    expect(p.fake.count(JWKS)).toBe(1)
  },
  'JWKS-006': async () => {
    // Forcing a refresh (clearing the cache) re-fetches the set, which now verifies the token.
    const p = provider()
    p.setKeys(fixtureJson<{ keys: unknown[] }>('jwks/valid.json').keys)
    await validateToken(await p.token('k1'), p.config, ISSUER).catch(() => undefined)
    const before = p.fake.count(JWKS)
    p.config.cache.clear()
    p.setKeys([p.jwk])
    expect((await validateToken(await p.token('k1'), p.config, ISSUER)).sub).toBe('s')
    expect(p.fake.count(JWKS)).toBe(before + 1)
  },
  'JWKS-007': async () => {
    for (const body of [fixtureJson('jwks/empty.json'), 'not json']) {
      const fake = fakeFetch({
        [JWKS]: () => (typeof body === 'string' ? new Response(body) : json(body)),
      })
      const jwks = await getJwks({ address: JWKS, fetch: fake.fetch })
      expect(jwks.isSuccessful).toBe(false)
      expect(jwks.errorType).toBe(typeof body === 'string' ? 'invalid_json' : 'invalid_response')
      expect(jwks.error).toMatch(/JWK Set/)
    }
  },
})
