/**
 * Exact issuer matching does not depend on which address asked first (issue 12): the discovery
 * cache once keyed documents by their URL alone, and `http://op` and `http://op/` share one.
 */
import { describe, expect, it } from 'vitest'
import { getDiscoveryDocument, ProviderCache, validateToken } from '../../src/index.js'
import { metadata } from '../discovery/helpers.js'
import { fakeFetch, json } from '../support/fake-fetch.js'
import { accessClaims, makeKey, NOW, sign } from '../support/tokens.js'

// Loopback HTTP, as the finding was reported (a provider on a developer's machine).
const OP = 'http://127.0.0.1:4000'
const DISCO = `${OP}/.well-known/openid-configuration`

function setup() {
  const key = makeKey('ES256', 'k1')
  // The provider's issuer has no trailing slash; `${OP}/` is another issuer.
  const fake = fakeFetch({
    [DISCO]: () => json(metadata(OP)),
    [`${OP}/jwks`]: () => json({ keys: [key.publicJwk] }),
  })
  const cache = new ProviderCache({ now: () => NOW * 1000 })
  const discover = (address: string) => getDiscoveryDocument({ address, fetch: fake.fetch, cache })
  const config = {
    performDisco: true as const,
    audience: 'my-api',
    currentDate: new Date(NOW * 1000),
    cache,
    fetch: fake.fetch,
  }
  return { key, fake, discover, config }
}

describe('the discovery cache key of http://op and http://op/ (issue 12)', () => {
  it('refuses http://op/ fresh, and still after http://op was cached', async () => {
    const { key, fake, discover, config } = setup()
    const fresh = await getDiscoveryDocument({ address: `${OP}/`, fetch: fake.fetch, cache: false })
    expect(fresh.isSuccessful ? fresh.issuer : fresh.errorType).toBe('policy')

    expect((await discover(OP)).isSuccessful).toBe(true)
    const slash = await discover(`${OP}/`)
    expect(slash.isSuccessful ? slash.issuer : slash.errorType).toBe('policy')

    const token = await sign(key, accessClaims({ iss: OP }))
    expect((await validateToken(token, config, OP)).iss).toBe(OP)
    // Before: served from the entry of http://op, so this passed.
    await expect(validateToken(token, config, `${OP}/`)).rejects.toMatchObject({
      code: 'configuration',
    })
  })

  it('accepts http://op at once after http://op/ was refused (no shared failure backoff)', async () => {
    const { discover } = setup()
    const slash = await discover(`${OP}/`)
    expect(slash.isSuccessful).toBe(false)
    // Before: the failure of http://op/ was remembered under the shared key for a second.
    const plain = await discover(OP)
    expect(plain.isSuccessful ? plain.issuer : plain.error).toBe(OP)
  })
})
