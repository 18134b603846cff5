import { randomUUID } from 'node:crypto'
import { beforeAll, describe, expect, it } from 'vitest'
import {
  BACKCHANNEL_LOGOUT_EVENT,
  createLogoutReplayCache,
  type IdentityModelError,
  type LogoutTokenValidationConfigInit,
  TokenValidationError,
  validateLogoutToken,
} from '../../src/index.js'
import { fakeProvider, ISSUER } from '../support/oidc-provider-fake.js'
import { makeKey, NOW, sign, type TestKey, unsigned } from '../support/tokens.js'

const CLIENT = 'web-app'
let rsa: TestKey

beforeAll(() => {
  rsa = makeKey('RS256', 'rsa-1')
})

function logoutClaims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    iss: ISSUER,
    aud: CLIENT,
    iat: NOW,
    exp: NOW + 120,
    jti: randomUUID(),
    sub: 'alice',
    sid: 'session-1',
    events: { [BACKCHANNEL_LOGOUT_EVENT]: {} },
    ...overrides,
  }
}

function without(...names: string[]): Record<string, unknown> {
  const claims = logoutClaims()
  for (const name of names) delete claims[name]
  return claims
}

function setup() {
  const op = fakeProvider(() => [rsa])
  // Each test gets its own replay memory, so tests do not see each other's jti.
  const isReplay = createLogoutReplayCache({ now: () => NOW * 1000 })
  const validate = (token: string, extra: Partial<LogoutTokenValidationConfigInit> = {}) =>
    validateLogoutToken(token, { ...op.network, clientId: CLIENT, isReplay, ...extra }, ISSUER)
  return { ...op, validate }
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

async function claimFailure(promise: Promise<unknown>, claim: string): Promise<void> {
  const error = await rejection(promise)
  expect(error).toBeInstanceOf(TokenValidationError)
  expect(error.code).toBe('claim_validation')
  expect((error as TokenValidationError).claim).toBe(claim)
}

describe('validateLogoutToken: accepts', () => {
  it('a logout token typed logout+jwt with sub and sid', async () => {
    const { validate } = setup()
    const token = await sign(rsa, logoutClaims(), { typ: 'logout+jwt' })
    const claims = await validate(token)
    expect(claims).toMatchObject({ sub: 'alice', sid: 'session-1', aud: CLIENT })
    expect(claims.events[BACKCHANNEL_LOGOUT_EVENT]).toEqual({})
  })

  it('a token with only sid, with only sub, without typ, typed JWT, and without exp', async () => {
    const { validate } = setup()
    expect((await validate(await sign(rsa, without('sub')))).sid).toBe('session-1')
    expect((await validate(await sign(rsa, without('sid')))).sub).toBe('alice')
    expect((await validate(await sign(rsa, logoutClaims(), { typ: 'JWT' }))).sub).toBe('alice')
    expect((await validate(await sign(rsa, without('exp')))).sub).toBe('alice')
  })

  it('an HS256 logout token verified with the client secret', async () => {
    const { validate } = setup()
    const clientSecret = 'c'.repeat(40)
    const token = await sign(
      { secret: new TextEncoder().encode(clientSecret), alg: 'HS256' },
      logoutClaims(),
    )
    expect((await validate(token, { clientSecret })).sub).toBe('alice')
  })
})

describe('validateLogoutToken: refuses (Back-Channel Logout 1.0 §2.6)', () => {
  it('another typ, such as an ID token or an access token (malformed)', async () => {
    const { validate } = setup()
    for (const typ of ['at+jwt', 'id_token+jwt', 'secevent+jwt']) {
      const token = await sign(rsa, logoutClaims(), { typ })
      expect((await rejection(validate(token))).code).toBe('malformed')
    }
  })

  it('no events, events that is not an object, and events without the logout event (events)', async () => {
    const { validate } = setup()
    await claimFailure(validate(await sign(rsa, without('events'))), 'events')
    await claimFailure(
      validate(await sign(rsa, logoutClaims({ events: [BACKCHANNEL_LOGOUT_EVENT] }))),
      'events',
    )
    await claimFailure(
      validate(await sign(rsa, logoutClaims({ events: { 'http://example.com/other': {} } }))),
      'events',
    )
    await claimFailure(
      validate(await sign(rsa, logoutClaims({ events: { [BACKCHANNEL_LOGOUT_EVENT]: 'yes' } }))),
      'events',
    )
  })

  it('neither sub nor sid (sub)', async () => {
    const { validate } = setup()
    await claimFailure(validate(await sign(rsa, without('sub', 'sid'))), 'sub')
  })

  it('a nonce, as an ID token would have (nonce)', async () => {
    const { validate } = setup()
    await claimFailure(validate(await sign(rsa, logoutClaims({ nonce: 'n' }))), 'nonce')
  })

  it('no jti (jti)', async () => {
    const { validate } = setup()
    await claimFailure(validate(await sign(rsa, without('jti'))), 'jti')
  })

  it('a replayed jti, with the default-style cache and with a custom isReplay', async () => {
    const { validate } = setup()
    const token = await sign(rsa, logoutClaims())
    await validate(token)
    await claimFailure(validate(token), 'jti')

    const seen: Array<[string, number]> = []
    const isReplay = async (jti: string, exp: number) => {
      seen.push([jti, exp])
      return true
    }
    const claims = logoutClaims()
    await claimFailure(validate(await sign(rsa, claims), { isReplay }), 'jti')
    expect(seen).toEqual([[claims.jti, NOW + 120 + 5]])
  })

  it('does not record the jti of a token that failed another check', async () => {
    const { validate } = setup()
    const calls: string[] = []
    const isReplay = (jti: string) => {
      calls.push(jti)
      return false
    }
    await rejection(validate(await sign(rsa, logoutClaims({ nonce: 'n' })), { isReplay }))
    await rejection(validate(await sign(rsa, logoutClaims({ aud: 'other' })), { isReplay }))
    expect(calls).toEqual([])
  })

  it('remembers a jti without exp for iat + maxTokenAgeSeconds', async () => {
    const { validate } = setup()
    const seen: number[] = []
    const isReplay = (_: string, exp: number) => {
      seen.push(exp)
      return false
    }
    await validate(await sign(rsa, without('exp')), { isReplay, maxTokenAgeSeconds: 300 })
    expect(seen).toEqual([NOW + 300 + 5])
  })

  it('a token issued longer ago than maxTokenAgeSeconds (iat), and one without iat', async () => {
    const { validate } = setup()
    const old = await sign(rsa, logoutClaims({ iat: NOW - 700, exp: NOW + 60 }))
    await claimFailure(validate(old), 'iat')
    expect((await validate(old, { maxTokenAgeSeconds: 800 })).sub).toBe('alice')
    await claimFailure(
      validate(await sign(rsa, without('iat')), { options: { requireIat: false } }),
      'iat',
    )
  })

  it('an expired token (exp), the wrong audience (aud) and the wrong issuer (iss)', async () => {
    const { validate } = setup()
    await claimFailure(validate(await sign(rsa, logoutClaims({ exp: NOW - 30 }))), 'exp')
    await claimFailure(validate(await sign(rsa, logoutClaims({ aud: 'other-app' }))), 'aud')
    await claimFailure(
      validate(await sign(rsa, logoutClaims({ iss: 'https://evil.example.com' }))),
      'iss',
    )
  })

  it('an unsigned token (alg_none) and a forged signature (signature)', async () => {
    const { validate } = setup()
    expect((await rejection(validate(unsigned({ alg: 'none' }, logoutClaims())))).code).toBe(
      'alg_none',
    )
    const forged = await sign(makeKey('RS256', 'rsa-1'), logoutClaims())
    expect((await rejection(validate(forged))).code).toBe('signature')
  })

  it.each([
    ['no config', undefined],
    ['no clientId', { performDisco: true }],
    ['a zero maxTokenAgeSeconds', { performDisco: true, clientId: CLIENT, maxTokenAgeSeconds: 0 }],
  ])('throws a TypeError for %s', async (_, config) => {
    await expect(validateLogoutToken('a.b.c', config as never, ISSUER)).rejects.toThrow(TypeError)
  })
})

describe('createLogoutReplayCache', () => {
  it('answers true for a jti seen before its exp, and forgets it after', () => {
    let clock = NOW * 1000
    const isReplay = createLogoutReplayCache({ now: () => clock })
    expect(isReplay('a', NOW + 60)).toBe(false)
    expect(isReplay('a', NOW + 60)).toBe(true)
    clock += 61_000
    expect(isReplay('a', NOW + 120)).toBe(false)
  })

  it('stays bounded: expired entries go first, then the oldest', () => {
    let clock = NOW * 1000
    const isReplay = createLogoutReplayCache({ maxEntries: 2, now: () => clock })
    isReplay('short', NOW + 10)
    isReplay('long', NOW + 1000)
    clock += 20_000
    isReplay('new', NOW + 1001) // drops the expired "short"
    expect(isReplay('long', NOW + 1000)).toBe(true)
    // Full of live entries: drops the oldest ("long")...
    expect(isReplay('newer', NOW + 1002)).toBe(false)
    // ...which stays refused: a forgotten token that could still be valid is never taken again.
    expect(isReplay('long', NOW + 1000)).toBe(true)
  })

  it('throws a TypeError for a bad maxEntries', () => {
    expect(() => createLogoutReplayCache({ maxEntries: 0 })).toThrow(TypeError)
  })
})
