import { createSecretKey } from 'node:crypto'
import { beforeAll, describe, expect, it, vi } from 'vitest'
import {
  type Claims,
  ConfigurationError,
  IdentityModelError,
  ProviderCache,
  ProviderUnavailableError,
  type TokenValidationConfigInit,
  type TokenValidationError,
  validateToken,
} from '../../src/index.js'
import { itWithKeyObjects } from '../support/backend.js'
import { fakeFetch, json } from '../support/fake-fetch.js'
import { accessClaims, makeKey, NOW, sign, type TestKey, unsigned } from '../support/tokens.js'

const ISSUER = 'https://id.example.com'
const JWKS_URI = `${ISSUER}/jwks`
const DISCO_URL = `${ISSUER}/.well-known/openid-configuration`
const currentDate = new Date(NOW * 1000)

function discoveryDocument(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    issuer: ISSUER,
    authorization_endpoint: `${ISSUER}/authorize`,
    token_endpoint: `${ISSUER}/token`,
    jwks_uri: JWKS_URI,
    response_types_supported: ['code'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['RS256'],
    ...overrides,
  }
}

let rsa: TestKey
let rsa2: TestKey
let ps: TestKey
let ec: TestKey
let ed: TestKey

beforeAll(() => {
  rsa = makeKey('RS256', 'rsa-1')
  rsa2 = makeKey('RS256', 'rsa-2')
  ps = makeKey('PS256', 'ps-1')
  ec = makeKey('ES256', 'ec-1')
  ed = makeKey('EdDSA', 'ed-1')
})

/** A provider served by an injected fetch, with a frozen cache clock. */
function provider(keys: () => TestKey[], options: { discovery?: () => Response } = {}) {
  let clock = NOW * 1000
  const fake = fakeFetch({
    [DISCO_URL]: options.discovery ?? (() => json(discoveryDocument())),
    [JWKS_URI]: () => json({ keys: keys().map((key) => key.publicJwk) }),
  })
  const cache = new ProviderCache({ now: () => clock, kidMissCooldownSeconds: 30 })
  const config = (extra: Partial<TokenValidationConfigInit> = {}): TokenValidationConfigInit => ({
    performDisco: true,
    audience: 'my-api',
    currentDate,
    cache,
    fetch: fake.fetch,
    ...extra,
  })
  return {
    fake,
    cache,
    config,
    advance: (seconds: number) => {
      clock += seconds * 1000
    },
    validate: (token: string, extra?: Partial<TokenValidationConfigInit>) =>
      validateToken(token, config(extra), ISSUER),
  }
}

async function rejection(promise: Promise<unknown>): Promise<IdentityModelError> {
  const error = await promise.then(
    () => {
      throw new Error('expected a rejection')
    },
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(IdentityModelError)
  return error as IdentityModelError
}

async function expectCode(
  promise: Promise<unknown>,
  code: string,
  claim?: string,
): Promise<IdentityModelError> {
  const error = await rejection(promise)
  expect(error.code).toBe(code)
  if (claim !== undefined) expect((error as TokenValidationError).claim).toBe(claim)
  return error
}

describe('validateToken in discovery mode', () => {
  it.each(['RS256', 'PS256', 'ES256', 'EdDSA'])(
    'accepts a good %s token and returns its claims',
    async (alg) => {
      const key = { RS256: () => rsa, PS256: () => ps, ES256: () => ec, EdDSA: () => ed }[alg]!()
      const p = provider(() => [rsa, ps, ec, ed])
      const claims = await p.validate(await sign(key, accessClaims()))
      expect(claims.sub).toBe('user-1')
      expect(claims.scope).toBe('api:read api:write')
    },
  )

  it('fetches discovery and keys once for a burst of concurrent validations', async () => {
    const p = provider(() => [rsa])
    const token = await sign(rsa, accessClaims())
    const results = await Promise.all(Array.from({ length: 200 }, () => p.validate(token)))
    expect(results).toHaveLength(200)
    expect(p.fake.count(DISCO_URL)).toBe(1)
    expect(p.fake.count(JWKS_URI)).toBe(1)
  })

  it.each(['always', 'never', 'auto'] as const)(
    'verifies the same with threadPool %s, alone and 50 at a time',
    async (threadPool) => {
      const p = provider(() => [rsa, ec])
      const good = [await sign(rsa, accessClaims()), await sign(ec, accessClaims())]
      const [header, , signature] = good[0]!.split('.')
      const tampered = `${header}.${Buffer.from(JSON.stringify(accessClaims({ sub: 'x' }))).toString('base64url')}.${signature}`
      for (const token of good) expect((await p.validate(token, { threadPool })).sub).toBe('user-1')
      await expectCode(p.validate(tampered, { threadPool }), 'signature')
      const burst = await Promise.allSettled(
        Array.from({ length: 50 }, (_, i) =>
          p.validate(i % 5 === 0 ? tampered : good[i % 2]!, { threadPool }),
        ),
      )
      expect(burst.filter((r) => r.status === 'fulfilled')).toHaveLength(40)
      for (const r of burst)
        if (r.status === 'rejected')
          expect((r.reason as TokenValidationError).code).toBe('signature')
    },
  )

  it('rejects alg none even with signature verification off', async () => {
    const p = provider(() => [rsa])
    const token = unsigned({ alg: 'none' }, accessClaims())
    await expectCode(p.validate(token), 'alg_none')
    await expectCode(p.validate(token, { options: { verifySignature: false } }), 'alg_none')
    expect(p.fake.calls).toHaveLength(0)
  })

  it('honours the algorithm allow-list in discovery mode', async () => {
    const p = provider(() => [rsa])
    await expectCode(
      p.validate(await sign(rsa, accessClaims()), { algorithms: ['ES256'] }),
      'unsupported_alg',
    )
  })

  it('refuses HMAC with a public key (algorithm confusion)', async () => {
    const p = provider(() => [rsa])
    const secret = Buffer.from(JSON.stringify(rsa.publicJwk))
    const token = await sign({ secret, alg: 'HS256', kid: 'rsa-1' }, accessClaims())
    await expectCode(p.validate(token), 'unsupported_alg')
  })

  it('refuses an algorithm that does not fit the key with that kid', async () => {
    const p = provider(() => [rsa, ec])
    const forged = await sign(
      { ...ec, publicJwk: { ...ec.publicJwk, kid: 'rsa-1' } },
      accessClaims(),
    )
    await expectCode(p.validate(forged), 'unsupported_alg')
  })

  it('rejects an unknown algorithm name', async () => {
    const p = provider(() => [rsa])
    await expectCode(
      p.validate(unsigned({ alg: 'XS999', kid: 'rsa-1' }, accessClaims(), 'AAAA')),
      'unsupported_alg',
    )
  })

  it('rejects a tampered payload with a signature error', async () => {
    const p = provider(() => [rsa])
    const [header, , signature] = (await sign(rsa, accessClaims())).split('.')
    const payload = Buffer.from(JSON.stringify(accessClaims({ sub: 'admin' }))).toString(
      'base64url',
    )
    await expectCode(p.validate(`${header}.${payload}.${signature}`), 'signature')
  })

  it('refuses a re-spelled signature that decodes to the same bytes', async () => {
    const p = provider(() => [rsa])
    const token = await sign(rsa, accessClaims())
    // The last character of a 256-byte signature carries 4 unused bits: flipping one of them
    // changes the text but not the bytes. A lenient decoder would accept both spellings.
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
    const last = alphabet.indexOf(token.at(-1)!)
    const respelled = `${token.slice(0, -1)}${alphabet[last ^ 1]}`
    expect(Buffer.from(respelled.split('.')[2]!, 'base64url')).toEqual(
      Buffer.from(token.split('.')[2]!, 'base64url'),
    )
    await expectCode(p.validate(respelled), 'malformed')
    expect((await p.validate(token)).sub).toBe('user-1')
  })

  it('tries every key that shares a kid', async () => {
    const twin = { ...rsa2, publicJwk: { ...rsa2.publicJwk, kid: 'rsa-1' } }
    const p = provider(() => [rsa, twin])
    const claims = await p.validate(await sign(twin, accessClaims()))
    expect(claims.sub).toBe('user-1')
  })

  it('tries every fitting key when the token has no kid', async () => {
    const p = provider(() => [rsa, rsa2, ec])
    const { kid: _kid, ...anonymous } = rsa2.publicJwk
    const token = await sign({ ...rsa2, publicJwk: anonymous }, accessClaims())
    expect((await p.validate(token)).sub).toBe('user-1')
  })

  it('refreshes the key set once for an unknown kid (key rotation)', async () => {
    let published = [rsa]
    const p = provider(() => published)
    await p.validate(await sign(rsa, accessClaims()))
    published = [rsa, rsa2]
    const claims = await p.validate(await sign(rsa2, accessClaims()))
    expect(claims.sub).toBe('user-1')
    expect(p.fake.count(JWKS_URI)).toBe(2)
  })

  it('rate-limits kid-miss refreshes with a cooldown', async () => {
    const p = provider(() => [rsa])
    await p.validate(await sign(rsa, accessClaims()))
    const forged = makeKey('RS256', 'forged')
    const forgedTokens = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        sign({ ...forged, publicJwk: { ...forged.publicJwk, kid: `f${i}` } }, accessClaims()),
      ),
    )
    for (const token of forgedTokens) await expectCode(p.validate(token), 'key_not_found')
    expect(p.fake.count(JWKS_URI)).toBe(2)
    p.advance(31)
    await expectCode(p.validate(forgedTokens[0]!), 'key_not_found')
    expect(p.fake.count(JWKS_URI)).toBe(3)
  })

  it('names the known kids when a kid is not found', async () => {
    const p = provider(() => [rsa, ec])
    const error = await expectCode(p.validate(await sign(rsa2, accessClaims())), 'key_not_found')
    expect(error.message).toContain('kid "rsa-2" is not in the key set (keys: rsa-1, ec-1)')
  })

  it('quotes, escapes and shortens token-controlled values in messages', async () => {
    const p = provider(() => [rsa])
    const kid = `evil\n${'x'.repeat(500)}`
    const error = await expectCode(
      p.validate(await sign({ ...rsa, publicJwk: { ...rsa.publicJwk, kid } }, accessClaims())),
      'key_not_found',
    )
    expect(error.message).not.toContain('\n')
    expect(error.message).toContain('"evil\\nxxx')
    expect(error.message.length).toBeLessThan(200)
  })

  it('keeps serving the last good keys through an outage, for a bounded time', async () => {
    let down = false
    const keysFetch = () =>
      down ? new Response('down', { status: 503 }) : json({ keys: [rsa.publicJwk] })
    let clock = NOW * 1000
    const fake = fakeFetch({ [DISCO_URL]: () => json(discoveryDocument()), [JWKS_URI]: keysFetch })
    const events: string[] = []
    const cache = new ProviderCache({
      now: () => clock,
      staleIfErrorSeconds: 3600,
      failureBackoffSeconds: 0,
      onEvent: (event) => events.push(`${event.kind}:${event.type}`),
    })
    const config = { performDisco: true, audience: 'my-api', cache, fetch: fake.fetch }
    const at = (seconds: number) => new Date((NOW + seconds) * 1000)
    const token = await sign(rsa, accessClaims({ exp: NOW + 100_000 }))
    await validateToken(token, { ...config, currentDate: at(0) }, ISSUER)
    down = true
    clock += 5400 * 1000 // keys (and discovery) expired half an hour ago
    expect((await validateToken(token, { ...config, currentDate: at(5400) }, ISSUER)).sub).toBe(
      'user-1',
    )
    // The background refresh fails (after its GET retries) and reports the stale value it kept.
    await vi.waitFor(() => expect(events).toContain('jwks:stale_served'), { timeout: 3000 })
    clock += 3 * 3600 * 1000 // past the stale-if-error window
    await expectCode(
      validateToken(token, { ...config, currentDate: at(18000) }, ISSUER),
      'provider_unavailable',
    )
  })
})

describe('validateToken claim checks', () => {
  const cases: [string, Record<string, unknown>, Partial<TokenValidationConfigInit>, string][] = [
    ['expired', { exp: NOW - 60 }, {}, 'exp'],
    ['missing exp', { exp: undefined }, {}, 'exp'],
    ['exp not a number', { exp: 'tomorrow' }, {}, 'exp'],
    ['not yet valid', { nbf: NOW + 60 }, {}, 'nbf'],
    ['missing iat', { iat: undefined }, {}, 'iat'],
    ['iat in the future', { iat: NOW + 120 }, {}, 'iat'],
    ['wrong issuer', { iss: 'https://evil.example.com' }, {}, 'iss'],
    ['missing issuer', { iss: undefined }, {}, 'iss'],
    ['wrong audience', { aud: 'other-api' }, {}, 'aud'],
    ['audience list without ours', { aud: ['a', 'b'] }, {}, 'aud'],
    ['missing audience', { aud: undefined }, {}, 'aud'],
    ['wrong nonce', { nonce: 'n-1' }, { nonce: 'n-2' }, 'nonce'],
    ['missing nonce', {}, { nonce: 'n-2' }, 'nonce'],
    ['wrong subject', {}, { subject: 'user-2' }, 'sub'],
    ['missing required claim', {}, { requiredClaims: ['email'] }, 'email'],
    ['exp at the edge with no leeway', { exp: NOW }, { leeway: 0 }, 'exp'],
    ['configured issuer overrides discovery', {}, { issuer: 'https://other.example.com' }, 'iss'],
  ]
  it.each(cases)('rejects: %s', async (_name, claims, extra, claim) => {
    const p = provider(() => [rsa])
    await expectCode(
      p.validate(await sign(rsa, accessClaims(claims)), extra),
      'claim_validation',
      claim,
    )
  })

  const passes: [string, Record<string, unknown>, Partial<TokenValidationConfigInit>][] = [
    ['expired within the default 5 s leeway', { exp: NOW - 4 }, {}],
    ['nbf within leeway', { nbf: NOW + 30 }, { leeway: 60 }],
    ['audience in a list', { aud: ['other', 'my-api'] }, {}],
    ['one of several audiences', { aud: 'b' }, { audience: ['a', 'b'] }],
    ['no exp when not required', { exp: undefined }, { options: { requireExp: false } }],
    ['no iat when not required', { iat: undefined }, { options: { requireIat: false } }],
    ['expired with verifyExp off', { exp: NOW - 1000 }, { options: { verifyExp: false } }],
    [
      'any audience with verifyAud off',
      { aud: 'x' },
      { audience: undefined, options: { verifyAud: false } },
    ],
    [
      'matching nonce, subject and required claims',
      { nonce: 'n', email: 'a@b' },
      { nonce: 'n', subject: 'user-1', requiredClaims: ['email'] },
    ],
    ['issuer in an allow-list', {}, { issuer: ['https://x.example.com', ISSUER] }],
  ]
  it.each(passes)('accepts: %s', async (_name, claims, extra) => {
    const p = provider(() => [rsa])
    expect((await p.validate(await sign(rsa, accessClaims(claims)), extra)).sub).toBe('user-1')
  })

  it('refuses verifyAud without an audience as a configuration error', async () => {
    const p = provider(() => [rsa])
    const error = await expectCode(
      p.validate(await sign(rsa, accessClaims()), { audience: undefined }),
      'configuration',
    )
    expect(error).toBeInstanceOf(ConfigurationError)
  })

  it('awaits an async claimsValidator and wraps its rejection', async () => {
    const p = provider(() => [rsa])
    const token = await sign(rsa, accessClaims({ tenant: 't1' }))
    const seen: Claims[] = []
    await p.validate(token, {
      claimsValidator: async (claims) => {
        await new Promise((resolve) => setTimeout(resolve, 5))
        seen.push(claims)
      },
    })
    expect(seen[0]?.tenant).toBe('t1')
    const reason = new Error('tenant t1 is suspended')
    const error = await expectCode(
      p.validate(token, {
        claimsValidator: async () => {
          await Promise.resolve()
          throw reason
        },
      }),
      'claim_validation',
    )
    expect(error.cause).toBe(reason)
    expect(error.message).toContain('tenant t1 is suspended')
    await expectCode(
      p.validate(token, {
        claimsValidator: () => {
          throw new TypeError('sync')
        },
      }),
      'claim_validation',
    )
  })

  it('enforces typ only when asked, accepting the application/ prefix', async () => {
    const p = provider(() => [rsa])
    const at = await sign(rsa, accessClaims(), { typ: 'application/at+jwt' })
    const plain = await sign(rsa, accessClaims(), { typ: 'JWT' })
    expect((await p.validate(plain)).sub).toBe('user-1')
    expect((await p.validate(at, { typ: 'at+jwt' })).sub).toBe('user-1')
    await expectCode(p.validate(plain, { typ: 'at+jwt' }), 'malformed')
  })
})

describe('validateToken with malformed input', () => {
  const malformed: [string, string][] = [
    ['an empty string', ''],
    ['two segments', 'a.b'],
    ['a JWE (five segments)', 'a.b.c.d.e'],
    ['a header that is not base64url', '*.e30.AAAA'],
    ['a header that is not JSON', `${Buffer.from('nope').toString('base64url')}.e30.AAAA`],
    [
      'a payload that is not JSON',
      `${Buffer.from('{"alg":"RS256"}').toString('base64url')}.${Buffer.from('[1').toString('base64url')}.AAAA`,
    ],
    ['a payload that is an array', unsigned({ alg: 'RS256' }, [1, 2], 'AAAA')],
    ['a header without alg', unsigned({ kid: 'rsa-1' }, accessClaims(), 'AAAA')],
    [
      'an unknown critical extension',
      unsigned({ alg: 'RS256', crit: ['exp'], exp: 1 }, accessClaims(), 'AAAA'),
    ],
    ['a signature that is not base64url', `${unsigned({ alg: 'RS256' }, accessClaims())}$$$`],
  ]
  it.each(malformed)('rejects %s as malformed, before any network call', async (_name, token) => {
    const p = provider(() => [rsa])
    await expectCode(p.validate(token), 'malformed')
    expect(p.fake.calls).toHaveLength(0)
  })

  it('throws TypeError for a missing discovery address', async () => {
    await expect(
      validateToken(await sign(rsa, accessClaims()), { performDisco: true, audience: 'a' }),
    ).rejects.toThrow(TypeError)
  })
})

describe('validateToken when the provider misbehaves', () => {
  const token = () => sign(rsa, accessClaims())
  it.each([
    ['unreachable', () => Promise.reject(new TypeError('fetch failed'))],
    ['a 500', () => new Response('oops', { status: 500 })],
    ['not JSON', () => new Response('<html>', { status: 200 })],
  ])('discovery %s is ProviderUnavailableError', async (_name, discovery) => {
    const p = provider(() => [rsa], { discovery: discovery as () => Response })
    const error = await expectCode(p.validate(await token()), 'provider_unavailable')
    expect(error).toBeInstanceOf(ProviderUnavailableError)
  })

  it('an issuer mismatch in discovery is a ConfigurationError', async () => {
    const p = provider(() => [rsa], {
      discovery: () => json(discoveryDocument({ issuer: 'https://evil.example.com' })),
    })
    const error = await expectCode(p.validate(await token()), 'configuration')
    expect(error.message).toContain('issuer mismatch')
  })

  it('a 404 for discovery is a ConfigurationError (wrong address)', async () => {
    const p = provider(() => [rsa], { discovery: () => new Response('', { status: 404 }) })
    await expectCode(p.validate(await token()), 'configuration')
  })

  it('JWKS down is ProviderUnavailableError, and so is a failing kid-miss refresh', async () => {
    let down = true
    const p = provider(() => {
      if (down) throw new Error('unused')
      return [rsa]
    })
    p.fake.route(JWKS_URI, () =>
      down ? new Response('', { status: 503 }) : json({ keys: [rsa.publicJwk] }),
    )
    await expectCode(p.validate(await token()), 'provider_unavailable')
    down = false
    p.advance(2)
    await p.validate(await token())
    down = true
    await expectCode(p.validate(await sign(rsa2, accessClaims())), 'provider_unavailable')
  })

  it('never puts the token in an error message', async () => {
    const p = provider(() => [rsa])
    const good = await token()
    const variants = [
      good.slice(0, -4),
      `${good}x`,
      await sign(rsa, accessClaims({ exp: NOW - 999 })),
      await sign(rsa2, accessClaims()),
      await sign(rsa, accessClaims({ aud: 'zzz' })),
    ]
    for (const bad of variants) {
      const error = await rejection(p.validate(bad))
      for (const part of bad.split('.')) expect(error.message).not.toContain(part)
    }
  })
})

describe('validateToken with a static key', () => {
  const base = { performDisco: false as const, audience: 'my-api', issuer: ISSUER, currentDate }

  itWithKeyObjects('accepts a JWK, a JWK Set and a KeyObject', async () => {
    const token = await sign(rsa, accessClaims())
    expect((await validateToken(token, { ...base, key: rsa.publicJwk as never })).sub).toBe(
      'user-1',
    )
    expect(
      (
        await validateToken(token, {
          ...base,
          key: { keys: [ec.publicJwk, rsa.publicJwk] } as never,
        })
      ).sub,
    ).toBe('user-1')
    expect((await validateToken(token, { ...base, key: rsa.privateKey })).sub).toBe('user-1')
  })

  itWithKeyObjects('accepts HS256 with a symmetric key only', async () => {
    const secret = Buffer.from('0123456789abcdef0123456789abcdef')
    const token = await sign({ secret, alg: 'HS256' }, accessClaims())
    expect((await validateToken(token, { ...base, key: createSecretKey(secret) })).sub).toBe(
      'user-1',
    )
    expect(
      (
        await validateToken(token, {
          ...base,
          key: { kty: 'oct', k: secret.toString('base64url') },
        })
      ).sub,
    ).toBe('user-1')
    await expectCode(
      validateToken(token, { ...base, key: rsa.publicJwk as never }),
      'unsupported_alg',
    )
    const wrong = await sign({ secret: Buffer.from('x'.repeat(32)), alg: 'HS256' }, accessClaims())
    await expectCode(validateToken(wrong, { ...base, key: createSecretKey(secret) }), 'signature')
  })

  it('refuses a re-spelled HMAC signature', async () => {
    const secret = Buffer.from('0123456789abcdef0123456789abcdef')
    const token = await sign({ secret, alg: 'HS256' }, accessClaims())
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
    const respelled = `${token.slice(0, -1)}${alphabet[alphabet.indexOf(token.at(-1)!) ^ 1]}`
    // As a JWK, so that both crypto backends see it (Web Crypto compares the decoded bytes).
    await expectCode(
      validateToken(respelled, { ...base, key: { kty: 'oct', k: secret.toString('base64url') } }),
      'signature',
    )
  })

  it('refuses a key that cannot be imported, and a missing key', async () => {
    const token = await sign(rsa, accessClaims())
    await expectCode(
      validateToken(token, { ...base, key: { kty: 'RSA', n: 'AQAB', e: 'AQAB' } }),
      'key_conversion',
    )
    await expectCode(validateToken(token, base), 'configuration')
  })

  it('requires an issuer when verifyIss is on', async () => {
    const token = await sign(rsa, accessClaims())
    await expectCode(
      validateToken(token, { ...base, issuer: undefined, key: rsa.publicJwk as never }),
      'configuration',
    )
    const claims = await validateToken(token, {
      ...base,
      issuer: undefined,
      key: rsa.publicJwk as never,
      options: { verifyIss: false },
    })
    expect(claims.iss).toBe(ISSUER)
  })
})
