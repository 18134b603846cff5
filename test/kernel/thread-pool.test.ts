/**
 * The thread-pool slots of `threadPool: 'auto'`: a validation under load takes the pool only
 * while it has a slot (one per core beside the JavaScript thread), and frees it when its
 * signature settles, verified or not.
 */
import { describe, expect, it } from 'vitest'
import { backend } from '#crypto-backend'
import { decodeJws } from '../../src/kernel/jws.js'
import { importVerificationKey, type VerificationKey } from '../../src/kernel/keys.js'
import { poolHasRoom, verifySignature } from '../../src/kernel/verify.js'
import { accessClaims, makeKey, sign } from '../support/tokens.js'

describe("threadPool 'auto': pool slots", () => {
  it('fills the slots, then has no room until a signature settles', async () => {
    const key = makeKey('RS256', 'pool-1')
    const token = await sign(key, accessClaims())
    const keys = [
      (await importVerificationKey(key.publicJwk as never, {
        allowSymmetric: false,
      })) as VerificationKey,
    ]
    const jws = decodeJws(token)
    expect(poolHasRoom()).toBe(backend.poolSlots > 0)
    const good = Array.from({ length: backend.poolSlots }, () =>
      verifySignature(jws, 'RS256', keys, true),
    )
    expect(poolHasRoom()).toBe(false)
    await Promise.all(good)
    expect(poolHasRoom()).toBe(backend.poolSlots > 0)
    // A signature no key accepts frees its slot too.
    const forged = decodeJws(`${token.slice(0, token.lastIndexOf('.'))}.${'A'.repeat(342)}`)
    const refused = Array.from({ length: backend.poolSlots }, () =>
      Promise.resolve(verifySignature(forged, 'RS256', keys, true)).catch((e: Error) => e),
    )
    expect(poolHasRoom()).toBe(false)
    for (const outcome of await Promise.all(refused)) expect(outcome).toBeInstanceOf(Error)
    expect(poolHasRoom()).toBe(backend.poolSlots > 0)
  })
})
