import { describe, expect, it } from 'vitest'
import {
  cachedToken,
  deserializeToken,
  serializeToken,
} from '../../src/token-manager/cached-token.js'

const NOW = 1_900_000_000_000
const jwt = (claims: object) =>
  `e30.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.sig`

describe('cachedToken lifetime', () => {
  it('uses expires_in', () => {
    const token = cachedToken(
      { access_token: 'opaque', token_type: 'Bearer', expires_in: 60 },
      NOW,
      1,
    )
    expect(token).toMatchObject({ issuedAt: NOW, expiresAt: NOW + 60_000 })
  })

  it('cuts it to a JWT exp that comes first (an iat rounded down, a slow response)', () => {
    const access_token = jwt({ exp: (NOW + 59_001) / 1000 })
    const token = cachedToken({ access_token, token_type: 'Bearer', expires_in: 60 }, NOW, 1)
    expect(token?.expiresAt).toBe(NOW + 59_001)
  })

  it('never outlives the JWT exp, however large expires_in is (issue 12)', () => {
    // Before: an exp before half of expires_in was taken for a clock difference and ignored, so
    // expires_in 1e9 handed out the JWT long past its exp.
    const access_token = jwt({ exp: (NOW + 10_000) / 1000 })
    for (const expires_in of [60, 1e9]) {
      const token = cachedToken({ access_token, token_type: 'Bearer', expires_in }, NOW, 1)
      expect(token?.expiresAt).toBe(NOW + 10_000)
    }
  })

  it("bounds it by the JWT's own lifetime exp - iat, which no clock difference changes", () => {
    // This machine's clock is 30 s behind the provider's: exp - now would be 90 s.
    const access_token = jwt({ iat: (NOW + 30_000) / 1000, exp: (NOW + 90_000) / 1000 })
    const token = cachedToken({ access_token, token_type: 'Bearer', expires_in: 1e9 }, NOW, 1)
    expect(token?.expiresAt).toBe(NOW + 60_000)
  })

  it('reads expires_in 0 as "no lifetime given", and refuses tokens that cannot be used (issue 12)', () => {
    const opaque = cachedToken(
      { access_token: 'o', token_type: 'Bearer', expires_in: 0 },
      NOW,
      300_000,
    )
    expect(opaque?.expiresAt).toBe(NOW + 300_000)
    const withExp = jwt({ exp: (NOW + 120_000) / 1000 })
    expect(
      cachedToken({ access_token: withExp, token_type: 'Bearer', expires_in: 0 }, NOW, 300_000)
        ?.expiresAt,
    ).toBe(NOW + 120_000)
    // Already past its exp by this clock, or under a second: not a token to cache or hand out.
    const expired = jwt({ exp: (NOW - 1_000) / 1000 })
    expect(
      cachedToken({ access_token: expired, token_type: 'Bearer', expires_in: 60 }, NOW, 1),
    ).toBeUndefined()
    expect(
      cachedToken({ access_token: 'o', token_type: 'Bearer', expires_in: 0.5 }, NOW, 1),
    ).toBeUndefined()
    // And a year at most.
    const huge = cachedToken({ access_token: 'o', token_type: 'Bearer', expires_in: 1e300 }, NOW, 1)
    expect(huge?.expiresAt).toBe(NOW + 365 * 24 * 3600 * 1000)
  })

  it('takes a token cut short by its whole-second exp as issued up to a second earlier', () => {
    // iat rounded down: issued 0.8 s before the second ticked; 6 s token, 5.2 s left.
    const access_token = jwt({ iat: (NOW - 800) / 1000, exp: (NOW + 5_200) / 1000 })
    const token = cachedToken({ access_token, token_type: 'Bearer', expires_in: 6 }, NOW, 1)
    expect(token).toMatchObject({ issuedAt: NOW - 800, expiresAt: NOW + 5_200 })
    // A clock 40 s ahead of the provider's: never more than a second back.
    const skewed = jwt({ iat: (NOW - 40_000) / 1000, exp: (NOW + 20_000) / 1000 })
    const late = cachedToken({ access_token: skewed, token_type: 'Bearer', expires_in: 60 }, NOW, 1)
    expect(late).toMatchObject({ issuedAt: NOW - 1_000, expiresAt: NOW + 20_000 })
  })

  it('falls back to the JWT exp, then to the default lifetime', () => {
    const access_token = jwt({ exp: (NOW + 120_000) / 1000 })
    expect(cachedToken({ access_token, token_type: 'Bearer' }, NOW, 5000)?.expiresAt).toBe(
      NOW + 120_000,
    )
    expect(cachedToken({ access_token: 'x.y', token_type: 'Bearer' }, NOW, 5000)?.expiresAt).toBe(
      NOW + 5000,
    )
  })

  it('round-trips through the store form and rejects malformed entries', () => {
    const token = cachedToken(
      { access_token: 'a', token_type: 'Bearer', scope: 's', expires_in: 1 },
      NOW,
      1,
    )
    expect(token).toBeDefined()
    expect(deserializeToken(serializeToken(token!))).toEqual(token)
    for (const bad of ['', 'null', '[]', '{"access_token":"a","token_type":"B","iat":2,"exp":1}']) {
      expect(deserializeToken(bad)).toBeUndefined()
    }
  })
})
