/**
 * Clock jumps (issue 12): the wall clock moves by an hour (NTP correction, a VM resumed). The
 * token manager never hands out a token its own clock says is expired, and validation judges
 * `exp` by the clock it is given at that moment.
 */
import { afterEach, describe, expect, it, vi } from 'vitest'
import {
  type JsonWebKey,
  TokenManager,
  TokenValidationError,
  validateToken,
} from '../../src/index.js'
import { fakeFetch, json } from '../support/fake-fetch.js'
import { accessClaims, makeKey, NOW, sign } from '../support/tokens.js'

const TOKEN = 'https://id.example.com/token'

afterEach(() => {
  vi.useRealTimers()
})

describe('clock jumps', () => {
  it('forward past expiry: the token manager fetches a new token instead of serving the old one', async () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    vi.setSystemTime(new Date('2026-12-05T12:00:00Z'))
    let issued = 0
    const fake = fakeFetch({
      [TOKEN]: () =>
        json({ access_token: `at-${++issued}`, token_type: 'Bearer', expires_in: 300 }),
    })
    const manager = new TokenManager({
      request: { address: TOKEN, clientId: 'svc', clientSecret: 's', fetch: fake.fetch },
    })
    expect(await manager.getAccessToken()).toBe('at-1')
    expect(await manager.getAccessToken()).toBe('at-1')
    vi.setSystemTime(new Date('2026-12-05T13:00:00Z')) // an hour later, in one step
    expect(await manager.getAccessToken()).toBe('at-2')
    // Backward: the new token is simply younger; still served, no extra request.
    vi.setSystemTime(new Date('2026-12-05T12:30:00Z'))
    expect(await manager.getAccessToken()).toBe('at-2')
    expect(issued).toBe(2)
  })

  it('validation reads the clock per call: the same token is valid, then expired after a jump', async () => {
    const key = makeKey('ES256', 'k1')
    const token = await sign(key, accessClaims({ iss: 'https://id.example.com' }))
    const config = (now: number) => ({
      performDisco: false,
      key: key.publicJwk as JsonWebKey,
      issuer: 'https://id.example.com',
      audience: 'my-api',
      currentDate: new Date(now * 1000),
    })
    await expect(validateToken(token, config(NOW + 10))).resolves.toMatchObject({
      sub: expect.any(String),
    })
    const jumped = validateToken(token, config(NOW + 3600 * 24))
    await expect(jumped).rejects.toBeInstanceOf(TokenValidationError)
    await expect(jumped).rejects.toMatchObject({ code: 'claim_validation', claim: 'exp' })
  })
})
