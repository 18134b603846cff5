import { beforeAll, describe, expect, it } from 'vitest'
import {
  ProviderCache,
  type TokenValidationConfigInit,
  VerifiedTokenCache,
  validateToken,
} from '../../src/index.js'
import { fakeFetch, json } from '../support/fake-fetch.js'
import { accessClaims, makeKey, NOW, sign, type TestKey } from '../support/tokens.js'

const ISSUER = 'https://id.example.com'
const JWKS_URI = `${ISSUER}/jwks`

let rsa: TestKey
let rsa2: TestKey
beforeAll(() => {
  rsa = makeKey('RS256', 'rsa-1')
  rsa2 = makeKey('RS256', 'rsa-2')
})

function setup(options: { maxEntries?: number } = {}) {
  let published = [rsa]
  let clock = NOW * 1000
  const fake = fakeFetch({
    [`${ISSUER}/.well-known/openid-configuration`]: () =>
      json({
        issuer: ISSUER,
        authorization_endpoint: `${ISSUER}/a`,
        token_endpoint: `${ISSUER}/t`,
        jwks_uri: JWKS_URI,
        response_types_supported: ['code'],
        subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: ['RS256'],
      }),
    [JWKS_URI]: () =>
      json(
        { keys: published.map((key) => key.publicJwk) },
        { headers: { 'cache-control': 'max-age=600' } },
      ),
  })
  const tokenCache = new VerifiedTokenCache(options)
  const config: TokenValidationConfigInit = {
    performDisco: true,
    audience: 'my-api',
    cache: new ProviderCache({ now: () => clock }),
    fetch: fake.fetch,
    currentDate: new Date(NOW * 1000),
    verifiedTokenCache: tokenCache,
  }
  return {
    fake,
    config,
    tokenCache,
    publish: (keys: TestKey[]) => {
      published = keys
    },
    advance: (seconds: number) => {
      clock += seconds * 1000
    },
  }
}

describe('VerifiedTokenCache', () => {
  it('serves a repeated token from the cache, as the same frozen claims', async () => {
    const s = setup()
    const token = await sign(rsa, accessClaims())
    const first = await validateToken(token, s.config, ISSUER)
    const second = await validateToken(token, s.config, ISSUER)
    expect(second).toBe(first)
    expect(Object.isFrozen(second)).toBe(true)
    expect(s.tokenCache.size).toBe(1)
  })

  it('is off unless configured, and only hits with the same config object', async () => {
    const s = setup()
    const token = await sign(rsa, accessClaims())
    const { verifiedTokenCache: _, ...plain } = s.config
    expect(await validateToken(token, plain, ISSUER)).not.toBe(
      await validateToken(token, plain, ISSUER),
    )
    const first = await validateToken(token, s.config, ISSUER)
    const other = await validateToken(token, { ...s.config }, ISSUER)
    expect(other).not.toBe(first)
    expect(other).toEqual(first)
  })

  it('never outlives the token: from exp on, the token is validated afresh', async () => {
    const s = setup()
    const token = await sign(rsa, accessClaims({ exp: NOW + 60 }))
    const at = (seconds: number) => {
      s.config.currentDate = new Date((NOW + seconds) * 1000)
    }
    const first = await validateToken(token, s.config, ISSUER)
    at(59)
    expect(await validateToken(token, s.config, ISSUER)).toBe(first)
    at(61) // past exp: not served from the cache, but still within the 5 s leeway
    const again = await validateToken(token, s.config, ISSUER)
    expect(again).not.toBe(first)
    at(120)
    await expect(validateToken(token, s.config, ISSUER)).rejects.toMatchObject({
      code: 'claim_validation',
      claim: 'exp',
    })
  })

  it('drops a token once its key leaves the key set', async () => {
    const s = setup()
    const token = await sign(rsa, accessClaims())
    await validateToken(token, s.config, ISSUER)
    s.publish([rsa2])
    s.advance(700) // the key set expires; its refresh drops rsa-1
    await validateToken(token, s.config, ISSUER).catch(() => undefined) // served stale while refreshing
    await new Promise((resolve) => setTimeout(resolve, 10))
    await expect(validateToken(token, s.config, ISSUER)).rejects.toMatchObject({
      code: 'key_not_found',
    })
  })

  it('runs the claimsValidator on every hit', async () => {
    const s = setup()
    const token = await sign(rsa, accessClaims())
    let calls = 0
    const config = {
      ...s.config,
      claimsValidator: () => {
        calls++
        if (calls > 2) throw new Error('revoked meanwhile')
      },
    }
    await validateToken(token, config, ISSUER)
    await validateToken(token, config, ISSUER)
    await expect(validateToken(token, config, ISSUER)).rejects.toMatchObject({
      code: 'claim_validation',
    })
    expect(calls).toBe(3)
  })

  it('is bounded', async () => {
    const s = setup({ maxEntries: 2 })
    for (let i = 0; i < 5; i++)
      await validateToken(await sign(rsa, accessClaims({ jti: `j${i}` })), s.config, ISSUER)
    expect(s.tokenCache.size).toBe(2)
  })

  it('does not cache a token without exp, nor one whose signature was not verified', async () => {
    const s = setup()
    const noExp = await sign(rsa, accessClaims({ exp: undefined }))
    await validateToken(noExp, { ...s.config, options: { requireExp: false } }, ISSUER)
    await validateToken(
      await sign(rsa, accessClaims()),
      { ...s.config, options: { verifySignature: false } },
      ISSUER,
    )
    expect(s.tokenCache.size).toBe(0)
  })
})
