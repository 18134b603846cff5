import { createHash } from 'node:crypto'
import { beforeAll, describe, expect, it } from 'vitest'
import {
  type IdentityModelError,
  IdTokenValidationConfig,
  type IdTokenValidationConfigInit,
  TokenValidationError,
  validateIdToken,
} from '../../src/index.js'
import { fakeProvider, ISSUER } from '../support/oidc-provider-fake.js'
import { makeKey, NOW, sign, type TestKey, unsigned } from '../support/tokens.js'

const CLIENT = 'web-app'
const NONCE = 'nonce-1'

let rsa: TestKey
let ec384: TestKey
let ed: TestKey
let other: TestKey

beforeAll(() => {
  rsa = makeKey('RS256', 'rsa-1')
  ec384 = makeKey('ES384', 'ec-384')
  ed = makeKey('EdDSA', 'ed-1')
  other = makeKey('RS256', 'rsa-1') // same kid, different key: a forgery
})

function idClaims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    iss: ISSUER,
    sub: 'alice',
    aud: CLIENT,
    exp: NOW + 600,
    iat: NOW,
    nonce: NONCE,
    ...overrides,
  }
}

function without(name: string): Record<string, unknown> {
  const claims = idClaims()
  delete claims[name]
  return claims
}

/** The left-half hash, computed here independently of the library. */
function halfHash(value: string, hash: string): string {
  const digest = createHash(hash).update(value).digest()
  return digest.subarray(0, digest.length / 2).toString('base64url')
}

function setup(keys: () => TestKey[] = () => [rsa, ec384, ed]) {
  const op = fakeProvider(keys)
  const config = (
    extra: Partial<IdTokenValidationConfigInit> = {},
  ): IdTokenValidationConfigInit => ({
    ...op.network,
    clientId: CLIENT,
    nonce: NONCE,
    ...extra,
  })
  return {
    ...op,
    config,
    validate: (token: string, extra?: Partial<IdTokenValidationConfigInit>) =>
      validateIdToken(token, config(extra), ISSUER),
  }
}

async function rejection(promise: Promise<unknown>): Promise<IdentityModelError> {
  const error = await promise.then(
    () => {
      throw new Error('expected a rejection')
    },
    (e: unknown) => e,
  )
  if (!(error instanceof Error) || !('code' in error)) throw error
  return error as IdentityModelError
}

async function claimFailure(
  promise: Promise<unknown>,
  claim: string,
): Promise<TokenValidationError> {
  const error = await rejection(promise)
  expect(error).toBeInstanceOf(TokenValidationError)
  expect(error.code).toBe('claim_validation')
  expect((error as TokenValidationError).claim).toBe(claim)
  return error as TokenValidationError
}

describe('validateIdToken: accepts', () => {
  it('a good ID token, resolving to its claims', async () => {
    const { validate } = setup()
    const token = await sign(rsa, idClaims({ auth_time: NOW - 60, sid: 's-1' }))
    const claims = await validate(token)
    expect(claims).toMatchObject({ sub: 'alice', aud: CLIENT, nonce: NONCE, sid: 's-1' })
  })

  it('through the IdTokenValidationConfig class', async () => {
    const { network } = setup()
    const token = await sign(rsa, idClaims())
    const config = new IdTokenValidationConfig({ ...network, clientId: CLIENT, nonce: NONCE })
    expect(config.clientId).toBe(CLIENT)
    expect((await validateIdToken(token, config, ISSUER)).sub).toBe('alice')
  })

  it('several audiences with azp naming the client', async () => {
    const { validate } = setup()
    const token = await sign(rsa, idClaims({ aud: [CLIENT, 'api'], azp: CLIENT }))
    expect((await validate(token)).azp).toBe(CLIENT)
  })

  it('a token without nonce when the config says nonce: undefined (an ID token from a refresh)', async () => {
    const { validate } = setup()
    const token = await sign(rsa, without('nonce'))
    expect((await validate(token, { nonce: undefined })).sub).toBe('alice')
  })

  it('auth_time within max_age, and just past it within the leeway', async () => {
    const { validate } = setup()
    const recent = await sign(rsa, idClaims({ auth_time: NOW - 290 }))
    expect((await validate(recent, { maxAge: 300 })).auth_time).toBe(NOW - 290)
    const edge = await sign(rsa, idClaims({ auth_time: NOW - 304 }))
    expect((await validate(edge, { maxAge: 300, leeway: 5 })).auth_time).toBe(NOW - 304)
  })

  it('matching at_hash (RS256 → SHA-256, ES384 → SHA-384, EdDSA → SHA-512) and c_hash', async () => {
    const { validate } = setup()
    const accessToken = 'access-token-value'
    const code = 'authorization-code-value'
    for (const [key, hash] of [
      [rsa, 'sha256'],
      [ec384, 'sha384'],
      [ed, 'sha512'],
    ] as const) {
      const token = await sign(
        key,
        idClaims({ at_hash: halfHash(accessToken, hash), c_hash: halfHash(code, hash) }),
      )
      const claims = await validate(token, { accessToken, code })
      expect(claims.at_hash).toBe(halfHash(accessToken, hash))
    }
  })

  it('a token with at_hash when no access token is given (nothing to compare)', async () => {
    const { validate } = setup()
    const token = await sign(rsa, idClaims({ at_hash: 'whatever' }))
    expect((await validate(token)).sub).toBe('alice')
  })

  it('an HS256 ID token verified with the client secret (OIDC §10.1)', async () => {
    const { validate } = setup()
    const clientSecret = 'web-app-secret-that-is-long-enough-for-hs256'
    const token = await sign(
      { secret: new TextEncoder().encode(clientSecret), alg: 'HS256' },
      idClaims(),
    )
    expect((await validate(token, { clientSecret })).sub).toBe('alice')
  })

  it('an HS256 ID token with a static configuration (issuer given, no discovery)', async () => {
    const clientSecret = 'static-secret-static-secret-static-secret'
    const token = await sign(
      { secret: new TextEncoder().encode(clientSecret), alg: 'HS256' },
      idClaims(),
    )
    const claims = await validateIdToken(token, {
      performDisco: false,
      issuer: ISSUER,
      clientId: CLIENT,
      nonce: NONCE,
      clientSecret,
      currentDate: new Date(NOW * 1000),
    })
    expect(claims.sub).toBe('alice')
  })

  it('tokens signed by a new key after rotation (the kid miss refreshes the key set)', async () => {
    let published = [rsa]
    const { validate, fake } = setup(() => published)
    expect((await validate(await sign(rsa, idClaims()))).sub).toBe('alice')
    const rotated = makeKey('RS256', 'rsa-2')
    published = [rsa, rotated]
    expect((await validate(await sign(rotated, idClaims()))).sub).toBe('alice')
    expect(fake.count('https://id.example.com/jwks')).toBe(2)
  })
})

describe('validateIdToken: refuses (OpenID Connect Core §3.1.3.7)', () => {
  it('a wrong issuer (iss)', async () => {
    const { validate } = setup()
    await claimFailure(
      validate(await sign(rsa, idClaims({ iss: 'https://evil.example.com' }))),
      'iss',
    )
  })

  it('a token for another client, and one without aud (aud)', async () => {
    const { validate } = setup()
    await claimFailure(validate(await sign(rsa, idClaims({ aud: 'other-app' }))), 'aud')
    await claimFailure(validate(await sign(rsa, without('aud'))), 'aud')
  })

  it('audience is always the client id, whatever the config says', async () => {
    const { validate } = setup()
    const token = await sign(rsa, idClaims({ aud: 'my-api' }))
    await claimFailure(
      validate(token, { audience: 'my-api', options: { verifyAud: false, verifyIss: false } }),
      'aud',
    )
  })

  it('several audiences without azp, and an azp naming another client (azp)', async () => {
    const { validate } = setup()
    await claimFailure(validate(await sign(rsa, idClaims({ aud: [CLIENT, 'api'] }))), 'azp')
    await claimFailure(validate(await sign(rsa, idClaims({ azp: 'other-app' }))), 'azp')
  })

  it('an untrusted extra audience when trustedAudiences is set (aud)', async () => {
    const { validate } = setup()
    const token = await sign(rsa, idClaims({ aud: [CLIENT, 'api', 'evil'], azp: CLIENT }))
    const error = await claimFailure(validate(token, { trustedAudiences: ['api'] }), 'aud')
    expect(error.message).toContain('evil')
    expect((await validate(token, { trustedAudiences: ['api', 'evil'] })).sub).toBe('alice')
  })

  it('an expired token, and one without exp (exp)', async () => {
    const { validate } = setup()
    await claimFailure(validate(await sign(rsa, idClaims({ exp: NOW - 60 }))), 'exp')
    await claimFailure(
      validate(await sign(rsa, without('exp')), { options: { requireExp: false } }),
      'exp',
    )
  })

  it('a token without iat even when the config relaxes it, and one issued in the future (iat)', async () => {
    const { validate } = setup()
    await claimFailure(
      validate(await sign(rsa, without('iat')), { options: { requireIat: false } }),
      'iat',
    )
    await claimFailure(validate(await sign(rsa, idClaims({ iat: NOW + 600 }))), 'iat')
  })

  it('a wrong nonce and a missing nonce (nonce)', async () => {
    const { validate } = setup()
    await claimFailure(validate(await sign(rsa, idClaims({ nonce: 'replayed' }))), 'nonce')
    await claimFailure(validate(await sign(rsa, without('nonce'))), 'nonce')
  })

  it('a token without sub, or with an empty one (sub)', async () => {
    const { validate } = setup()
    await claimFailure(validate(await sign(rsa, without('sub'))), 'sub')
    await claimFailure(validate(await sign(rsa, idClaims({ sub: '' }))), 'sub')
  })

  it('auth_time missing with max_age or requireAuthTime, too old, in the future, or not a number', async () => {
    const { validate } = setup()
    const noAuthTime = await sign(rsa, idClaims())
    await claimFailure(validate(noAuthTime, { maxAge: 300 }), 'auth_time')
    await claimFailure(validate(noAuthTime, { requireAuthTime: true }), 'auth_time')
    const old = await sign(rsa, idClaims({ auth_time: NOW - 306 }))
    const error = await claimFailure(validate(old, { maxAge: 300 }), 'auth_time')
    expect(error.message).toMatch(/306 s ago.*max_age 300/)
    await claimFailure(validate(await sign(rsa, idClaims({ auth_time: NOW + 60 }))), 'auth_time')
    await claimFailure(validate(await sign(rsa, idClaims({ auth_time: 'yesterday' }))), 'auth_time')
  })

  it('an at_hash or c_hash that does not match (at_hash, c_hash)', async () => {
    const { validate } = setup()
    const token = await sign(
      rsa,
      idClaims({
        at_hash: halfHash('the-real-token', 'sha256'),
        c_hash: halfHash('the-real-code', 'sha256'),
      }),
    )
    await claimFailure(validate(token, { accessToken: 'a-substituted-token' }), 'at_hash')
    await claimFailure(validate(token, { code: 'a-substituted-code' }), 'c_hash')
    // the hash must use the algorithm's size: a SHA-512 half for an RS256 token is wrong
    const wrongSize = await sign(rsa, idClaims({ at_hash: halfHash('t', 'sha512') }))
    await claimFailure(validate(wrongSize, { accessToken: 't' }), 'at_hash')
  })

  it('an unsigned token (alg none), before any fetch', async () => {
    const { validate, fake } = setup()
    const error = await rejection(validate(unsigned({ alg: 'none' }, idClaims())))
    expect(error.code).toBe('alg_none')
    expect(fake.calls).toHaveLength(0)
  })

  it('a bad signature (signature)', async () => {
    const { validate } = setup()
    const forged = await sign(other, idClaims())
    expect((await rejection(validate(forged))).code).toBe('signature')
  })

  it('an unknown kid after the refresh (key_not_found)', async () => {
    const { validate } = setup()
    const stranger = makeKey('RS256', 'unknown-kid')
    expect((await rejection(validate(await sign(stranger, idClaims())))).code).toBe('key_not_found')
  })

  it('an HS256 token without a configured client secret (unsupported_alg), before any fetch', async () => {
    const { validate, fake } = setup()
    const token = await sign(
      { secret: new TextEncoder().encode('x'.repeat(32)), alg: 'HS256' },
      idClaims(),
    )
    const error = await rejection(validate(token))
    expect(error.code).toBe('unsupported_alg')
    expect(error.message).toContain('clientSecret')
    expect(fake.calls).toHaveLength(0)
  })

  it('an HS256 token signed with another secret (signature)', async () => {
    const { validate } = setup()
    const token = await sign(
      { secret: new TextEncoder().encode('y'.repeat(40)), alg: 'HS256' },
      idClaims(),
    )
    const error = await rejection(validate(token, { clientSecret: 'z'.repeat(40) }))
    expect(error.code).toBe('signature')
  })

  it('an HS256 token whose claims fail, after the signature passed (iss from discovery)', async () => {
    const { validate } = setup()
    const clientSecret = 's'.repeat(40)
    const token = await sign(
      { secret: new TextEncoder().encode(clientSecret), alg: 'HS256' },
      idClaims({ iss: 'https://evil.example.com' }),
    )
    await claimFailure(validate(token, { clientSecret }), 'iss')
  })

  it('a JWT typed as another kind of token (malformed)', async () => {
    const { validate } = setup()
    for (const typ of ['at+jwt', 'application/logout+jwt']) {
      const token = await sign(rsa, idClaims(), { typ })
      expect((await rejection(validate(token))).code).toBe('malformed')
    }
  })

  it('never puts the token in an error message', async () => {
    const { validate } = setup()
    const token = await sign(rsa, idClaims({ nonce: 'other' }))
    const error = await rejection(validate(token))
    expect(error.message).not.toContain(token)
    expect(error.message).not.toContain(token.split('.')[2]!)
  })
})

describe('validateIdToken: caller mistakes', () => {
  it.each([
    ['no config', undefined],
    ['no clientId', { performDisco: true, nonce: NONCE }],
    ['no nonce key', { performDisco: true, clientId: CLIENT }],
    ['a negative maxAge', { performDisco: true, clientId: CLIENT, nonce: NONCE, maxAge: -1 }],
  ])('throws a TypeError for %s', async (_, config) => {
    await expect(validateIdToken('a.b.c', config as never, ISSUER)).rejects.toThrow(TypeError)
  })
})
