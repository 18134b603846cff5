/**
 * Discovery addresses: an issuer or the full well-known URL (OpenID Connect Discovery §4,
 * RFC 8414 §3), and the exact issuer each allows.
 */
import { describe, expect, it } from 'vitest'
import { resolveDiscoveryTarget } from '../../src/discovery/address.js'
import { getDiscoveryDocument } from '../../src/index.js'
import { fakeFetch } from '../support/fake-fetch.js'
import { discover, metadata } from './helpers.js'

const HOST = 'https://id.example.com'
const WELL_KNOWN = '/.well-known/openid-configuration'

describe('discovery from an issuer address', () => {
  it.each([
    [HOST, `${HOST}${WELL_KNOWN}`],
    [`${HOST}/`, `${HOST}${WELL_KNOWN}`],
    [`${HOST}/tenant`, `${HOST}/tenant${WELL_KNOWN}`],
    [`${HOST}/tenant/`, `${HOST}/tenant${WELL_KNOWN}`],
    [`${HOST}/realms/a/b`, `${HOST}/realms/a/b${WELL_KNOWN}`],
  ])('fetches %s from %s and accepts that issuer exactly', async (issuer, url) => {
    const { result, fake } = await discover(url, metadata(issuer), issuer)
    expect(fake.calls.map((call) => call.url)).toEqual([url])
    if (!result.isSuccessful) throw new Error(result.error)
    expect(result.issuer).toBe(issuer)
  })

  it.each([
    [HOST, `${HOST}/`],
    [`${HOST}/`, HOST],
    [`${HOST}/tenant`, `${HOST}/tenant/`],
    [`${HOST}/tenant`, `${HOST}/other`],
    ['https://ID.example.com', HOST],
  ])(
    'for the address %s refuses the issuer %s (exact string comparison)',
    async (address, issuer) => {
      const url = new URL(resolveDiscoveryTarget(address).url).href
      const { result } = await discover(url, metadata(issuer), address)
      expect(result.isSuccessful).toBe(false)
      expect(result.errorType).toBe('policy')
      expect(result.error).toBe(
        `issuer mismatch: expected ${address}, the discovery document says ${issuer}`,
      )
    },
  )
})

describe('discovery from the full well-known URL', () => {
  it.each([
    [`${HOST}${WELL_KNOWN}`, [HOST, `${HOST}/`]],
    [`${HOST}/tenant${WELL_KNOWN}`, [`${HOST}/tenant`, `${HOST}/tenant/`]],
    [`${HOST}/.well-known/oauth-authorization-server`, [HOST, `${HOST}/`]],
  ])('fetches %s as given; the issuer may be %j', async (url, issuers) => {
    for (const issuer of issuers) {
      const { result, fake } = await discover(url, metadata(issuer), url)
      expect(fake.calls.map((call) => call.url)).toEqual([url])
      expect(result.isSuccessful ? result.issuer : result.error).toBe(issuer)
    }
    const { result } = await discover(url, metadata(`${HOST}/elsewhere`), url)
    expect(result.errorType).toBe('policy')
  })

  it.each([
    [`${HOST}/.well-known/oauth-authorization-server/tenant`, `${HOST}/tenant`],
    [`${HOST}/.well-known/openid-configuration/tenant/v2`, `${HOST}/tenant/v2`],
  ])('reads the issuer of the RFC 8414 path-inserted URL %s as %s', async (url, issuer) => {
    const { result } = await discover(url, metadata(issuer), url)
    expect(result.isSuccessful ? result.issuer : result.error).toBe(issuer)
    // The host alone is a different issuer.
    const { result: hostOnly } = await discover(url, metadata(HOST), url)
    expect(hostOnly.isSuccessful).toBe(false)
    expect(hostOnly.errorType).toBe('policy')
    expect(hostOnly.error).toContain(`expected ${issuer}, `)
  })
})

describe('discovery: policy.authority and validateIssuerName', () => {
  const gateway = 'https://gateway.internal.example.com'

  it('expects policy.authority instead of the address', async () => {
    const url = `${gateway}${WELL_KNOWN}`
    const policy = {
      authority: HOST,
      additionalEndpointBaseAddresses: [`${HOST}/`],
    }
    const { result } = await discover(url, metadata(HOST), gateway, policy)
    expect(result.isSuccessful ? result.issuer : result.error).toBe(HOST)

    const { result: refused } = await discover(url, metadata(gateway), gateway, policy)
    expect(refused.errorType).toBe('policy')
    expect(refused.error).toBe(
      `issuer mismatch: expected ${HOST}, the discovery document says ${gateway}`,
    )
  })

  it('accepts another issuer only with validateIssuerName: false', async () => {
    const url = `${gateway}${WELL_KNOWN}`
    const { result } = await discover(url, metadata(gateway.replace('gateway', 'other')), gateway, {
      validateIssuerName: false,
      validateEndpoints: false,
    })
    expect(result.isSuccessful).toBe(true)
  })

  it('answers a failure, not a rejection, for an issuer that is not a URL', async () => {
    const url = `${HOST}${WELL_KNOWN}`
    const document = { ...metadata(HOST), issuer: 'not a url' }
    const { result } = await discover(url, document, HOST, { validateIssuerName: false })
    expect(result.isSuccessful).toBe(false)
    expect(result.errorType).toBe('invalid_response')
    expect(result.error).toContain('issuer')
  })
})

describe('discovery: caller mistakes', () => {
  it.each([
    [undefined, 'address must be a non-empty URL string'],
    ['', 'address must be a non-empty URL string'],
    ['id.example.com', 'address is not a valid absolute URL: "id.example.com"'],
    ['/relative', 'address is not a valid absolute URL: "/relative"'],
    ['ftp://id.example.com', 'address must use https (or http on loopback), got ftp:'],
  ])('throws TypeError for the address %j without fetching', async (address, message) => {
    const fake = fakeFetch()
    await expect(
      getDiscoveryDocument({ address: address as string, fetch: fake.fetch, cache: false }),
    ).rejects.toThrow(new TypeError(message))
    expect(fake.calls).toHaveLength(0)
  })
})

describe('RFC 8414 fallback', () => {
  it.each([
    [HOST, `${HOST}/.well-known/oauth-authorization-server`],
    [`${HOST}/tenant`, `${HOST}/.well-known/oauth-authorization-server/tenant`],
    [`${HOST}/tenant/`, `${HOST}/.well-known/oauth-authorization-server/tenant`],
  ])('the issuer %s falls back to %s, for that issuer exactly', (issuer, url) => {
    const target = resolveDiscoveryTarget(issuer)
    expect(target.fallback).toEqual({ url, expectedIssuers: [issuer], kind: 'oauth' })
  })

  it('has no fallback for a well-known URL, and reads an oauth one as RFC 8414', () => {
    expect(resolveDiscoveryTarget(`${HOST}${WELL_KNOWN}`).fallback).toBeUndefined()
    const oauth = resolveDiscoveryTarget(`${HOST}/.well-known/oauth-authorization-server/t`)
    expect(oauth).toEqual({
      url: `${HOST}/.well-known/oauth-authorization-server/t`,
      expectedIssuers: [`${HOST}/t`],
      kind: 'oauth',
    })
  })

  it('falls back only on a 404, and then needs only the RFC 8414 members', async () => {
    const oauthOnly = { issuer: `${HOST}/t`, response_types_supported: ['code'] }
    const fake = fakeFetch()
    fake.route(`${HOST}/t${WELL_KNOWN}`, () => new Response('no', { status: 404 }))
    fake.route(`${HOST}/.well-known/oauth-authorization-server/t`, () => Response.json(oauthOnly))
    const disco = await getDiscoveryDocument({
      address: `${HOST}/t`,
      fetch: fake.fetch,
      cache: false,
    })
    expect(disco).toMatchObject({ isSuccessful: true, issuer: `${HOST}/t` })

    const down = fakeFetch()
    down.route(`${HOST}/t${WELL_KNOWN}`, () => new Response('no', { status: 503 }))
    const failed = await getDiscoveryDocument({
      address: `${HOST}/t`,
      fetch: down.fetch,
      cache: false,
      timeoutMs: 1000,
    })
    expect(failed).toMatchObject({ isSuccessful: false, httpStatus: 503 })
    expect(down.calls.every((call) => call.url.endsWith(WELL_KNOWN))).toBe(true)
  })
})
