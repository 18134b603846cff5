/**
 * UserTokenManager against the real testbed provider (oidc-provider), with every refresh token
 * rotated and reuse detected: a real sign-in, concurrent refreshes by several "processes" on one
 * store, and sign-out with revocation.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MemoryStore } from '../../src/cache/memory-store.js'
import {
  type DiscoverySuccess,
  getDiscoveryDocument,
  requestRefreshToken,
  UserTokenManager,
} from '../../src/index.js'
import { clients, startProvider, type TestProvider } from '../../testbed/provider.js'
import { REDIRECT_URI, signIn } from '../support/sign-in.js'

let op: TestProvider
let disco: DiscoverySuccess

beforeAll(async () => {
  op = await startProvider({
    redirectUris: [REDIRECT_URI],
    // Rotate every refresh token (the default rotates only for public clients).
    extraConfig: { rotateRefreshToken: true },
  })
  const result = await getDiscoveryDocument({ address: op.issuer })
  if (!result.isSuccessful) throw new Error(result.error)
  disco = result
})
afterAll(async () => {
  await op?.stop()
})

function manager(store: MemoryStore) {
  return new UserTokenManager({
    client: { address: disco.tokenEndpoint, ...clients.webApp },
    revocationEndpoint: disco.revocationEndpoint,
    store,
  })
}

describe('UserTokenManager with a real provider that rotates refresh tokens', () => {
  it('four processes x 25 callers force a refresh at once: one refresh, the family stays alive', async () => {
    const { tokens } = await signIn(disco, clients.webApp)
    expect(typeof tokens.refresh_token).toBe('string')
    const store = new MemoryStore()
    const fleet = [0, 1, 2, 3].map(() => manager(store))
    await fleet[0]!.storeTokens('s1', tokens)
    for (let round = 0; round < 3; round++) {
      op.resetCounts()
      const results = await Promise.all(
        fleet.flatMap((m) =>
          Array.from({ length: 25 }, () => m.getAccessToken('s1', { forceRefresh: true })),
        ),
      )
      // A rotation race would show as refresh_refused here (and end the family).
      expect(results.filter((r) => !r.isSuccessful)).toEqual([])
      // Managers that arrive while a refresh runs adopt it; each forces at most once.
      expect(op.counts['/token']).toBeGreaterThanOrEqual(1)
      expect(op.counts['/token']).toBeLessThanOrEqual(fleet.length)
    }
    // The original refresh token was rotated away: reusing it is refused (and ends the family,
    // which is what a rotation race would have done).
    const stale = await requestRefreshToken({
      address: disco.tokenEndpoint,
      ...clients.webApp,
      refreshToken: tokens.refresh_token,
    })
    expect(stale).toMatchObject({ isSuccessful: false, error: 'invalid_grant' })
  })

  it('a due access token is refreshed once for all callers, and sign-out revokes the grant', async () => {
    const { tokens } = await signIn(disco, clients.webApp)
    const store = new MemoryStore()
    const fleet = [0, 1, 2, 3].map(() => manager(store))
    // Stored as a 3 s access token, then 1.6 s later: inside its margin (half of 3 s).
    await fleet[0]!.storeTokens('s2', { ...tokens, expires_in: 3 })
    await new Promise((resolve) => setTimeout(resolve, 1_600))
    op.resetCounts()
    const results = await Promise.all(
      fleet.flatMap((m) => Array.from({ length: 25 }, () => m.getAccessToken('s2'))),
    )
    expect(results.every((r) => r.isSuccessful)).toBe(true)
    expect(new Set(results.map((r) => (r.isSuccessful ? r.accessToken : '')))).toHaveProperty(
      'size',
      1,
    )
    expect(op.counts['/token']).toBe(1)

    op.resetCounts()
    const out = await fleet[1]!.signOut('s2')
    expect(out).toMatchObject({ hadTokens: true, revocation: { isSuccessful: true } })
    expect(
      op.counts['/token/revocation'] ?? op.counts[new URL(disco.revocationEndpoint!).pathname],
    ).toBe(1)
    expect(await fleet[2]!.getAccessToken('s2')).toMatchObject({
      reason: 'no_tokens',
      signInRequired: true,
    })
  })
})
