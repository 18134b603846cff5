/**
 * Opaque tokens by introspection (RFC 7662): routing (only non-JWTs when JWT validation is on),
 * the hash-keyed cache bounded by `exp` and a cap, the checks on an active token, and the
 * mapping of introspection failures. Fetch injected, clocks frozen.
 */
import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import {
  type BearerAuthOptions,
  type BearerOutcome,
  type BearerRefusal,
  createBearerAuthenticator,
  IntrospectionCache,
  type TokenValidationError,
} from '../../src/index.js'
import { currentDate, fakeProvider } from '../adapters/support.js'
import { json } from '../support/fake-fetch.js'
import { NOW } from '../support/tokens.js'

function refused(outcome: BearerOutcome): BearerRefusal {
  if (outcome.ok) throw new Error('expected a refusal')
  return outcome
}

const client = { clientId: 'my-api', clientSecret: 'api-secret' }

function setup(extra: Partial<BearerAuthOptions> = {}) {
  const op = fakeProvider()
  let clock = NOW * 1000
  const cache = new IntrospectionCache({ maxEntries: 3, maxTtlSeconds: 60, now: () => clock })
  const authenticate = createBearerAuthenticator({
    discoDocAddress: op.issuer,
    audience: 'my-api',
    currentDate,
    cache: op.cache,
    fetch: op.fake.fetch,
    introspection: { ...client, cache, fetch: op.fake.fetch },
    ...extra,
  })
  const active = (claims: Record<string, unknown> = {}) => ({
    active: true,
    client_id: 'svc',
    aud: 'my-api',
    scope: 'api:read',
    exp: NOW + 600,
    token_type: 'Bearer',
    ...claims,
  })
  return {
    op,
    cache,
    authenticate,
    active,
    advance: (seconds: number) => {
      clock += seconds * 1000
    },
  }
}

describe('introspection of opaque tokens', () => {
  it('introspects opaque tokens, validates JWTs locally', async () => {
    const { op, authenticate, active } = setup()
    op.opaque.set('opaque-1', active())
    const outcome = await authenticate('Bearer opaque-1')
    expect(outcome.ok && outcome.claims.client_id).toBe('svc')
    expect(op.fake.count(op.introspectionUrl)).toBe(1)
    const request = op.fake.calls.find((call) => call.url === op.introspectionUrl)
    expect(request?.headers.get('authorization')).toMatch(/^Basic /)
    expect((await authenticate(`Bearer ${await op.token()}`)).ok).toBe(true)
    expect(op.fake.count(op.introspectionUrl)).toBe(1)
  })

  it('introspects every token when no JWT validation is configured', async () => {
    const op = fakeProvider()
    const authenticate = createBearerAuthenticator({
      audience: 'my-api',
      currentDate,
      introspection: { ...client, address: op.introspectionUrl, fetch: op.fake.fetch },
    })
    const jwt = await op.token()
    op.opaque.set(jwt, { active: true, aud: 'my-api', exp: NOW + 60 })
    expect((await authenticate(`Bearer ${jwt}`)).ok).toBe(true)
    expect(op.fake.count(op.introspectionUrl)).toBe(1)
    expect(op.fake.count(op.discoveryUrl)).toBe(0)
  })

  it('caches by SHA-256 of the token, never the token, and shares one call between requests', async () => {
    const { op, cache, authenticate, active } = setup()
    op.opaque.set('opaque-secret-value', active())
    const [one, two] = await Promise.all([
      authenticate('Bearer opaque-secret-value'),
      authenticate('Bearer opaque-secret-value'),
    ])
    expect(one.ok && two.ok).toBe(true)
    expect((await authenticate('Bearer opaque-secret-value')).ok).toBe(true)
    expect(op.fake.count(op.introspectionUrl)).toBe(1)
    const hash = createHash('sha256').update('opaque-secret-value').digest('base64url')
    expect(cache.keys()).toEqual([hash])
    expect(JSON.stringify(cache.keys())).not.toContain('opaque-secret-value')
  })

  it('never keeps an answer past the token exp, nor past the cap', async () => {
    const { op, authenticate, active, advance } = setup()
    op.opaque.set('short', active({ exp: NOW + 20 }))
    op.opaque.set('long', active({ exp: NOW + 3600 }))
    await authenticate('Bearer short')
    await authenticate('Bearer long')
    expect(op.fake.count(op.introspectionUrl)).toBe(2)
    advance(21)
    await authenticate('Bearer short') // its entry ended with exp: asked again
    await authenticate('Bearer long') // still cached
    expect(op.fake.count(op.introspectionUrl)).toBe(3)
    advance(40)
    await authenticate('Bearer long') // 61 s after the first answer: past the 60 s cap
    expect(op.fake.count(op.introspectionUrl)).toBe(4)
  })

  it('is bounded: the least recently used entry goes first', () => {
    const cache = new IntrospectionCache({ maxEntries: 2, now: () => 0 })
    cache.set('a', 'e', { active: false })
    cache.set('b', 'e', { active: false })
    expect(cache.get('a', 'e')).toEqual({ active: false })
    cache.set('c', 'e', { active: false })
    expect(cache.keys()).toEqual(['a', 'c'])
    expect(cache.get('a', 'other-endpoint')).toBeUndefined()
  })

  it('refuses inactive tokens (remembered too) and active tokens that fail a check', async () => {
    const { op, authenticate, active } = setup({ requiredScopes: 'api:read' })
    const inactive = refused(await authenticate('Bearer unknown'))
    expect(inactive.headers['www-authenticate']).toBe(
      'Bearer error="invalid_token", error_description="The token is not active"',
    )
    await authenticate('Bearer unknown')
    expect(op.fake.count(op.introspectionUrl)).toBe(1)

    const cases: [string, Record<string, unknown>, string][] = [
      ['other-aud', active({ aud: 'other-api' }), 'aud'],
      ['no-aud', active({ aud: undefined }), 'aud'],
      ['expired', active({ exp: NOW - 60 }), 'exp'],
      ['refresh', active({ token_type: 'refresh_token' }), 'token_type'],
      ['dpop', active({ token_type: 'DPoP', cnf: { jkt: 'x' } }), 'token_type'],
      ['bound', active({ cnf: { jkt: 'x' } }), 'cnf'],
    ]
    for (const [token, answer, claim] of cases) {
      op.opaque.set(token, answer)
      const refusal = refused(await authenticate(`Bearer ${token}`))
      expect(refusal.status).toBe(401)
      expect((refusal.cause as TokenValidationError).claim).toBe(claim)
    }
    op.opaque.set('no-scope', active({ scope: 'other' }))
    expect(refused(await authenticate('Bearer no-scope')).status).toBe(403)
  })

  it('answers 503 when introspection is down and 500 when it refuses this API', async () => {
    const { op, authenticate } = setup()
    op.fake.route(op.introspectionUrl, () =>
      json({ error: 'temporarily_unavailable' }, { status: 503 }),
    )
    const down = refused(await authenticate('Bearer opaque-1'))
    expect(down.status).toBe(503)
    expect((down.cause as Error & { code: string }).code).toBe('provider_unavailable')
    op.fake.route(op.introspectionUrl, () => json({ error: 'invalid_client' }, { status: 401 }))
    const misconfigured = refused(await authenticate('Bearer opaque-2'))
    expect(misconfigured.status).toBe(500)
    expect((misconfigured.cause as Error & { code: string }).code).toBe('configuration')
    expect((misconfigured.cause as Error).message).not.toContain('api-secret')
    expect((misconfigured.cause as Error).message).not.toContain('opaque-2')
  })

  it('needs a client id and an endpoint at construction', () => {
    expect(() =>
      createBearerAuthenticator({ audience: 'a', introspection: { clientSecret: 's' } }),
    ).toThrow(/clientId/)
    expect(() => createBearerAuthenticator({ audience: 'a', introspection: client })).toThrow(
      /endpoint/,
    )
  })
})
