/**
 * validateDpopProof: what each refusal tells the developer (the message names the check, and the
 * cause is kept), the exact bounds (jti length, the replay window), and the caller mistakes it
 * answers with a TypeError. Complements validate-proof.test.ts, which checks codes and claims.
 */
import { SignJWT } from 'jose'
import { describe, expect, it } from 'vitest'
import {
  type DpopKeyPair,
  dpopAccessTokenHash,
  generateDpopKeyPair,
  TokenValidationError,
  validateDpopProof,
} from '../../src/index.js'

const HTU = 'https://api.example.com/orders'
const NOW = 1_900_000_000
const options = { htm: 'GET', htu: HTU, currentDate: new Date(NOW * 1000) }
const pair: DpopKeyPair = await generateDpopKeyPair()
const other: DpopKeyPair = await generateDpopKeyPair()

function proof(
  payload: Record<string, unknown> = {},
  header: Record<string, unknown> = {},
  key: DpopKeyPair = pair,
): Promise<string> {
  return new SignJWT({ jti: 'jti-1', htm: 'GET', htu: HTU, iat: NOW, ...payload })
    .setProtectedHeader({
      alg: 'ES256',
      typ: 'dpop+jwt',
      jwk: { ...pair.publicJwk },
      ...header,
    } as {
      alg: string
    })
    .sign(key.privateKey)
}

async function refusal(
  value: string | undefined,
  extra: Record<string, unknown> = {},
): Promise<TokenValidationError> {
  const error = await validateDpopProof(value, { ...options, ...extra }).then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(TokenValidationError)
  return error as TokenValidationError
}

describe('validateDpopProof messages', () => {
  it('says what is wrong with the proof itself', async () => {
    expect((await refusal(undefined)).message).toBe('the DPoP proof is missing')
    expect((await refusal('')).message).toBe('the DPoP proof is missing')
    expect((await refusal(await proof({}, { typ: 'JWT' }))).message).toMatch(/DPoP proof/)
    expect((await refusal(await proof({}, { jwk: undefined }))).message).toBe(
      'the DPoP proof header has no jwk (the public key that signed it)',
    )
    expect((await refusal(await proof({}, { jwk: ['x'] }))).message).toMatch(/has no jwk/)
    const notAKey = await refusal(await proof({}, { jwk: { kty: 'XYZ', x: 'a' } }))
    expect(notAKey.message).toBe('the DPoP proof jwk is not an RSA, EC or OKP public key')
    expect(notAKey.code).toBe('malformed')
    expect(notAKey.cause).toBeInstanceOf(Error)
    // ES384 named with the P-256 key: the jwk does not fit alg.
    const es384 = await generateDpopKeyPair('ES384')
    const wrongCurve = await refusal(await proof({}, { alg: 'ES384' }, es384))
    expect(wrongCurve.code).toBe('key_conversion')
    expect(wrongCurve.message).toMatch(/^the DPoP proof jwk is unusable: ./)
  })

  it('says the signature does not verify with the jwk, keeping the cause', async () => {
    const forged = await refusal(await proof({}, {}, other))
    expect(forged.code).toBe('signature')
    expect(forged.message).toBe('the DPoP proof signature does not verify with its jwk')
    expect(forged.cause).toBeInstanceOf(TokenValidationError)
    expect((forged.cause as TokenValidationError).code).toBe('signature')
  })

  it('names each claim check', async () => {
    expect((await refusal(await proof({ jti: '' }))).message).toBe(
      'the DPoP proof has no jti (or one over 256 characters)',
    )
    expect((await refusal(await proof({ htu: 'https://api.example.com/x' }))).message).toBe(
      `the DPoP proof htu does not match the request URI ${HTU}`,
    )
    expect((await refusal(await proof({ htm: 'POST' }))).message).toBe(
      'the DPoP proof htm does not match the request method GET',
    )
    expect((await refusal(await proof(), { nonce: 'n-1' })).message).toBe(
      'the DPoP proof has no nonce; one is required',
    )
    expect((await refusal(await proof({ nonce: 'n-0' }), { nonce: 'n-1' })).message).toBe(
      'the DPoP proof nonce is not the current one',
    )
    const numericNonce = await refusal(await proof({ nonce: 7 }))
    expect([numericNonce.claim, numericNonce.message]).toEqual([
      'nonce',
      'the DPoP proof nonce is not a string',
    ])
    const numericAth = await refusal(await proof({ ath: 7 }))
    expect([numericAth.claim, numericAth.message]).toEqual([
      'ath',
      'the DPoP proof ath is not a string',
    ])
    expect((await refusal(await proof(), { accessToken: 'at-1' })).message).toBe(
      'the DPoP proof has no ath, but it comes with an access token',
    )
    expect((await refusal(await proof({ ath: 'x' }), { accessToken: 'at-1' })).message).toBe(
      'the DPoP proof ath is not the hash of the presented access token',
    )
    const noIat = await refusal(await proof({ iat: undefined }))
    expect(noIat.claim).toBe('iat')
    expect(noIat.message).toContain('the DPoP proof')
    expect((await refusal(await proof(), { isReplay: () => true })).message).toBe(
      'the DPoP proof was used before (its jti was seen)',
    )
  })

  it('accepts a jti of exactly 256 characters, refuses 257', async () => {
    await expect(
      validateDpopProof(await proof({ jti: 'j'.repeat(256) }), options),
    ).resolves.toBeDefined()
    expect((await refusal(await proof({ jti: 'j'.repeat(257) }))).claim).toBe('jti')
  })

  it('an ath that matches passes; a nonce may be checked by a function', async () => {
    const ath = dpopAccessTokenHash('at-1')
    await expect(
      validateDpopProof(await proof({ ath, nonce: 'n-9' }), {
        ...options,
        accessToken: 'at-1',
        nonce: (value) => value === 'n-9',
      }),
    ).resolves.toMatchObject({ claims: { ath, nonce: 'n-9' } })
  })

  it('asks the replay check to remember the jti until iat + maxAge + leeway', async () => {
    const calls: [string, { jkt: string; until: number }][] = []
    await validateDpopProof(await proof({ iat: NOW - 10 }), {
      ...options,
      maxAgeSeconds: 120,
      leeway: 7,
      isReplay: (jti, context) => {
        calls.push([jti, context])
        return false
      },
    })
    expect(calls).toEqual([['jti-1', { jkt: pair.thumbprint, until: NOW - 10 + 120 + 7 }]])
  })
})

describe('validateDpopProof caller mistakes', () => {
  it('answers each with a TypeError that says what to pass', async () => {
    const good = await proof()
    const cases: [unknown, RegExp][] = [
      [null, /validateDpopProof needs options/],
      ['GET', /validateDpopProof needs options/],
      [{ htu: HTU }, /htm \(the request method\) is required/],
      [{ htm: '', htu: HTU }, /htm \(the request method\) is required/],
      [{ htm: 7, htu: HTU }, /htm \(the request method\) is required/],
      [{ htm: 'GET', htu: '/orders' }, /htu must be the absolute http\(s\) URI/],
      [{ ...options, maxAgeSeconds: 0 }, /maxAgeSeconds must be a number of seconds > 0/],
      [{ ...options, maxAgeSeconds: Number.NaN }, /maxAgeSeconds/],
      [{ ...options, algorithms: ['HS256'] }, /algorithms: "HS256" is not an asymmetric JWS/],
      [{ ...options, accessToken: 42 }, /accessToken must be a string/],
      [{ ...options, leeway: Number.NaN }, /leeway/],
    ]
    for (const [bad, message] of cases) {
      const error = await validateDpopProof(good, bad as never).then(
        () => undefined,
        (e: unknown) => e,
      )
      expect(error).toBeInstanceOf(TypeError)
      expect((error as Error).message).toMatch(message)
    }
  })
})
