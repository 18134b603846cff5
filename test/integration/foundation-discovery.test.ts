/**
 * Discovery and JWKS against the real testbed provider (oidc-provider on 127.0.0.1).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  DiscoveryDocumentRequest,
  getDiscoveryDocument,
  getJwks,
  JwksRequest,
  ProviderCache,
} from '../../src/index.js'
import { startProvider, type TestProvider } from '../../testbed/provider.js'

describe('discovery and JWKS against the testbed provider', () => {
  let op: TestProvider

  beforeAll(async () => {
    op = await startProvider()
  })
  afterAll(async () => {
    await op.stop()
  })

  it('discovers from the issuer address over plain HTTP on loopback', async () => {
    const disco = await getDiscoveryDocument(
      new DiscoveryDocumentRequest({ address: op.issuer, cache: false }),
    )
    if (!disco.isSuccessful) throw new Error(disco.error)
    expect(disco.issuer).toBe(op.issuer)
    expect(disco.tokenEndpoint).toBe(`${op.issuer}/token`)
    expect(disco.jwksUri).toBe(`${op.issuer}/jwks`)
    expect(disco.introspectionEndpoint).toBe(`${op.issuer}/token/introspection`)
    expect(disco.revocationEndpoint).toBe(`${op.issuer}/token/revocation`)
    expect(disco.deviceAuthorizationEndpoint).toBe(`${op.issuer}/device/auth`)
    expect(disco.pushedAuthorizationRequestEndpoint).toBe(`${op.issuer}/request`)
    expect(disco.grantTypesSupported).toContain('client_credentials')
    expect(disco.idTokenSigningAlgValuesSupported).toContain('RS256')
    // Members we do not type stay reachable.
    expect(disco.raw.claims_supported).toEqual(expect.arrayContaining(['sub']))
  })

  it('discovers from the full well-known URL, to the same document', async () => {
    const byIssuer = await getDiscoveryDocument({ address: op.issuer, cache: false })
    const byUrl = await getDiscoveryDocument({ address: op.discoveryUrl, cache: false })
    if (!byUrl.isSuccessful) throw new Error(byUrl.error)
    expect(byUrl.issuer).toBe(op.issuer)
    expect(byUrl.raw).toEqual(byIssuer.raw)
  })

  it('refuses the document when the issuer is not exactly the requested one', async () => {
    // Same document, fetched from the same URL; only the trailing slash differs.
    const other = `${op.issuer}/`
    const disco = await getDiscoveryDocument({ address: other, cache: false })
    expect(disco.isSuccessful).toBe(false)
    expect(disco.errorType).toBe('policy')
    expect(disco.error).toBe(
      `issuer mismatch: expected ${other}, the discovery document says ${op.issuer}`,
    )
  })

  it('caches per address: one request however many callers', async () => {
    const cache = new ProviderCache()
    op.resetCounts()
    const results = await Promise.all(
      Array.from({ length: 50 }, () => getDiscoveryDocument({ address: op.issuer, cache })),
    )
    expect(results.every((result) => result.isSuccessful)).toBe(true)
    await getDiscoveryDocument({ address: op.issuer, cache })
    expect(op.counts['/.well-known/openid-configuration']).toBe(1)
  })

  it('fetches the JWKS with every published key, public members only', async () => {
    const disco = await getDiscoveryDocument({ address: op.issuer, cache: false })
    const jwks = await getJwks(new JwksRequest({ address: disco.jwksUri }))
    if (!jwks.isSuccessful) throw new Error(jwks.error)
    expect(jwks.keys.map((key) => key.kid)).toEqual(['rsa-a', 'ps-a', 'ec-a', 'ed-a'])
    for (const key of jwks.keys) {
      expect(key.use).toBe('sig')
      expect(key).not.toHaveProperty('d')
    }
  })

  it('reports a stopped provider as a network failure', async () => {
    const gone = await startProvider()
    await gone.stop()
    const disco = await getDiscoveryDocument({ address: gone.issuer, cache: false })
    expect(disco.isSuccessful).toBe(false)
    expect(disco.errorType).toBe('network')
    expect(disco.error).toContain(`GET ${gone.discoveryUrl} failed: `)
    expect(disco.error).toContain('ECONNREFUSED')
    const jwks = await getJwks({ address: `${gone.issuer}/jwks` })
    expect(jwks.errorType).toBe('network')
  })
})
