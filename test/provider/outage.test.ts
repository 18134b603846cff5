/**
 * The provider cache through an outage (issue 12): an observer that throws cannot crash the
 * process, and a key rotation the cache cannot follow because the JWKS endpoint fails is a 503
 * (the provider is unavailable), not a 401 (the token is bad), also inside the kid-miss cooldown.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { ProviderCache, ProviderUnavailableError, validateToken } from '../../src/index.js'
import { metadata } from '../discovery/helpers.js'
import { fakeFetch, json } from '../support/fake-fetch.js'
import { accessClaims, makeKey, NOW, sign, type TestKey } from '../support/tokens.js'

const ISSUER = 'https://id.example.com'
const DISCO = `${ISSUER}/.well-known/openid-configuration`
const JWKS = `${ISSUER}/jwks`

let keyA: TestKey
let keyB: TestKey
beforeAll(() => {
  keyA = makeKey('ES256', 'key-a')
  keyB = makeKey('ES256', 'key-b')
})

/** A provider whose JWKS endpoint can go down, one cache with a clock the test moves. */
function provider(onEvent?: () => void) {
  let clock = NOW * 1000
  let down = false
  let published = () => [keyA]
  const fake = fakeFetch({
    [DISCO]: () => json(metadata(ISSUER)),
    [JWKS]: () =>
      down
        ? new Response('down', { status: 503 })
        : json({ keys: published().map((key) => key.publicJwk) }),
  })
  const cache = new ProviderCache({
    now: () => clock,
    kidMissCooldownSeconds: 30,
    ...(onEvent === undefined ? {} : { onEvent }),
  })
  const config = {
    performDisco: true as const,
    audience: 'my-api',
    currentDate: new Date(NOW * 1000),
    cache,
    fetch: fake.fetch,
    // No retries with backoff sleeps: the JWKS answers 503 at once.
    timeoutMs: 1000,
  }
  return {
    fake,
    validate: (token: string) => validateToken(token, config, ISSUER),
    advance: (seconds: number) => {
      clock += seconds * 1000
    },
    setDown: (value: boolean) => {
      down = value
    },
    publish: (keys: () => TestKey[]) => {
      published = keys
    },
  }
}

const unhandled: unknown[] = []
const record = (reason: unknown) => unhandled.push(reason)
afterEach(() => {
  process.off('unhandledRejection', record)
  unhandled.length = 0
})

describe('a ProviderCache onEvent that throws during an outage (issue 12)', () => {
  it('does not escape the background refresh: validation goes on with the stale keys', async () => {
    process.on('unhandledRejection', record)
    let calls = 0
    const p = provider(() => {
      calls++
      throw new Error('the metrics sink is down')
    })
    const token = await sign(keyA, accessClaims({ iss: ISSUER }))
    expect((await p.validate(token)).sub).toBe('user-1')
    // Past the key set's lifetime (3600 s by default) while the JWKS endpoint fails: the stale
    // set is served and refreshed in the background, where the event is raised.
    p.setDown(true)
    p.advance(3601)
    expect((await p.validate(token)).sub).toBe('user-1')
    await expect.poll(() => calls, { timeout: 5000 }).toBeGreaterThan(0)
    // Let any rejection of the background refresh surface.
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(unhandled).toEqual([])
    expect((await p.validate(token)).sub).toBe('user-1')
  })
})

describe('a JWKS outage during key rotation (issue 12)', () => {
  it('is a 503, not a 401, for the kid miss and again inside the cooldown', async () => {
    const p = provider()
    expect((await p.validate(await sign(keyA, accessClaims({ iss: ISSUER })))).sub).toBe('user-1')
    // The provider rotates to key B, and its JWKS endpoint fails just then.
    p.publish(() => [keyA, keyB])
    p.setDown(true)
    const rotated = await sign(keyB, accessClaims({ iss: ISSUER }))
    const first = await p.validate(rotated).catch((error: unknown) => error)
    expect(first).toBeInstanceOf(ProviderUnavailableError)
    // Inside the 30 s cooldown no new fetch is made; the answer must still be "unavailable"
    // (before: key_not_found, a 401 for a token that may well be good).
    p.advance(5)
    const fetches = p.fake.count(JWKS)
    const second = await p.validate(rotated).catch((error: unknown) => error)
    expect(second).toBeInstanceOf(ProviderUnavailableError)
    expect(second).toMatchObject({ code: 'provider_unavailable' })
    expect(p.fake.count(JWKS)).toBe(fetches)
    // Once the endpoint is back and the cooldown over, the new key is fetched and accepted.
    p.setDown(false)
    p.advance(30)
    expect((await p.validate(rotated)).sub).toBe('user-1')
  })

  it('is still a 401 inside the cooldown when the refresh worked and the kid is not there', async () => {
    const p = provider()
    await p.validate(await sign(keyA, accessClaims({ iss: ISSUER })))
    const forged = await sign(keyB, accessClaims({ iss: ISSUER }))
    await expect(p.validate(forged)).rejects.toMatchObject({ code: 'key_not_found' })
    p.advance(5)
    await expect(p.validate(forged)).rejects.toMatchObject({ code: 'key_not_found' })
  })
})
