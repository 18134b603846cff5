/**
 * Conformance: validation.json. Executable vectors run as vectors (tokens minted from the
 * fixture key with times relative to `options.now`); JWT-010 (a live JWKS whose key set changes)
 * runs as a named test against an injected fetch.
 */
import { generateKeyPairSync } from 'node:crypto'
import { importJWK, type JWK, SignJWT } from 'jose'
import { expect } from 'vitest'
import {
  IdentityModelError,
  ProviderCache,
  type TokenValidationConfigInit,
  TokenValidationError,
  validateToken,
} from '../../src/index.js'
import { fakeFetch, json } from '../support/fake-fetch.js'
import {
  type CaseImplementation,
  conformanceSuite,
  fixtureJson,
  fixtureText,
  type SpecCase,
  type SpecVector,
} from './spec.js'

/** "1h", "-1m", "30s" → seconds. */
function duration(value: string): number {
  const match = /^(-?\d+)([smhd])$/.exec(value)
  if (!match) throw new Error(`bad duration ${value}`)
  return Number(match[1]) * { s: 1, m: 60, h: 3600, d: 86_400 }[match[2] as 's' | 'm' | 'h' | 'd']
}

async function mint(vector: SpecVector, now: number): Promise<string> {
  const token = vector.token
  if (token.static) return fixtureText(token.static).trim()
  const claims: Record<string, unknown> = {}
  for (const [name, value] of Object.entries(token.claims ?? {})) {
    claims[name] =
      ['exp', 'nbf', 'iat'].includes(name) && typeof value === 'string'
        ? now + duration(value)
        : value
  }
  const alg = token.alg ?? 'RS256'
  let key: Parameters<SignJWT['sign']>[0]
  let kid = token.header_kid
  if (token.signing_key === 'ephemeral') {
    key = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey
  } else {
    const jwk = fixtureJson<JWK>('validation/signing-key.jwk.json')
    key = await importJWK(jwk, alg)
    kid ??= jwk.kid
  }
  return new SignJWT(claims)
    .setProtectedHeader(kid === undefined ? { alg } : { alg, kid })
    .sign(key)
}

function configFor(options: Record<string, unknown>): TokenValidationConfigInit {
  const now = new Date(String(options.now))
  return {
    performDisco: false,
    key: fixtureJson('validation/jwks.json') as never,
    currentDate: now,
    issuer: options.expected_issuer as string | undefined,
    audience: options.expected_audience as string | undefined,
    nonce: options.expected_nonce as string | undefined,
    leeway: options.clock_skew === undefined ? undefined : duration(String(options.clock_skew)),
    requiredClaims: options.required_claims as string[] | undefined,
    options: {
      verifyIss: options.expected_issuer !== undefined,
      verifyAud: options.expected_audience !== undefined,
    },
  }
}

const runVectors: CaseImplementation = async (testCase: SpecCase) => {
  expect(testCase.vectors?.length).toBeGreaterThan(0)
  for (const vector of testCase.vectors ?? []) {
    const config = configFor(vector.options)
    const token = await mint(vector, Math.floor(config.currentDate!.getTime() / 1000))
    const outcome = await validateToken(token, config).then(
      (claims) => ({ claims, error: undefined }),
      (error: unknown) => ({ claims: undefined, error }),
    )
    if (vector.expect.outcome === 'accept') {
      expect(outcome.error, vector.name).toBeUndefined()
      expect(outcome.claims).toMatchObject(vector.expect.claims ?? {})
    } else {
      expect(outcome.error, vector.name).toBeInstanceOf(TokenValidationError)
      const error = outcome.error as TokenValidationError
      expect(error.code, vector.name).toBe(vector.expect.error)
      if (vector.expect.claim) expect(error.claim, vector.name).toBe(vector.expect.claim)
    }
  }
}

/** JWT-010: a kid absent from the cached set forces one refresh, then resolution succeeds. */
const kidMissForcesRefresh: CaseImplementation = async () => {
  const issuer = 'https://issuer.example.com'
  const oldKey = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const newKey = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const publicJwk = (key: typeof oldKey, kid: string) => ({
    ...key.publicKey.export({ format: 'jwk' }),
    kid,
    alg: 'RS256',
    use: 'sig',
  })
  let published = [publicJwk(oldKey, 'old')]
  const fake = fakeFetch({
    [`${issuer}/.well-known/openid-configuration`]: () =>
      json({
        issuer,
        authorization_endpoint: `${issuer}/auth`,
        token_endpoint: `${issuer}/token`,
        jwks_uri: `${issuer}/jwks`,
        response_types_supported: ['code'],
        subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: ['RS256'],
      }),
    [`${issuer}/jwks`]: () => json({ keys: published }),
  })
  const config = {
    performDisco: true,
    audience: 'test-client',
    cache: new ProviderCache(),
    fetch: fake.fetch,
  }
  const sign = (key: typeof oldKey, kid: string) =>
    new SignJWT({ iss: issuer, aud: 'test-client', sub: 'u' })
      .setProtectedHeader({ alg: 'RS256', kid })
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(key.privateKey)
  await validateToken(await sign(oldKey, 'old'), config, issuer)
  published = [publicJwk(oldKey, 'old'), publicJwk(newKey, 'new')]
  const claims = await validateToken(await sign(newKey, 'new'), config, issuer)
  expect(claims.sub).toBe('u')
  expect(fake.count(`${issuer}/jwks`)).toBe(2)
  // A kid that is in neither set: the refresh already ran, so the cooldown holds it back.
  const error = await validateToken(await sign(newKey, 'nobody'), config, issuer).catch(
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(IdentityModelError)
  expect((error as IdentityModelError).code).toBe('key_not_found')
  expect(fake.count(`${issuer}/jwks`)).toBe(2)
}

conformanceSuite('validation', {
  'JWT-001': runVectors,
  'JWT-002': runVectors,
  'JWT-003': runVectors,
  'JWT-004': runVectors,
  'JWT-005': runVectors,
  'JWT-006': runVectors,
  'JWT-007': runVectors,
  'JWT-008': runVectors,
  'JWT-009': runVectors,
  'JWT-010': kidMissForcesRefresh,
  'JWT-011': runVectors,
  'JWT-012': runVectors,
  'JWT-013': runVectors,
})
