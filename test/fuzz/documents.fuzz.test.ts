/**
 * Discovery documents and JWK Sets as a hostile (or broken) provider serves them: the process
 * steps never reject, answer a typed failure or a document whose issuer is the expected one, and
 * import at most MAX_KEYS keys, skipping (never throwing on) keys that do not import.
 */
import { generateKeyPairSync } from 'node:crypto'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { processDiscoveryResponse } from '../../src/discovery/fetch-document.js'
import { processJwksResponse } from '../../src/jwks/get-jwks.js'
import { importKeySet, MAX_KEYS } from '../../src/jwks/key-set.js'
import { metadata } from '../discovery/helpers.js'
import { anyString, runs } from './settings.js'

const ISSUER = 'https://id.example.com'
const ERROR_TYPES = ['http', 'invalid_json', 'invalid_response', 'protocol', 'policy']

/** Bodies: arbitrary bytes, arbitrary JSON, and a valid document with members replaced. */
function bodies(valid: Record<string, unknown>) {
  const names = Object.keys(valid)
  return fc.oneof(
    anyString(300),
    fc.jsonValue({ maxDepth: 3 }).map((value) => JSON.stringify(value)),
    fc
      .dictionary(
        fc.oneof(fc.constantFrom(...names), fc.string({ maxLength: 10 })),
        fc.oneof(
          fc.jsonValue({ maxDepth: 2 }),
          fc.constantFrom(
            ISSUER,
            `${ISSUER}/`,
            'http://id.example.com',
            'https://evil.example.net/x',
          ),
        ),
        { maxKeys: 4 },
      )
      .map((changes) => JSON.stringify({ ...valid, ...changes })),
  )
}

const statuses = fc.constantFrom(200, 200, 200, 400, 401, 404, 500, 503)
const contentTypes = fc.constantFrom(
  'application/json',
  'text/plain',
  'application/jwk-set+json',
  '',
)

describe('processDiscoveryResponse', () => {
  it('never rejects; a success carries exactly the expected issuer', async () => {
    await fc.assert(
      fc.asyncProperty(
        bodies(metadata(ISSUER)),
        statuses,
        contentTypes,
        async (body, status, type) => {
          const response = new Response(body, {
            status,
            headers: type ? { 'content-type': type } : {},
          })
          const result = await processDiscoveryResponse(response, { expectedIssuers: [ISSUER] })
          if (result.isSuccessful) {
            expect(status).toBe(200)
            expect(result.issuer).toBe(ISSUER)
            expect(typeof result.jwksUri).toBe('string')
          } else {
            expect(ERROR_TYPES).toContain(result.errorType)
            expect(typeof result.error).toBe('string')
          }
        },
      ),
      runs(400),
    )
  })
})

describe('JWK Sets', () => {
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'jwk' })
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({
    format: 'jwk',
  })
  const ed = generateKeyPairSync('ed25519').publicKey.export({ format: 'jwk' })
  const valid = [ec, rsa, ed].map((jwk) => ({ ...jwk, use: 'sig' }) as Record<string, unknown>)
  const member = fc.constantFrom(
    'kty',
    'crv',
    'x',
    'y',
    'n',
    'e',
    'k',
    'd',
    'alg',
    'use',
    'kid',
    'key_ops',
  )
  const jwk = fc.oneof(
    fc.jsonValue({ maxDepth: 2 }),
    fc
      .tuple(
        fc.constantFrom(...valid),
        fc.dictionary(
          member,
          fc.oneof(
            fc.jsonValue({ maxDepth: 1 }),
            anyString(40),
            fc.constantFrom(
              'EC',
              'RSA',
              'OKP',
              'oct',
              'P-256',
              'Ed25519',
              'RS256',
              'ES256',
              'sig',
              'enc',
            ),
          ),
          { maxKeys: 3 },
        ),
      )
      .map(([base, changes]) => ({ ...base, ...changes })),
  )

  it('processJwksResponse never rejects and accepts only a non-empty keys array', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          anyString(200),
          fc.array(jwk, { maxLength: 4 }).map((keys) => JSON.stringify({ keys })),
          fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
        ),
        statuses,
        contentTypes,
        async (body, status, type) => {
          const response = new Response(body, {
            status,
            headers: type ? { 'content-type': type } : {},
          })
          const result = await processJwksResponse(response)
          if (result.isSuccessful) {
            expect(Array.isArray(result.keys)).toBe(true)
            expect(result.keys.length).toBeGreaterThan(0)
          } else {
            expect(ERROR_TYPES).toContain(result.errorType)
          }
        },
      ),
      runs(300),
    )
  })

  it('importKeySet never rejects on hostile keys; skipped keys are listed, imported ones usable', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(jwk, { maxLength: 6 }),
        fc.boolean(),
        async (keys, allowSymmetric) => {
          const set = await importKeySet({ keys } as never, { allowSymmetric })
          expect(set.keys.length + set.skipped.length).toBe(keys.length)
          for (const key of set.keys) {
            expect(['RSA', 'EC', 'OKP', 'oct']).toContain(key.kty)
            if (!allowSymmetric) expect(key.kty).not.toBe('oct')
          }
        },
      ),
      runs(200),
    )
  })

  it(`imports at most ${MAX_KEYS} keys of a huge set`, async () => {
    const keys = Array.from({ length: MAX_KEYS + 50 }, (_, i) => ({ ...valid[0], kid: `k${i}` }))
    const set = await importKeySet({ keys } as never, { allowSymmetric: false })
    expect(set.keys).toHaveLength(MAX_KEYS)
    expect(set.skipped.join(' ')).toContain(`50 keys beyond the first ${MAX_KEYS}`)
  })
})
