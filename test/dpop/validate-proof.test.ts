/** validateDpopProof: every RFC 9449 §4.3 rule and its failure code. */
import { generateKeyPairSync, sign } from 'node:crypto'
import { type JWK, SignJWT } from 'jose'
import { describe, expect, it } from 'vitest'
import {
  createDpopProof,
  createDpopReplayCache,
  type DpopKeyPair,
  generateDpopKeyPair,
  TokenValidationError,
  validateDpopProof,
} from '../../src/index.js'
import { unsigned } from '../support/tokens.js'

const HTU = 'https://api.example.com/orders'
const NOW = 1_900_000_000
const at = new Date(NOW * 1000)
const ACCESS_TOKEN = 'eyJhbGciOiJSUzI1NiJ9.payload.signature'

const pair: DpopKeyPair = await generateDpopKeyPair()
const other: DpopKeyPair = await generateDpopKeyPair()

/** A proof signed with jose directly, so malformed variants can be made. */
function rawProof(
  header: Record<string, unknown>,
  payload: Record<string, unknown>,
  key: DpopKeyPair = pair,
): Promise<string> {
  return new SignJWT(payload)
    .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: { ...key.publicJwk }, ...header } as {
      alg: string
    })
    .sign(key.privateKey)
}

const claims = (extra: Record<string, unknown> = {}) => ({
  jti: 'jti-1',
  htm: 'GET',
  htu: HTU,
  iat: NOW,
  ath: undefined,
  ...extra,
})

const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url')

const options = { htm: 'GET', htu: HTU, currentDate: at }

async function failure(proof: string | undefined, extra: Record<string, unknown> = {}) {
  const error = await validateDpopProof(proof, { ...options, ...extra }).then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(TokenValidationError)
  const { code, claim, message } = error as TokenValidationError
  // The message never carries the proof or the token.
  if (proof) expect(message).not.toContain(proof)
  expect(message).not.toContain(ACCESS_TOKEN)
  return { code, claim, message }
}

describe('validateDpopProof accepts', () => {
  it('a good proof, and answers its claims and key thumbprint', async () => {
    const proof = await rawProof({}, claims())
    const result = await validateDpopProof(proof, options)
    expect(result.jkt).toBe(pair.thumbprint)
    expect(result.header).toEqual({ alg: 'ES256', typ: 'dpop+jwt', jwk: pair.publicJwk })
    expect(result.claims).toMatchObject({ jti: 'jti-1', htm: 'GET', htu: HTU, iat: NOW })
  })

  it('a proof made by createDpopProof, with ath, bound to the expected key', async () => {
    const proof = await createDpopProof({
      privateKey: pair.privateKey,
      publicJwk: pair.publicJwk,
      htm: 'POST',
      htu: `${HTU}?x=1`,
      accessToken: ACCESS_TOKEN,
    })
    const result = await validateDpopProof(proof, {
      htm: 'POST',
      htu: `${HTU}?other=2#f`,
      accessToken: ACCESS_TOKEN,
      expectedJkt: pair.thumbprint,
    })
    expect(result.jkt).toBe(pair.thumbprint)
  })

  it('RSA, PS256 and EdDSA proofs', async () => {
    for (const alg of ['RS256', 'PS256', 'EdDSA'] as const) {
      const key = await generateDpopKeyPair(alg)
      const proof = await rawProof({ alg }, claims(), key)
      expect((await validateDpopProof(proof, options)).header.alg).toBe(alg)
    }
  })

  it('an htu that differs only by normalisation (case, default port, escapes)', async () => {
    const proof = await rawProof({}, claims({ htu: 'HTTPS://API.example.com:443/%6Frders' }))
    await expect(validateDpopProof(proof, options)).resolves.toBeDefined()
  })

  it('iat within the window (leeway in the future, maxAge in the past)', async () => {
    for (const iat of [NOW + 5, NOW - 305]) {
      const proof = await rawProof({}, claims({ iat }))
      await expect(validateDpopProof(proof, options)).resolves.toBeDefined()
    }
  })

  it('the typ as a full media type, case-insensitively', async () => {
    const proof = await rawProof({ typ: 'application/DPoP+JWT' }, claims())
    await expect(validateDpopProof(proof, options)).resolves.toBeDefined()
  })
})

describe('validateDpopProof refuses', () => {
  it('a missing proof, several proofs, and something that is not a JWS', async () => {
    const proof = await rawProof({}, claims())
    expect(await failure(undefined)).toMatchObject({ code: 'malformed' })
    expect(await failure('')).toMatchObject({ code: 'malformed' })
    expect((await failure(`${proof}, ${proof}`)).message).toMatch(/more than one/)
    expect((await failure([proof, proof] as never)).message).toMatch(/more than one/)
    expect(await failure('a.b')).toMatchObject({ code: 'malformed' })
    expect(await failure('!!.e30.sig')).toMatchObject({ code: 'malformed' })
  })

  it('a typ other than dpop+jwt', async () => {
    for (const typ of ['JWT', 'at+jwt', undefined]) {
      const proof = await rawProof({ typ }, claims())
      const { code, message } = await failure(proof)
      expect(code).toBe('malformed')
      expect(message).toMatch(/typ/)
    }
  })

  it('alg none and symmetric algorithms', async () => {
    const none = unsigned({ alg: 'none', typ: 'dpop+jwt', jwk: pair.publicJwk }, claims())
    expect(await failure(none)).toMatchObject({ code: 'alg_none' })
    const hs = await new SignJWT(claims())
      .setProtectedHeader({
        alg: 'HS256',
        typ: 'dpop+jwt',
        jwk: { kty: 'oct', k: 'c2VjcmV0' } as never,
      })
      .sign(new TextEncoder().encode('secret-secret-secret-secret-secret'))
    expect(await failure(hs)).toMatchObject({ code: 'unsupported_alg' })
  })

  it('an algorithm the server does not accept', async () => {
    const proof = await rawProof({}, claims())
    expect(await failure(proof, { algorithms: ['RS256'] })).toMatchObject({
      code: 'unsupported_alg',
    })
  })

  it('a proof without jwk, or with a private or symmetric jwk', async () => {
    const missing = await new SignJWT(claims())
      .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt' })
      .sign(pair.privateKey)
    expect(await failure(missing)).toMatchObject({ code: 'malformed' })
    expect((await failure(missing)).message).toMatch(/jwk/)
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    const privateJwk = ec.privateKey.export({ format: 'jwk' }) as JWK
    const withPrivate = await new SignJWT(claims())
      .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: privateJwk })
      .sign(ec.privateKey)
    const refused = await failure(withPrivate)
    expect(refused).toMatchObject({ code: 'malformed' })
    expect(refused.message).toMatch(/private/)
    expect(refused.message).not.toContain(privateJwk.d as string)
    const oct = await rawProof({ jwk: { kty: 'oct', k: 'AAAA' } }, claims())
    expect(await failure(oct)).toMatchObject({ code: 'malformed' })
  })

  it('a jwk that does not fit alg, or an RSA key under 2048 bits', async () => {
    const rsa = await generateDpopKeyPair('RS256')
    const mismatch = await rawProof({ jwk: { ...rsa.publicJwk } }, claims())
    expect(await failure(mismatch)).toMatchObject({ code: 'key_conversion' })
    const small = generateKeyPairSync('rsa', { modulusLength: 1024 })
    const smallJwk = small.publicKey.export({ format: 'jwk' })
    // jose will not sign with a short key: sign by hand.
    const input = `${encode({ alg: 'RS256', typ: 'dpop+jwt', jwk: smallJwk })}.${encode(claims())}`
    const signature = sign('sha256', Buffer.from(input), small.privateKey).toString('base64url')
    const weak = `${input}.${signature}`
    expect(await failure(weak)).toMatchObject({ code: 'key_conversion' })
  })

  it('a signature by another key than the embedded jwk', async () => {
    const forged = await rawProof({ jwk: { ...other.publicJwk } }, claims())
    expect(await failure(forged)).toMatchObject({ code: 'signature' })
    const proof = await rawProof({}, claims())
    const [h, p] = proof.split('.')
    const tampered = `${h}.${p}.${Buffer.alloc(64, 1).toString('base64url')}`
    expect(await failure(tampered)).toMatchObject({ code: 'signature' })
  })

  it('a missing or oversized jti', async () => {
    for (const jti of [undefined, '', 'x'.repeat(257), 42]) {
      const proof = await rawProof({}, claims({ jti }))
      expect(await failure(proof)).toMatchObject({ code: 'claim_validation', claim: 'jti' })
    }
  })

  it('a wrong htm (case-sensitive) or a missing one', async () => {
    for (const htm of ['POST', 'get', undefined]) {
      const proof = await rawProof({}, claims({ htm }))
      const { claim, message } = await failure(proof)
      expect(claim).toBe('htm')
      expect(message).toMatch(/htm/)
    }
  })

  it('a wrong htu: another path, host, scheme or port, or not a URL', async () => {
    for (const htu of [
      'https://api.example.com/other',
      'https://evil.example.com/orders',
      'http://api.example.com/orders',
      'https://api.example.com:8443/orders',
      'orders',
      undefined,
    ]) {
      const proof = await rawProof({}, claims({ htu }))
      expect(await failure(proof)).toMatchObject({ code: 'claim_validation', claim: 'htu' })
    }
  })

  it('an iat too old, in the future, or missing', async () => {
    for (const iat of [NOW - 306, NOW + 6, undefined, '1900000000']) {
      const proof = await rawProof({}, claims({ iat }))
      expect(await failure(proof)).toMatchObject({ code: 'claim_validation', claim: 'iat' })
    }
    const proof = await rawProof({}, claims({ iat: NOW - 61 }))
    expect(await failure(proof, { maxAgeSeconds: 60, leeway: 0 })).toMatchObject({ claim: 'iat' })
  })

  it('a missing or wrong nonce when one is required', async () => {
    const without = await rawProof({}, claims())
    expect(await failure(without, { nonce: 'n-1' })).toMatchObject({ claim: 'nonce' })
    const wrong = await rawProof({}, claims({ nonce: 'n-0' }))
    expect(await failure(wrong, { nonce: 'n-1' })).toMatchObject({ claim: 'nonce' })
    expect(await failure(wrong, { nonce: () => false })).toMatchObject({ claim: 'nonce' })
    const right = await rawProof({}, claims({ nonce: 'n-1' }))
    await expect(validateDpopProof(right, { ...options, nonce: 'n-1' })).resolves.toBeDefined()
    await expect(
      validateDpopProof(right, { ...options, nonce: async (n) => n === 'n-1' }),
    ).resolves.toBeDefined()
  })

  it('an ath missing or not the hash of the access token', async () => {
    const without = await rawProof({}, claims())
    expect(await failure(without, { accessToken: ACCESS_TOKEN })).toMatchObject({ claim: 'ath' })
    const wrong = await rawProof({}, claims({ ath: 'x'.repeat(43) }))
    expect(await failure(wrong, { accessToken: ACCESS_TOKEN })).toMatchObject({ claim: 'ath' })
  })

  it('a key other than the one the token is bound to (cnf.jkt)', async () => {
    const proof = await rawProof({}, claims())
    const { claim, message } = await failure(proof, { expectedJkt: other.thumbprint })
    expect(claim).toBe('jkt')
    expect(message).toMatch(/bound/)
  })

  it('a replayed proof (same key and jti), but not the same jti from another key', async () => {
    const isReplay = createDpopReplayCache({ now: () => NOW * 1000 })
    const proof = await rawProof({}, claims())
    await validateDpopProof(proof, { ...options, isReplay })
    expect(await failure(proof, { isReplay })).toMatchObject({ claim: 'jti' })
    const sameJtiOtherKey = await rawProof({ jwk: { ...other.publicJwk } }, claims(), other)
    await expect(
      validateDpopProof(sameJtiOtherKey, { ...options, isReplay }),
    ).resolves.toBeDefined()
  })

  it('runs the replay check only for proofs that passed everything else', async () => {
    const seen: string[] = []
    const isReplay = (jti: string) => {
      seen.push(jti)
      return false
    }
    const wrongMethod = await rawProof({}, claims({ htm: 'POST' }))
    await failure(wrongMethod, { isReplay })
    expect(seen).toEqual([])
  })

  it('bad options with a TypeError', async () => {
    const proof = await rawProof({}, claims())
    await expect(validateDpopProof(proof, null as never)).rejects.toBeInstanceOf(TypeError)
    await expect(validateDpopProof(proof, { htm: '', htu: HTU })).rejects.toBeInstanceOf(TypeError)
    await expect(validateDpopProof(proof, { htm: 'GET', htu: '/orders' })).rejects.toBeInstanceOf(
      TypeError,
    )
    await expect(
      validateDpopProof(proof, { ...options, algorithms: ['HS256' as never] }),
    ).rejects.toBeInstanceOf(TypeError)
    await expect(validateDpopProof(proof, { ...options, maxAgeSeconds: 0 })).rejects.toBeInstanceOf(
      TypeError,
    )
  })
})

describe('createDpopReplayCache', () => {
  it('forgets a proof once it could no longer be accepted, and stays bounded', () => {
    let now = 1000_000
    const isReplay = createDpopReplayCache({ maxEntries: 2, now: () => now })
    expect(isReplay('a', { jkt: 'k', until: 1300 })).toBe(false)
    expect(isReplay('a', { jkt: 'k', until: 1300 })).toBe(true)
    expect(isReplay('a', { jkt: 'other', until: 1301 })).toBe(false)
    expect(isReplay('b', { jkt: 'k', until: 1302 })).toBe(false)
    // Full: the oldest ('k:a') went, and with it the proof of its freshness: it stays refused.
    expect(isReplay('a', { jkt: 'k', until: 1300 })).toBe(true)
    now = 1400_000
    expect(isReplay('c', { jkt: 'k', until: 1700 })).toBe(false)
    expect(() => createDpopReplayCache({ maxEntries: 0 })).toThrow(TypeError)
  })

  it('cannot be flushed: a flood of proofs (many keys) never lets a captured proof replay', () => {
    let now = 1000_000
    const isReplay = createDpopReplayCache({ maxEntries: 1000, now: () => now })
    // The victim's proof, captured by the attacker.
    expect(isReplay('victim-jti', { jkt: 'victim', until: 1305 })).toBe(false)
    // The attacker floods the cache with 10 000 proofs of its own, from 10 000 keys.
    for (let i = 0; i < 10_000; i++) {
      now = 1000_000 + Math.floor(i / 100) * 1000
      isReplay(`jti-${i}`, { jkt: `attacker-${i}`, until: now / 1000 + 305 })
    }
    now = 1100_000
    expect(isReplay('victim-jti', { jkt: 'victim', until: 1305 })).toBe(true)
    // Fresh proofs still pass.
    expect(isReplay('fresh', { jkt: 'victim', until: 1405 })).toBe(false)
  })
})
