/**
 * validateToken with a static key for each algorithm family, and the refusals every runtime must
 * give the same way: error class, `code`, and `claim` where a claim failed.
 */
import type { JsonWebKey, TokenValidationConfigInit } from 'identity-model'
import type { StaticAlg, StaticKeyFixture } from '../context.js'
import { defineCases, equal, rejects } from '../registry.js'
import type { PackageCaseArg } from './support.js'

export const STATIC_ALGS: readonly StaticAlg[] = ['RS256', 'PS256', 'ES256', 'EdDSA', 'HS256']

type TokenName = keyof StaticKeyFixture['tokens']

/** The refusals: which token, and the `code` (and `claim`) it must be refused with. */
const REFUSALS: readonly (readonly [string, TokenName, string, string?])[] = [
  ['refuses a tampered signature', 'tampered', 'signature'],
  ['refuses an expired token', 'expired', 'claim_validation', 'exp'],
  ['refuses another audience', 'wrongAudience', 'claim_validation', 'aud'],
  ['refuses another issuer', 'wrongIssuer', 'claim_validation', 'iss'],
  ['refuses alg none', 'algNone', 'alg_none'],
  ['refuses another key under the same kid', 'wrongKey', 'signature'],
  ['refuses an unknown kid', 'unknownKid', 'key_not_found'],
  ['refuses an algorithm of another key type', 'mismatchedKeyType', 'unsupported_alg'],
]

function fixture({ ctx }: PackageCaseArg, alg: StaticAlg): StaticKeyFixture {
  const found = ctx.staticKeys.find((candidate) => candidate.alg === alg)
  if (found === undefined) throw new Error(`the context has no ${alg} fixture`)
  return found
}

/** The key as a JWK Set (a set honours `kid`; a lone JWK is tried whatever `kid` says). */
function config(keys: StaticKeyFixture, form: 'set' | 'jwk' = 'set'): TokenValidationConfigInit {
  const jwk = keys.key as JsonWebKey
  return {
    performDisco: false,
    key: form === 'set' ? { keys: [jwk] } : jwk,
    issuer: keys.issuer,
    audience: keys.audience,
  }
}

export const staticKeyCases = STATIC_ALGS.flatMap((alg) =>
  defineCases<PackageCaseArg>(`static ${alg}`, {
    'accepts a good token (JWK Set and lone JWK)': async (arg) => {
      const keys = fixture(arg, alg)
      for (const form of ['set', 'jwk'] as const) {
        const claims = await arg.lib.core.validateToken(keys.tokens.good, config(keys, form))
        equal(claims.sub, 'user-1', `sub (${form})`)
        equal(claims.scope, 'api:read api:write', `scope (${form})`)
      }
    },
    ...Object.fromEntries(
      REFUSALS.map(([name, token, code, claim]) => [
        name,
        async (arg: PackageCaseArg) => {
          const keys = fixture(arg, alg)
          const jwt = keys.tokens[token]
          await rejects(
            arg.lib.core.validateToken(jwt, config(keys)),
            {
              class: arg.lib.core.TokenValidationError,
              code,
              ...(claim === undefined ? {} : { claim }),
              secrets: [jwt, jwt.split('.')[2] || jwt],
            },
            name,
          )
        },
      ]),
    ),
  }),
)

/** Characters a lenient base64url decoder might skip, map or stop at. */
const NOT_BASE64URL = [
  ...Array.from({ length: 128 }, (_, code) => String.fromCharCode(code)).filter(
    (char) => !/[A-Za-z0-9_-]/.test(char),
  ),
  '\u00c1', // Á: its low byte is "A" for a decoder that drops the high one
  '\u0141', // Ł: its low byte is "A" too
  '\uff21', // fullwidth A
  '\ud83d', // a lone surrogate
]

export const base64urlCases = defineCases<PackageCaseArg>('base64url', {
  'refuses a payload or signature with any character outside the alphabet': async (arg) => {
    const keys = fixture(arg, 'RS256')
    const [header, payload, signature] = keys.tokens.good.split('.') as [string, string, string]
    const { decodeUnverifiedJwt, TokenValidationError } = arg.lib.core
    for (const char of NOT_BASE64URL) {
      for (const at of [0, 7, payload.length - 1]) {
        const spoilt = `${header}.${payload.slice(0, at)}${char}${payload.slice(at + 1)}.${signature}`
        const what = `payload with U+${char.charCodeAt(0).toString(16).padStart(4, '0')} at ${at}`
        let error: unknown
        try {
          decodeUnverifiedJwt(spoilt)
        } catch (caught) {
          error = caught
        }
        equal(error instanceof TokenValidationError, true, `${what} refused`)
        equal((error as { code?: string }).code, 'malformed', `${what}: code`)
      }
      const spoilt = `${header}.${payload}.${signature.slice(0, 10)}${char}${signature.slice(11)}`
      await rejects(
        arg.lib.core.validateToken(spoilt, config(keys)),
        { class: TokenValidationError, code: 'malformed', secrets: [spoilt] },
        `signature with U+${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
      )
    }
  },
})
