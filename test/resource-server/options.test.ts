/**
 * createBearerAuth decides at construction whether its options can work: each mistake is a
 * TypeError saying what to set, never a refusal on every request.
 */
import { describe, expect, it } from 'vitest'
import { createBearerAuth } from '../../src/resource-server/authenticate.js'
import { accessClaims, NOW, sign } from '../support/tokens.js'

const secret = new TextEncoder().encode('a-32-byte-secret-for-hs256-tests!')
const key = { kty: 'oct', k: Buffer.from(secret).toString('base64url') }
const ISSUER = 'https://id.example.com'

describe('createBearerAuth options', () => {
  it('refuses what cannot work, with a TypeError that says what to set', () => {
    const cases: [unknown, RegExp][] = [
      [null, /^bearer authentication needs options: \{ discoDocAddress, audience, \.\.\. \}$/],
      ['https://id.example.com', /needs options/],
      [{ audience: 'api' }, /needs discoDocAddress, issuers, resolveIssuer, a static key or intr/],
      [{ discoDocAddress: ISSUER }, /an audience is required/],
      [{ discoDocAddress: ISSUER, audience: '' }, /an audience is required/],
      [{ discoDocAddress: ISSUER, audience: [] }, /an audience is required/],
      [
        { issuers: [ISSUER, { issuer: 'https://b.example.com', audience: 'b' }] },
        /an audience is required/,
      ],
      [{ discoDocAddress: 'not a url', audience: 'api' }, /discoDocAddress/],
      [
        { key, audience: 'api' },
        /^with a static key, set `issuer` \(or options.verifyIss to false\)$/,
      ],
      [
        { key, performDisco: false, audience: 'api', issuer: ISSUER, resourceMetadata: 'nope' },
        /resourceMetadata/,
      ],
      [
        { key, audience: 'api', issuer: ISSUER, resourceMetadata: { url: 'nope' } },
        /resourceMetadata/,
      ],
      [{ discoDocAddress: ISSUER, issuers: [ISSUER], audience: 'api' }, /not both/],
    ]
    for (const [options, message] of cases) {
      let thrown: unknown
      try {
        createBearerAuth(options as never)
      } catch (error) {
        thrown = error
      }
      expect(thrown, JSON.stringify(options)).toBeInstanceOf(TypeError)
      expect((thrown as Error).message).toMatch(message)
    }
  })

  it('accepts the configurations that can work', async () => {
    expect(createBearerAuth({ discoDocAddress: ISSUER, audience: 'api' }).dpop).toBe(false)
    expect(() =>
      createBearerAuth({ discoDocAddress: ISSUER, options: { verifyAud: false } }),
    ).not.toThrow()
    expect(() =>
      createBearerAuth({
        issuers: [
          { issuer: ISSUER, audience: 'a' },
          { issuer: 'https://b.example.com', audience: 'b' },
        ],
      }),
    ).not.toThrow()
    expect(() => createBearerAuth({ resolveIssuer: () => undefined } as never)).not.toThrow()
    expect(() =>
      createBearerAuth({ key, audience: 'api', options: { verifyIss: false } }),
    ).not.toThrow()
    const withMetadata = createBearerAuth({
      key,
      audience: 'api',
      issuer: ISSUER,
      resourceMetadata: {
        url: 'https://api.example.com/.well-known/oauth-protected-resource',
      } as never,
    })
    const missing = await withMetadata.authenticate(undefined)
    if (missing.ok) throw new Error('expected a refusal')
    expect(missing.headers['www-authenticate']).toContain(
      'resource_metadata="https://api.example.com/.well-known/oauth-protected-resource"',
    )
  })

  it('with the JWT profile, requires exp and iat even when options turn them off', async () => {
    const auth = createBearerAuth({
      key,
      audience: 'my-api',
      issuer: ISSUER,
      currentDate: new Date(NOW * 1000),
      jwtAccessTokenProfile: true,
      options: { requireExp: false, requireIat: false },
    })
    const { exp: _exp, ...withoutExp } = accessClaims()
    const token = await sign({ secret, alg: 'HS256' }, withoutExp, { typ: 'at+jwt' })
    const outcome = await auth.authenticate({ authorization: `Bearer ${token}` })
    expect(outcome).toMatchObject({ ok: false, status: 401 })
    const complete = await sign({ secret, alg: 'HS256' }, accessClaims(), { typ: 'at+jwt' })
    expect(await auth.authenticate({ authorization: `Bearer ${complete}` })).toMatchObject({
      ok: true,
    })
  })

  it('reads a bare header value as the Authorization header, and a token bound to a key is refused as bearer', async () => {
    const auth = createBearerAuth({
      key,
      audience: 'my-api',
      issuer: ISSUER,
      currentDate: new Date(NOW * 1000),
    })
    const token = await sign({ secret, alg: 'HS256' }, accessClaims())
    expect(await auth.authenticate(`Bearer ${token}` as never)).toMatchObject({
      ok: true,
      method: 'header',
    })
    expect(await auth.authenticate(undefined as never)).toMatchObject({ ok: false, status: 401 })
    const bound = await sign({ secret, alg: 'HS256' }, accessClaims({ cnf: { jkt: 'abc' } }))
    const refusal = await auth.authenticate({ authorization: `Bearer ${bound}` })
    expect(refusal).toMatchObject({
      ok: false,
      status: 401,
      body: {
        error_description:
          'The token is bound to a key (DPoP) and cannot be used as a bearer token',
      },
    })
    expect((refusal as { cause?: Error }).cause?.message).toBe(
      'the token is bound to a DPoP key (cnf.jkt); this API accepts bearer tokens only',
    )
    const notBound = await sign({ secret, alg: 'HS256' }, accessClaims({ cnf: { x5t: 'abc' } }))
    expect(await auth.authenticate({ authorization: `Bearer ${notBound}` })).toMatchObject({
      ok: true,
    })
  })
})
