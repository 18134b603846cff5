/** Conformance: discovery.json, as named tests against an injected fetch and a frozen clock. */
import { expect } from 'vitest'
import { getDiscoveryDocument, ProviderCache } from '../../src/index.js'
import { fakeFetch, type Handler, json } from '../support/fake-fetch.js'
import { conformanceSuite, fixtureJson, loadCapability, specAvailable } from './spec.js'

const ISSUER = 'https://provider.example.com'
const URL_ = `${ISSUER}/.well-known/openid-configuration`
const required = specAvailable ? (loadCapability('discovery').required_fields as string[]) : []

function setup(handler: Handler) {
  let clock = 0
  const fake = fakeFetch({ [URL_]: handler })
  const cache = new ProviderCache({ now: () => clock })
  const get = (address = ISSUER) => getDiscoveryDocument({ address, fetch: fake.fetch, cache })
  return { fake, get, advance: (ms: number) => (clock += ms) }
}

conformanceSuite('discovery', {
  'DISC-001': async () => {
    const { get } = setup(() => json(fixtureJson('discovery/valid.json')))
    const disco = await get()
    expect(disco.isSuccessful).toBe(true)
    expect(disco.issuer).toBe(ISSUER)
    expect(disco.tokenEndpoint).toBe(`${ISSUER}/token`)
    expect(disco.jwksUri).toBe(`${ISSUER}/jwks`)
    expect(disco.responseTypesSupported).toEqual(['code', 'id_token', 'code id_token'])
  },
  'DISC-002': async () => {
    const { get } = setup(() => json(fixtureJson('discovery/valid.json')))
    const disco = await get()
    if (!disco.isSuccessful) throw new Error(disco.error)
    expect(required).toHaveLength(7)
    for (const name of required) expect(disco.raw[name]).toBeDefined()
    expect(disco.authorizationEndpoint).toBeTypeOf('string')
    expect(disco.subjectTypesSupported).toEqual(['public'])
    expect(disco.idTokenSigningAlgValuesSupported).toEqual(['RS256', 'ES256'])
  },
  'DISC-003': async () => {
    const { get } = setup(() => json(fixtureJson('discovery/issuer-mismatch.json')))
    const disco = await get()
    expect(disco.isSuccessful).toBe(false)
    expect(disco.errorType).toBe('policy')
    expect(disco.error).toContain('issuer mismatch')
  },
  'DISC-004': async () => {
    const { fake, get, advance } = setup(() =>
      json(fixtureJson('discovery/valid.json'), { headers: { 'cache-control': 'max-age=300' } }),
    )
    await get()
    advance(299_000)
    const again = await get()
    expect(again.isSuccessful).toBe(true)
    expect(fake.calls).toHaveLength(1)
  },
  'DISC-005': async () => {
    const { fake, get, advance } = setup(() =>
      json(fixtureJson('discovery/valid.json'), { headers: { 'cache-control': 'max-age=300' } }),
    )
    await get()
    advance(301_000)
    await get() // serves the expired value while refreshing in the background
    await new Promise((resolve) => setTimeout(resolve, 0))
    expect(fake.calls).toHaveLength(2)
  },
  'DISC-006': async () => {
    for (const status of [404, 500]) {
      const { get } = setup(() => new Response('no', { status }))
      const disco = await get()
      expect(disco.isSuccessful).toBe(false)
      expect(disco.errorType).toBe('http')
      expect(disco.isSuccessful === false && disco.httpStatus).toBe(status)
    }
  },
  'DISC-007': async () => {
    const { get } = setup(() => new Response('<html>not json</html>', { status: 200 }))
    const disco = await get()
    expect(disco.isSuccessful).toBe(false)
    expect(disco.errorType).toBe('invalid_json')
  },
  'DISC-008': async () => {
    for (const [file, missing] of [
      ['discovery/missing-jwks-uri.json', ['jwks_uri']],
      ['discovery/missing-multiple-fields.json', ['token_endpoint', 'subject_types_supported']],
    ] as const) {
      const { get } = setup(() => json(fixtureJson(file)))
      const disco = await get()
      expect(disco.isSuccessful).toBe(false)
      expect(disco.errorType).toBe('invalid_response')
      for (const name of missing) expect(disco.error).toContain(name)
    }
  },
  'DISC-009': async () => {
    const { get } = setup(() => json(fixtureJson('discovery/valid.json')))
    const disco = await get()
    expect(disco.isSuccessful).toBe(true)
    expect(disco.raw?.x_custom_extension_field).toBe('should-be-ignored-not-rejected')
  },
  'DISC-010': async () => {
    const plain = 'http://provider.example.com'
    const fake = fakeFetch({
      [`${plain}/.well-known/openid-configuration`]: () =>
        json({ ...fixtureJson<object>('discovery/valid.json'), issuer: plain }),
    })
    const refused = await getDiscoveryDocument({ address: plain, fetch: fake.fetch, cache: false })
    expect(refused.isSuccessful).toBe(false)
    expect(refused.errorType).toBe('policy')
    expect(refused.error).toContain('HTTPS')
    expect(fake.calls).toHaveLength(0)
    // Configurable for development: the opt-out is named, and loopback is allowed by default.
    const allowed = await getDiscoveryDocument({
      address: plain,
      fetch: fake.fetch,
      cache: false,
      policy: { requireHttps: false, validateEndpoints: false },
    })
    expect(allowed.isSuccessful).toBe(true)
  },
})
