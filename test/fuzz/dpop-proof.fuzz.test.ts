/**
 * DPoP proofs (RFC 9449 §4.3) as a client sends them: `validateDpopProof` never throws anything
 * but a `TokenValidationError`, and never accepts a proof with one character changed.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  createDpopProof,
  generateDpopKeyPair,
  TokenValidationError,
  validateDpopProof,
} from '../../src/index.js'
import {
  anyString,
  BASE64URL_ALPHABET,
  oneCharMutation,
  onlyTyped,
  runs,
  stringOf,
} from './settings.js'

const CODES = [
  'malformed',
  'alg_none',
  'unsupported_alg',
  'key_conversion',
  'signature',
  'claim_validation',
]
const HTU = 'https://api.example.com/orders'
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')

describe('validateDpopProof on hostile input', () => {
  it('throws only typed errors for any string and any structured JWT', async () => {
    const header = fc.record(
      {
        typ: fc.oneof(fc.constant('dpop+jwt'), fc.jsonValue({ maxDepth: 1 })),
        alg: fc.oneof(
          fc.constantFrom('ES256', 'RS256', 'EdDSA', 'none', 'HS256'),
          fc.jsonValue({ maxDepth: 1 }),
        ),
        jwk: fc.oneof(
          fc.jsonValue({ maxDepth: 2 }),
          fc.record({
            kty: fc.constantFrom('EC', 'RSA', 'OKP', 'oct'),
            crv: fc.constantFrom('P-256', 'Ed25519', 'X'),
            x: stringOf(BASE64URL_ALPHABET, 50),
            y: stringOf(BASE64URL_ALPHABET, 50),
          }),
        ),
      },
      { requiredKeys: [] },
    )
    const payload = fc.dictionary(
      fc.constantFrom('jti', 'htm', 'htu', 'iat', 'ath', 'nonce'),
      fc.jsonValue({ maxDepth: 1 }),
    )
    const proof = fc.oneof(
      anyString(300),
      fc
        .tuple(header, payload, stringOf(BASE64URL_ALPHABET, 90))
        .map(([h, p, s]) => `${b64(h)}.${b64(p)}.${s}`),
    )
    await fc.assert(
      fc.asyncProperty(proof, async (input) => {
        const error = await onlyTyped(
          () => validateDpopProof(input, { htm: 'GET', htu: HTU }),
          CODES,
        )
        expect(error).toBeInstanceOf(TokenValidationError)
      }),
      runs(400),
    )
  })

  it('refuses every one-character change of a valid proof', async () => {
    const keyPair = await generateDpopKeyPair('ES256')
    const proof = await createDpopProof({
      privateKey: keyPair.privateKey,
      publicJwk: keyPair.publicJwk,
      htm: 'GET',
      htu: HTU,
      accessToken: 'at-1',
    })
    const options = { htm: 'GET', htu: HTU, accessToken: 'at-1', expectedJkt: keyPair.thumbprint }
    expect((await validateDpopProof(proof, options)).jkt).toBe(keyPair.thumbprint)
    await fc.assert(
      fc.asyncProperty(oneCharMutation(proof, `${BASE64URL_ALPHABET}.,`), async (mutated) => {
        const error = await onlyTyped(() => validateDpopProof(mutated, options), CODES)
        expect(error).toBeInstanceOf(TokenValidationError)
      }),
      runs(400),
    )
  })
})
