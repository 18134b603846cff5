/**
 * Compact JWS and JSON claims, as an attacker sends them: `decodeJws` (the one decoder every JWT
 * goes through) and `validateToken` never throw anything but a `TokenValidationError`, and never
 * accept a token with one character changed.
 */
import { createHmac } from 'node:crypto'
import fc from 'fast-check'
import { beforeAll, describe, expect, it } from 'vitest'
import { type JsonWebKey, TokenValidationError, validateToken } from '../../src/index.js'
import { checkClaims } from '../../src/kernel/claims.js'
import { decodeJws } from '../../src/kernel/jws.js'
import { accessClaims, makeKey, NOW, sign, type TestKey } from '../support/tokens.js'
import {
  anyString,
  BASE64URL_ALPHABET,
  oneCharMutation,
  onlyTyped,
  runs,
  stringOf,
} from './settings.js'

const b64 = (text: string) => Buffer.from(text).toString('base64url')
const DECODE_CODES = ['malformed']
const VALIDATE_CODES = [
  'malformed',
  'alg_none',
  'unsupported_alg',
  'key_not_found',
  'signature',
  'claim_validation',
]

/** Three segments, each base64url of arbitrary text or JSON, or arbitrary base64url. */
const segment = fc.oneof(
  stringOf(BASE64URL_ALPHABET, 80),
  anyString(80).map(b64),
  fc.jsonValue({ maxDepth: 3 }).map((value) => b64(JSON.stringify(value))),
  fc
    .dictionary(
      fc.constantFrom('alg', 'kid', 'typ', 'crit', 'jwk', 'b64'),
      fc.jsonValue({ maxDepth: 2 }),
    )
    .map((value) => b64(JSON.stringify(value))),
)
const compact = fc.tuple(segment, segment, segment).map((parts) => parts.join('.'))

describe('decodeJws on hostile input', () => {
  it('throws only malformed for any string', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(anyString(400), compact), async (input) => {
        await onlyTyped(() => decodeJws(input), DECODE_CODES)
      }),
      runs(1000),
    )
  })

  it('throws only malformed for values that are not strings', async () => {
    await fc.assert(
      fc.asyncProperty(fc.anything({ maxDepth: 2 }), async (input) => {
        if (typeof input === 'string') return
        const error = await onlyTyped(() => decodeJws(input), DECODE_CODES)
        expect(error).toBeDefined()
      }),
      runs(300),
    )
  })

  it('decodes what it accepts into a header with a string alg and a plain-object payload', async () => {
    await fc.assert(
      fc.property(compact, (input) => {
        let decoded: ReturnType<typeof decodeJws>
        try {
          decoded = decodeJws(input)
        } catch {
          return
        }
        expect(typeof decoded.header.alg).toBe('string')
        expect(Array.isArray(decoded.claims)).toBe(false)
        expect(decoded.signingInput).toBe(input.slice(0, input.lastIndexOf('.')))
      }),
      runs(1000),
    )
  })
})

describe('validateToken never accepts a mutated token', () => {
  const secret = new TextEncoder().encode('a-32-byte-secret-for-hs256-tests!')
  let keys: TestKey[]
  beforeAll(() => {
    keys = [
      makeKey('RS256', 'rs'),
      makeKey('PS256', 'ps'),
      makeKey('ES256', 'es'),
      makeKey('EdDSA', 'ed'),
    ]
  })
  const config = (key: JsonWebKey) => ({
    performDisco: false as const,
    key,
    issuer: 'https://id.example.com',
    audience: 'my-api',
    currentDate: new Date(NOW * 1000),
  })

  it('refuses every one-character change of a valid HS256 token, with a typed error', async () => {
    const token = await sign({ secret, alg: 'HS256' }, accessClaims())
    const hsConfig = config({ kty: 'oct', k: Buffer.from(secret).toString('base64url') })
    expect((await validateToken(token, hsConfig)).sub).toBe('user-1')
    await fc.assert(
      fc.asyncProperty(oneCharMutation(token), async (mutated) => {
        const error = await onlyTyped(() => validateToken(mutated, hsConfig), VALIDATE_CODES)
        expect(error).toBeInstanceOf(TokenValidationError)
      }),
      runs(1000),
    )
  })

  it('refuses every one-character change of valid RS256, PS256, ES256 and EdDSA tokens', async () => {
    for (const key of keys) {
      const token = await sign(key, accessClaims())
      const keyConfig = config(key.publicJwk as JsonWebKey)
      expect((await validateToken(token, keyConfig)).sub).toBe('user-1')
      await fc.assert(
        fc.asyncProperty(oneCharMutation(token), async (mutated) => {
          const error = await onlyTyped(() => validateToken(mutated, keyConfig), VALIDATE_CODES)
          expect(error).toBeInstanceOf(TokenValidationError)
        }),
        runs(150),
      )
    }
  })

  it('refuses a token whose segments are swapped, duplicated or truncated', async () => {
    const token = await sign({ secret, alg: 'HS256' }, accessClaims())
    const hsConfig = config({ kty: 'oct', k: Buffer.from(secret).toString('base64url') })
    const [h, p, s] = token.split('.') as [string, string, string]
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(
          `${p}.${h}.${s}`,
          `${h}.${h}.${s}`,
          `${h}.${p}.`,
          `${h}.${p}.${s}.`,
          `${h}..${s}`,
        ),
        fc.nat({ max: token.length }),
        async (variant, cut) => {
          for (const input of [variant, token.slice(0, cut), `${token}${token.slice(cut)}`]) {
            if (input === token) continue
            await onlyTyped(() => validateToken(input, hsConfig), VALIDATE_CODES)
            await expect(validateToken(input, hsConfig)).rejects.toBeInstanceOf(
              TokenValidationError,
            )
          }
        },
      ),
      runs(200),
    )
  })
})

describe('JSON claims of any shape', () => {
  const claimValue = fc.oneof(
    fc.jsonValue({ maxDepth: 2 }),
    fc.integer(),
    fc.double(),
    fc.constantFrom(NOW, NOW - 1000, NOW + 1000, 'my-api', 'https://id.example.com', ['my-api']),
  )
  const claimSet = fc.dictionary(
    fc.constantFrom('iss', 'aud', 'exp', 'nbf', 'iat', 'sub', 'nonce', 'jti', 'scope', 'x'),
    claimValue,
  )

  it('checkClaims only ever throws claim_validation', async () => {
    await fc.assert(
      fc.asyncProperty(claimSet, async (claims) => {
        await onlyTyped(
          () =>
            checkClaims(claims, {
              now: NOW,
              leeway: 60,
              issuer: 'https://id.example.com',
              audience: 'my-api',
              requireExp: true,
              requireIat: true,
              maxAgeSeconds: 3600,
              nonce: 'n-1',
              subject: 'user-1',
              requiredClaims: ['jti'],
            }),
          ['claim_validation'],
        )
      }),
      runs(1000),
    )
  })

  it('validateToken of a well-signed token with any payload: claims checked, typed errors only', async () => {
    const secret = new TextEncoder().encode('a-32-byte-secret-for-hs256-tests!')
    const hsConfig = {
      performDisco: false as const,
      key: { kty: 'oct', k: Buffer.from(secret).toString('base64url') },
      issuer: 'https://id.example.com',
      audience: 'my-api',
      currentDate: new Date(NOW * 1000),
    }
    await fc.assert(
      fc.asyncProperty(claimSet, async (claims) => {
        const input = `${b64('{"alg":"HS256"}')}.${b64(JSON.stringify(claims))}`
        const mac = createHmac('sha256', secret).update(input).digest('base64url')
        const token = `${input}.${mac}`
        const error = await onlyTyped(() => validateToken(token, hsConfig), ['claim_validation'])
        if (error === undefined) {
          // Accepted: then every check held.
          expect(claims.iss).toBe('https://id.example.com')
          expect(typeof claims.exp).toBe('number')
        }
      }),
      runs(300),
    )
  })
})
