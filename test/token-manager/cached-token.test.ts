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
    expect(token.expiresAt).toBe(NOW + 59_001)
  })

  it('ignores a JWT exp that would halve expires_in: the clocks disagree', () => {
    const access_token = jwt({ exp: (NOW + 10_000) / 1000 })
    const token = cachedToken({ access_token, token_type: 'Bearer', expires_in: 60 }, NOW, 1)
    expect(token.expiresAt).toBe(NOW + 60_000)
  })

  it('falls back to the JWT exp, then to the default lifetime', () => {
    const access_token = jwt({ exp: (NOW + 120_000) / 1000 })
    expect(cachedToken({ access_token, token_type: 'Bearer' }, NOW, 5).expiresAt).toBe(
      NOW + 120_000,
    )
    expect(cachedToken({ access_token: 'x.y', token_type: 'Bearer' }, NOW, 5).expiresAt).toBe(
      NOW + 5,
    )
  })

  it('round-trips through the store form and rejects malformed entries', () => {
    const token = cachedToken(
      { access_token: 'a', token_type: 'Bearer', scope: 's', expires_in: 1 },
      NOW,
      1,
    )
    expect(deserializeToken(serializeToken(token))).toEqual(token)
    for (const bad of ['', 'null', '[]', '{"access_token":"a","token_type":"B","iat":2,"exp":1}']) {
      expect(deserializeToken(bad)).toBeUndefined()
    }
  })
})
