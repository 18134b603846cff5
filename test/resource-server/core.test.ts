/**
 * The framework-free core: extraction (RFC 6750 §2), refusals and their exact challenges
 * (RFC 6750 §3, RFC 9728 §5.1), guards, construction errors. Fetch injected, clock frozen.
 */
import { describe, expect, it } from 'vitest'
import {
  type BearerAuthOptions,
  type BearerOutcome,
  type BearerRefusal,
  type ConfigurationError,
  createBearerAuthenticator,
  createScopeGuard,
  extractToken,
  ProviderUnavailableError,
  protectedResourceMetadata,
  TokenValidationError,
} from '../../src/index.js'
import { currentDate, type FakeProvider, fakeProvider } from '../adapters/support.js'
import { makeKey, NOW, sign } from '../support/tokens.js'

function setup(extra: Partial<BearerAuthOptions> = {}, op: FakeProvider = fakeProvider()) {
  const refusals: BearerRefusal[] = []
  const authenticate = createBearerAuthenticator({
    discoDocAddress: op.issuer,
    audience: 'my-api',
    currentDate,
    cache: op.cache,
    fetch: op.fake.fetch,
    onRefusal: (refusal) => refusals.push(refusal),
    ...extra,
  })
  return { op, authenticate, refusals }
}

function refused(outcome: BearerOutcome): BearerRefusal {
  if (outcome.ok) throw new Error('expected a refusal')
  return outcome
}

describe('token extraction (RFC 6750 §2)', () => {
  const all = new Set(['header', 'body', 'query'] as const)

  it('reads the Authorization header, case-insensitive scheme, and ignores other schemes', () => {
    expect(extractToken({ authorization: 'Bearer abc.def-_~+/=' }, all)).toEqual({
      token: 'abc.def-_~+/=',
      method: 'header',
    })
    expect(extractToken({ authorization: 'bearer   abc' }, all)).toEqual({
      token: 'abc',
      method: 'header',
    })
    expect(extractToken({ authorization: 'Basic dXNlcjpwYXNz' }, all)).toEqual({
      token: undefined,
    })
  })

  it('refuses a malformed Bearer header, several methods, repeated or empty values', () => {
    expect(extractToken({ authorization: 'Bearer a b' }, all).invalid).toBe(
      'The Authorization header is not a valid Bearer header',
    )
    expect(extractToken({ authorization: 'Bearer' }, all).invalid).toBeDefined()
    expect(extractToken({ authorization: ['Bearer a', 'Bearer b'] }, all).invalid).toBeDefined()
    expect(extractToken({ authorization: 'Bearer a', queryTokens: ['b'] }, all).invalid).toBe(
      'The request uses more than one method to send the token',
    )
    expect(extractToken({ bodyTokens: ['a'], queryTokens: ['b'] }, all).invalid).toBe(
      'The request uses more than one method to send the token',
    )
    expect(extractToken({ queryTokens: ['a', 'a'] }, all).invalid).toBe(
      'The access_token query parameter must appear once, with a value',
    )
    expect(extractToken({ bodyTokens: [''] }, all).invalid).toBe(
      'The access_token form field must appear once, with a value',
    )
  })

  it('reads body and query only when enabled', () => {
    const header = new Set(['header'] as const)
    expect(extractToken({ queryTokens: ['q'], bodyTokens: ['b'] }, header)).toEqual({
      token: undefined,
    })
    expect(extractToken({ queryTokens: ['q'] }, new Set(['query'] as const))).toEqual({
      token: 'q',
      method: 'query',
    })
    expect(extractToken({ bodyTokens: ['b'] }, new Set(['header', 'body'] as const))).toEqual({
      token: 'b',
      method: 'body',
    })
  })
})

describe('createBearerAuthenticator', () => {
  it('accepts a good token and returns its claims and where it came from', async () => {
    const { op, authenticate } = setup()
    const token = await op.token()
    const outcome = await authenticate(`Bearer ${token}`)
    expect(outcome).toMatchObject({ ok: true, token, method: 'header' })
    expect(outcome.ok && outcome.claims.sub).toBe('user-1')
  })

  it('answers a request without a token with a bare challenge (no error code)', async () => {
    const { authenticate, refusals } = setup()
    const refusal = refused(await authenticate(undefined))
    expect(refusal.status).toBe(401)
    expect(refusal.headers['www-authenticate']).toBe('Bearer')
    expect(refusal.body).toEqual({
      error: 'unauthorized',
      error_description: 'Bearer authentication is required',
    })
    expect(refusals).toHaveLength(1)
  })

  it('puts realm and resource_metadata in every challenge, in a fixed order', async () => {
    const metadata = protectedResourceMetadata({ resource: 'https://api.example.com/v1' })
    const { op, authenticate } = setup({
      realm: 'orders',
      resourceMetadata: metadata,
      requiredScopes: 'api:admin',
    })
    const rm = 'resource_metadata="https://api.example.com/.well-known/oauth-protected-resource/v1"'
    expect(refused(await authenticate(undefined)).headers['www-authenticate']).toBe(
      `Bearer realm="orders", ${rm}`,
    )
    expect(refused(await authenticate('Bearer a b')).headers['www-authenticate']).toBe(
      `Bearer realm="orders", error="invalid_request", error_description="The Authorization header is not a valid Bearer header", ${rm}`,
    )
    expect(refused(await authenticate('Bearer x.y.z')).headers['www-authenticate']).toBe(
      `Bearer realm="orders", error="invalid_token", error_description="The token is malformed", ${rm}`,
    )
    const token = await op.token()
    const forbidden = refused(await authenticate(`Bearer ${token}`))
    expect(forbidden.status).toBe(403)
    expect(forbidden.headers['www-authenticate']).toBe(
      `Bearer realm="orders", error="insufficient_scope", error_description="The token lacks a required scope", scope="api:admin", ${rm}`,
    )
  })

  it('maps each validation failure to 401 invalid_token with a fixed description', async () => {
    const { op, authenticate, refusals } = setup()
    const cases: [string, string, string][] = [
      [await op.token({ exp: NOW - 60 }), 'The token has expired', 'exp'],
      [await op.token({ aud: 'other-api' }), 'The token audience is not accepted', 'aud'],
      [await op.token({ nbf: NOW + 3600 }), 'The token is not valid yet', 'nbf'],
      [
        await op.token({ iss: 'https://evil.example.com' }),
        'The token issuer is not accepted',
        'iss',
      ],
    ]
    for (const [token, description, claim] of cases) {
      const refusal = refused(await authenticate(`Bearer ${token}`))
      expect(refusal.status).toBe(401)
      expect(refusal.headers['www-authenticate']).toBe(
        `Bearer error="invalid_token", error_description="${description}"`,
      )
      expect(refusal.cause).toBeInstanceOf(TokenValidationError)
      expect((refusal.cause as TokenValidationError).claim).toBe(claim)
      expect(JSON.stringify(refusal)).not.toContain(token)
    }
    const good = await op.token()
    const [head, payload, signature] = good.split('.') as [string, string, string]
    const tampered = `${head}.${Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(payload, 'base64url').toString()), sub: 'admin' }),
    ).toString('base64url')}.${signature}`
    const refusal = refused(await authenticate(`Bearer ${tampered}`))
    expect(refusal.body.error_description).toBe('The token signature is invalid')
    expect((refusal.cause as TokenValidationError).code).toBe('signature')
    const unknownKid = await sign(makeKey('RS256', 'k9'), { iss: op.issuer })
    const kidRefusal = refused(await authenticate(`Bearer ${unknownKid}`))
    expect(kidRefusal.body.error_description).toBe('The token signing key is unknown')
    expect((kidRefusal.cause as TokenValidationError).code).toBe('key_not_found')
    // Every refusal went through onRefusal, and none of them carries a token.
    expect(refusals).toHaveLength(6)
    for (const seen of refusals) {
      expect(seen.headers['www-authenticate']).not.toMatch(/eyJ/)
      expect((seen.cause as Error).message).not.toMatch(/eyJ/)
    }
  })

  it('answers 503 without a challenge when the provider is unreachable', async () => {
    const op = fakeProvider('https://down.example.com')
    op.fake.route(op.discoveryUrl, () => {
      throw new TypeError('fetch failed')
    })
    const { authenticate } = setup({ timeoutMs: 50 }, op)
    const refusal = refused(await authenticate(`Bearer ${await op.token()}`))
    expect(refusal.status).toBe(503)
    expect(refusal.headers['www-authenticate']).toBeUndefined()
    expect(refusal.body.error).toBe('temporarily_unavailable')
    expect(refusal.cause).toBeInstanceOf(ProviderUnavailableError)
    expect((refusal.cause as ProviderUnavailableError).code).toBe('provider_unavailable')
  })

  it('answers 500 for a configuration error (the discovery issuer does not match)', async () => {
    const op = fakeProvider('https://id.example.com', { documentIssuer: 'https://other.example' })
    const { authenticate } = setup({}, op)
    const refusal = refused(await authenticate(`Bearer ${await op.token()}`))
    expect(refusal.status).toBe(500)
    expect(refusal.headers['www-authenticate']).toBeUndefined()
    expect((refusal.cause as ConfigurationError).code).toBe('configuration')
  })

  it('refuses a DPoP-bound token used as a bearer token', async () => {
    const { op, authenticate } = setup()
    const refusal = refused(
      await authenticate(`Bearer ${await op.token({ cnf: { jkt: 'thumbprint' } })}`),
    )
    expect(refusal.status).toBe(401)
    expect(refusal.body.error_description).toBe(
      'The token is bound to a key (DPoP) and cannot be used as a bearer token',
    )
    expect((refusal.cause as TokenValidationError).claim).toBe('cnf')
  })

  it('enforces the RFC 9068 profile only when asked', async () => {
    const { op, authenticate } = setup({ jwtAccessTokenProfile: true })
    expect((await authenticate(`Bearer ${await op.token()}`)).ok).toBe(true)
    const idTokenLike = await op.token({}, { typ: 'JWT' })
    const wrongTyp = refused(await authenticate(`Bearer ${idTokenLike}`))
    expect(wrongTyp.body.error_description).toBe('The token is malformed')
    expect((wrongTyp.cause as TokenValidationError).message).toContain('typ')
    const noJti = refused(await authenticate(`Bearer ${await op.token({ jti: undefined })}`))
    expect(noJti.body.error_description).toBe('The token failed the jti claim check')
    const noClientId = refused(
      await authenticate(`Bearer ${await op.token({ client_id: undefined })}`),
    )
    expect((noClientId.cause as TokenValidationError).claim).toBe('client_id')
    // Without the option, the same tokens pass.
    const plain = setup({}, op).authenticate
    expect((await plain(`Bearer ${idTokenLike}`)).ok).toBe(true)
  })
})

describe('guards', () => {
  it('requires every scope, or any of them, from scope or scp', async () => {
    const op = fakeProvider()
    const all = setup({ requiredScopes: ['api:read', 'api:admin'] }, op).authenticate
    const any = setup(
      { requiredScopes: ['api:read', 'api:admin'], scopeMatch: 'any' },
      op,
    ).authenticate
    const token = await op.token({ scope: 'api:read' })
    const refusal = refused(await all(`Bearer ${token}`))
    expect(refusal.status).toBe(403)
    expect(refusal.headers['www-authenticate']).toBe(
      'Bearer error="insufficient_scope", error_description="The token lacks a required scope", scope="api:read api:admin"',
    )
    expect((await any(`Bearer ${token}`)).ok).toBe(true)
    const scp = await op.token({ scope: undefined, scp: ['api:admin'] })
    expect((await any(`Bearer ${scp}`)).ok).toBe(true)
    const none = refused(await any(`Bearer ${await op.token({ scope: 'other' })}`))
    expect(none.headers['www-authenticate']).toBe(
      'Bearer error="insufficient_scope", error_description="The token lacks one of the accepted scopes", scope="api:read api:admin"',
    )
  })

  it('requires claim values (arrays by membership) and a custom predicate', async () => {
    const op = fakeProvider()
    const { authenticate } = setup(
      {
        requiredClaimValues: { roles: ['admin', 'owner'], tid: 't1' },
        authorize: async (claims) => claims.sub !== 'blocked',
      },
      op,
    )
    expect(
      (await authenticate(`Bearer ${await op.token({ roles: ['x', 'owner'], tid: 't1' })}`)).ok,
    ).toBe(true)
    const wrongRole = refused(
      await authenticate(`Bearer ${await op.token({ roles: ['x'], tid: 't1' })}`),
    )
    expect(wrongRole.status).toBe(403)
    expect(wrongRole.headers['www-authenticate']).toBe(
      `Bearer error="insufficient_scope", error_description="The token's roles claim does not allow this request"`,
    )
    const wrongTenant = refused(
      await authenticate(`Bearer ${await op.token({ roles: 'admin', tid: 't2' })}`),
    )
    expect(wrongTenant.body.error_description).toBe(
      "The token's tid claim does not allow this request",
    )
    const blocked = refused(
      await authenticate(`Bearer ${await op.token({ roles: 'admin', tid: 't1', sub: 'blocked' })}`),
    )
    expect(blocked.body.error_description).toBe('The token does not allow this request')
  })

  it('answers 500 when the predicate throws (a bug, not a verdict)', async () => {
    const op = fakeProvider()
    const { authenticate } = setup(
      {
        authorize: () => {
          throw new Error('database down')
        },
      },
      op,
    )
    const refusal = refused(await authenticate(`Bearer ${await op.token()}`))
    expect(refusal.status).toBe(500)
    expect((refusal.cause as Error).message).toBe('database down')
  })
})

describe('issue 12 findings (regressions)', () => {
  it('an async onRefusal that rejects is contained: no unhandled rejection, the refusal stands', async () => {
    const unhandled: unknown[] = []
    const listener = (reason: unknown) => unhandled.push(reason)
    process.on('unhandledRejection', listener)
    try {
      const { authenticate } = setup({
        onRefusal: async () => {
          throw new Error('audit sink down')
        },
      })
      const outcome = await authenticate(undefined)
      expect(refused(outcome).status).toBe(401)
      // Let the rejected hook settle and Node report it, if it were unhandled.
      await new Promise((resolve) => setTimeout(resolve, 20))
      expect(unhandled).toEqual([])
    } finally {
      process.off('unhandledRejection', listener)
    }
  })

  it('a percent-encoded access_token query parameter counts as a second method', async () => {
    const { op, authenticate } = setup({ bearerMethods: ['header', 'query'] })
    const token = await op.token()
    const outcome = await authenticate({
      authorization: `Bearer ${token}`,
      queryTokens: undefined,
    })
    expect(outcome.ok).toBe(true)
    const { queryAccessTokens } = await import('../../src/resource-server/extract.js')
    const both = await authenticate({
      authorization: `Bearer ${token}`,
      queryTokens: queryAccessTokens(`/orders?access%5Ftoken=${token}`),
    })
    expect(refused(both).body.error).toBe('invalid_request')
  })

  it('createScopeGuard refuses in the challenge of the accepting check and reports it', async () => {
    const { op, authenticate, refusals } = setup({ realm: 'orders' })
    const outcome = await authenticate(`Bearer ${await op.token({ scope: 'api:read' })}`)
    if (!outcome.ok) throw new Error('expected the token to pass')
    expect(createScopeGuard('api:read')(outcome)).toBeUndefined()
    const refusal = createScopeGuard(['api:write', 'api:admin'], { match: 'any' })(outcome)
    expect(refusal?.status).toBe(403)
    expect(refusal?.headers['www-authenticate']).toBe(
      'Bearer realm="orders", error="insufficient_scope", error_description="The token lacks one of the accepted scopes", scope="api:write api:admin"',
    )
    expect(refusals.at(-1)).toBe(refusal)
    expect(() => createScopeGuard([])).toThrow(TypeError)
  })

  it('maxBodyBytes must be a positive whole number', () => {
    const op = fakeProvider()
    const base = { discoDocAddress: op.issuer, audience: 'my-api' }
    expect(() => createBearerAuthenticator({ ...base, maxBodyBytes: 0 })).toThrow(TypeError)
    expect(() => createBearerAuthenticator({ ...base, maxBodyBytes: Number.NaN })).toThrow(
      TypeError,
    )
  })
})

describe('construction', () => {
  it('throws TypeError at once for options that cannot work', () => {
    const base = { discoDocAddress: 'https://id.example.com', audience: 'my-api' }
    expect(() => createBearerAuthenticator({ audience: 'my-api' })).toThrow(TypeError)
    expect(() => createBearerAuthenticator({ discoDocAddress: 'https://id.example.com' })).toThrow(
      /audience is required/,
    )
    expect(() => createBearerAuthenticator({ ...base, discoDocAddress: 'not a url' })).toThrow(
      TypeError,
    )
    expect(() =>
      createBearerAuthenticator({ ...base, bearerMethods: ['cookie' as 'header'] }),
    ).toThrow(/unknown method/)
    expect(() => createBearerAuthenticator({ ...base, issuers: ['https://a.example'] })).toThrow(
      /not both/,
    )
    expect(() => createBearerAuthenticator({ ...base, requiredScopes: [''] })).toThrow(TypeError)
    expect(() =>
      createBearerAuthenticator({ ...base, requiredClaimValues: { roles: [] } }),
    ).toThrow(TypeError)
    expect(() =>
      createBearerAuthenticator({ audience: 'my-api', key: { kty: 'oct', k: 'AAAA' } }),
    ).toThrow(/issuer/)
    expect(() => createBearerAuthenticator({ ...base, resourceMetadata: 'nope' })).toThrow(
      TypeError,
    )
    expect(() =>
      createBearerAuthenticator({ ...base, options: { verifyAud: false } }),
    ).not.toThrow()
  })
})

describe('protectedResourceMetadata (RFC 9728 §3.1)', () => {
  it('inserts the well-known suffix between host and path', () => {
    expect(protectedResourceMetadata({ resource: 'https://api.example.com' }).url).toBe(
      'https://api.example.com/.well-known/oauth-protected-resource',
    )
    const nested = protectedResourceMetadata({
      resource: 'https://api.example.com/tenant/v1',
      authorizationServers: ['https://id.example.com'],
      scopesSupported: ['orders:read'],
      extra: { dpop_bound_access_tokens_required: false },
    })
    expect(nested.path).toBe('/.well-known/oauth-protected-resource/tenant/v1')
    expect(JSON.parse(nested.json)).toEqual({
      resource: 'https://api.example.com/tenant/v1',
      authorization_servers: ['https://id.example.com'],
      scopes_supported: ['orders:read'],
      bearer_methods_supported: ['header'],
      dpop_bound_access_tokens_required: false,
    })
    expect(() => protectedResourceMetadata({ resource: 'https://api.example.com/#x' })).toThrow(
      TypeError,
    )
  })
})
