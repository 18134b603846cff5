/**
 * Several issuers: the allow-list picks the issuer from the token's `iss` before any fetch, a
 * resolver runs once per `iss`, and Entra ID's `{tenantid}` template works with the discovery
 * policy. Fetch injected, clock frozen.
 */
import { describe, expect, it, vi } from 'vitest'
import {
  type BearerOutcome,
  type BearerRefusal,
  createBearerAuthenticator,
  multiTenantIssuer,
  ProviderCache,
  type TokenValidationError,
} from '../../src/index.js'
import { currentDate, fakeProvider } from '../adapters/support.js'
import { fakeFetch } from '../support/fake-fetch.js'
import { makeKey, NOW, sign } from '../support/tokens.js'

function refused(outcome: BearerOutcome): BearerRefusal {
  if (outcome.ok) throw new Error('expected a refusal')
  return outcome
}

describe('an allow-list of issuers', () => {
  it('validates each token against its own issuer, and refuses others without a fetch', async () => {
    const fake = fakeFetch()
    const a = fakeProvider('https://a.example.com', { fake })
    const b = fakeProvider('https://b.example.com/tenant', { fake })
    const authenticate = createBearerAuthenticator({
      issuers: ['https://a.example.com', { issuer: b.issuer, audience: 'b-api' }],
      audience: 'my-api',
      currentDate,
      cache: new ProviderCache({ now: () => NOW * 1000 }),
      fetch: fake.fetch,
    })
    expect((await authenticate(`Bearer ${await a.token()}`)).ok).toBe(true)
    expect((await authenticate(`Bearer ${await b.token({ aud: 'b-api' })}`)).ok).toBe(true)
    // b's own audience replaces the shared one for b's tokens.
    const wrongAud = refused(await authenticate(`Bearer ${await b.token({ aud: 'my-api' })}`))
    expect((wrongAud.cause as TokenValidationError).claim).toBe('aud')
    expect(fake.calls.map((call) => call.url)).toEqual([
      a.discoveryUrl,
      'https://a.example.com/keys',
      b.discoveryUrl,
      'https://b.example.com/keys',
    ])

    const before = fake.calls.length
    const stranger = await a.token({ iss: 'https://evil.example.com' })
    const refusal = refused(await authenticate(`Bearer ${stranger}`))
    expect(refusal.status).toBe(401)
    expect(refusal.headers['www-authenticate']).toBe(
      'Bearer error="invalid_token", error_description="The token issuer is not accepted"',
    )
    expect((refusal.cause as TokenValidationError).code).toBe('claim_validation')
    expect(fake.calls.length).toBe(before)

    const noIss = refused(await authenticate(`Bearer ${await a.token({ iss: undefined })}`))
    expect((noIss.cause as TokenValidationError).claim).toBe('iss')
    const garbage = refused(await authenticate('Bearer not-a-jwt'))
    expect((garbage.cause as TokenValidationError).code).toBe('malformed')
    expect(fake.calls.length).toBe(before)
  })

  it('does not let a listed issuer vouch for tokens signed by another key', async () => {
    const fake = fakeFetch()
    const a = fakeProvider('https://a.example.com', { fake })
    const authenticate = createBearerAuthenticator({
      issuers: [a.issuer],
      audience: 'my-api',
      currentDate,
      cache: new ProviderCache({ now: () => NOW * 1000 }),
      fetch: fake.fetch,
    })
    const forged = await sign(makeKey('RS256', 'k1'), {
      iss: a.issuer,
      aud: 'my-api',
      iat: NOW,
      exp: NOW + 60,
    })
    const refusal = refused(await authenticate(`Bearer ${forged}`))
    expect((refusal.cause as TokenValidationError).code).toBe('signature')
  })
})

describe('resolveIssuer', () => {
  it('runs once per iss, and a refusal costs no fetch', async () => {
    const fake = fakeFetch()
    const a = fakeProvider('https://a.example.com', { fake })
    const resolver = vi.fn((iss: string) => (iss === a.issuer ? { issuer: iss } : undefined))
    const authenticate = createBearerAuthenticator({
      resolveIssuer: resolver,
      audience: 'my-api',
      currentDate,
      cache: new ProviderCache({ now: () => NOW * 1000 }),
      fetch: fake.fetch,
    })
    expect((await authenticate(`Bearer ${await a.token()}`)).ok).toBe(true)
    expect((await authenticate(`Bearer ${await a.token({ sub: 'other' })}`)).ok).toBe(true)
    const evil = await a.token({ iss: 'https://evil.example.com' })
    expect(refused(await authenticate(`Bearer ${evil}`)).status).toBe(401)
    expect(refused(await authenticate(`Bearer ${evil}`)).status).toBe(401)
    expect(resolver.mock.calls.map(([iss]) => iss)).toEqual([a.issuer, 'https://evil.example.com'])
    expect(fake.calls.every((call) => call.url.startsWith(a.issuer))).toBe(true)
  })

  it('answers 500 when the resolver returns settings for another issuer', async () => {
    const a = fakeProvider()
    const authenticate = createBearerAuthenticator({
      resolveIssuer: () => ({ issuer: 'https://elsewhere.example.com' }),
      audience: 'my-api',
      currentDate,
      fetch: a.fake.fetch,
    })
    const refusal = refused(await authenticate(`Bearer ${await a.token()}`))
    expect(refusal.status).toBe(500)
    expect(refusal.cause).toBeInstanceOf(TypeError)
  })
})

describe('multiTenantIssuer (Entra ID {tenantid} template)', () => {
  const common = 'https://login.microsoftonline.com/common/v2.0'
  const template = 'https://login.microsoftonline.com/{tenantid}/v2.0'
  const tenant1 = '11111111-1111-1111-1111-111111111111'
  const tenant2 = '22222222-2222-2222-2222-222222222222'
  const issuerOf = (tenant: string) => `https://login.microsoftonline.com/${tenant}/v2.0`

  function entra(tenants?: readonly string[]) {
    const op = fakeProvider(common, { documentIssuer: template })
    const authenticate = createBearerAuthenticator({
      audience: 'api://my-api',
      currentDate,
      cache: new ProviderCache({ now: () => NOW * 1000 }),
      fetch: op.fake.fetch,
      resolveIssuer: multiTenantIssuer({
        discoDocAddress: common,
        issuerTemplate: template,
        tenants,
      }),
    })
    const token = (tenant: string, claims: Record<string, unknown> = {}) =>
      op.token({ iss: issuerOf(tenant), aud: 'api://my-api', tid: tenant, ...claims })
    return { op, authenticate, token }
  }

  it('accepts tenants fitting the template, with one discovery for all of them', async () => {
    const { op, authenticate, token } = entra()
    const one = await authenticate(`Bearer ${await token(tenant1)}`)
    expect(one.ok && one.claims.iss).toBe(issuerOf(tenant1))
    expect((await authenticate(`Bearer ${await token(tenant2)}`)).ok).toBe(true)
    expect(op.fake.count(op.discoveryUrl)).toBe(1)
    expect(op.fake.count('https://login.microsoftonline.com/keys')).toBe(1)
  })

  it('refuses tenants not listed (no fetch), a tid that contradicts iss, and other hosts', async () => {
    const { op, authenticate, token } = entra([tenant1])
    const other = refused(await authenticate(`Bearer ${await token(tenant2)}`))
    expect(other.body.error_description).toBe('The token issuer is not accepted')
    expect(op.fake.calls).toHaveLength(0)
    const mismatch = refused(await authenticate(`Bearer ${await token(tenant1, { tid: tenant2 })}`))
    expect(mismatch.status).toBe(401)
    expect((mismatch.cause as TokenValidationError).claim).toBe('tid')
    const lookalike = refused(
      await authenticate(
        `Bearer ${await op.token({ iss: `https://login.microsoftonline.com.evil.example/${tenant1}/v2.0`, aud: 'api://my-api' })}`,
      ),
    )
    expect((lookalike.cause as TokenValidationError).claim).toBe('iss')
  })

  it('still requires the discovery document to declare the template', async () => {
    const op = fakeProvider(common, { documentIssuer: 'https://login.microsoftonline.com/x/v2.0' })
    const authenticate = createBearerAuthenticator({
      audience: 'api://my-api',
      currentDate,
      cache: new ProviderCache({ now: () => NOW * 1000 }),
      fetch: op.fake.fetch,
      resolveIssuer: multiTenantIssuer({ discoDocAddress: common, issuerTemplate: template }),
    })
    const token = await op.token({ iss: issuerOf(tenant1), aud: 'api://my-api' })
    const refusal = refused(await authenticate(`Bearer ${token}`))
    expect(refusal.status).toBe(500)
    expect((refusal.cause as Error).message).toContain('issuer mismatch')
  })

  it('rejects a template without exactly one {tenantid}', () => {
    expect(() =>
      multiTenantIssuer({ discoDocAddress: common, issuerTemplate: 'https://x.example/v2.0' }),
    ).toThrow(TypeError)
  })
})
