/**
 * Key-by-key import of a JWK Set: unusable keys are skipped (and said why, without key
 * material) while the rest keep working; a JWK without `alg` allows the algorithms of its type
 * (API.md "Behaviour details"), a JWK with `alg` only that one.
 */
import { generateKeyPairSync, type KeyObject } from 'node:crypto'
import { type JWK, SignJWT } from 'jose'
import { beforeAll, describe, expect, it } from 'vitest'
import {
  type JsonWebKey,
  ProviderCache,
  ProviderUnavailableError,
  type TokenValidationConfigInit,
  validateToken,
} from '../../src/index.js'
import { importKeySet } from '../../src/jwks/key-set.js'
import { algorithmsForKey } from '../../src/kernel/algorithms.js'
import { metadata } from '../discovery/helpers.js'
import { fakeFetch, json } from '../support/fake-fetch.js'
import { accessClaims, makeKey, NOW, sign, type TestKey } from '../support/tokens.js'

const ISSUER = 'https://id.example.com'

function publicJwk(key: KeyObject, extra: object): JWK {
  return { ...key.export({ format: 'jwk' }), ...extra } as JWK
}

let good: TestKey
let weakRsa: JWK
let rsa: { privateKey: KeyObject; jwk: JWK }
let ec384: { privateKey: KeyObject; jwk: JWK }

beforeAll(() => {
  good = makeKey('ES256', 'good')
  const weak = generateKeyPairSync('rsa', { modulusLength: 1024 })
  weakRsa = publicJwk(weak.publicKey, { kid: 'weak', use: 'sig' })
  const strong = generateKeyPairSync('rsa', { modulusLength: 2048 })
  rsa = { privateKey: strong.privateKey, jwk: publicJwk(strong.publicKey, { kid: 'rsa' }) }
  const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' })
  ec384 = { privateKey: p384.privateKey, jwk: publicJwk(p384.publicKey, { kid: 'ec384' }) }
})

/** A JWK Set with one usable key among every kind the importer must skip. */
function messySet(): JsonWebKey[] {
  const { n } = rsa.jwk as { n: string }
  return [
    { kty: 'RSA', kid: 'malformed', n: 12345, e: 'AQAB' },
    { kty: 'RSA', kid: 'truncated', e: 'AQAB' },
    { ...(rsa.jwk as JsonWebKey), kid: 'enc', use: 'enc' },
    { ...(rsa.jwk as JsonWebKey), kid: 'wrap-only', key_ops: ['wrapKey'] },
    weakRsa as JsonWebKey,
    { kty: 'XYZ', kid: 'unknown-kty', n },
    { kty: 'oct', kid: 'hmac', k: 'c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0' },
    { kty: 'EC', kid: 'odd-curve', crv: 'secp256k1', x: 'AA', y: 'AA' },
    { ...(good.publicJwk as JsonWebKey), kid: 'wrong-alg', alg: 'RS256' },
    null as unknown as JsonWebKey,
    'not a key' as unknown as JsonWebKey,
    good.publicJwk as JsonWebKey,
  ]
}

describe('importKeySet', () => {
  it('skips every unusable key, says why, and keeps the good one', async () => {
    const set = await importKeySet({ keys: messySet() }, { allowSymmetric: false })
    expect(set.keys.map((key) => key.kid)).toEqual(['good'])
    expect([...set.byKid.keys()]).toEqual(['good'])
    const reasons = set.skipped.join('\n')
    expect(set.skipped).toHaveLength(11)
    expect(set.skipped[0]).toMatch(/^key "malformed": does not import/)
    expect(set.skipped[1]).toMatch(/^key "truncated": does not import/)
    expect(set.skipped[2]).toBe('key "enc": use is "enc", not "sig"')
    expect(set.skipped[3]).toBe('key "wrap-only": key_ops does not include "verify"')
    expect(set.skipped[4]).toBe('key "weak": RSA modulus of 1024 bits is under 2048')
    expect(set.skipped[5]).toBe('key "unknown-kty": unsupported kty "XYZ"')
    expect(set.skipped[6]).toBe('key "hmac": symmetric keys are only accepted as a static key')
    expect(set.skipped[7]).toBe(
      'key "odd-curve": no supported algorithm fits kty "EC" crv "secp256k1"',
    )
    expect(set.skipped[8]).toBe(
      'key "wrong-alg": no supported algorithm fits kty "EC" crv "P-256" alg "RS256"',
    )
    expect(set.skipped[9]).toBe('key #9: not a JWK (no kty)')
    expect(set.skipped[10]).toBe('key #10: not a JWK (no kty)')
    // No key material in the reasons.
    expect(reasons).not.toContain((rsa.jwk as { n: string }).n.slice(0, 20))
    expect(reasons).not.toContain('c2VjcmV0')
  })

  it('imports only the public half of a JWK that carries private members', async () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    const privateJwk = { ...privateKey.export({ format: 'jwk' }), kid: 'p' } as JsonWebKey
    const set = await importKeySet({ keys: [privateJwk] }, { allowSymmetric: false })
    const handle = set.keys[0]?.handles.get('ES256') as { key: { type: string } }
    expect(handle.key.type).toBe('public')
  })

  it('groups keys that share a kid', async () => {
    const other = makeKey('ES256', 'good')
    const set = await importKeySet(
      { keys: [good.publicJwk as JsonWebKey, other.publicJwk as JsonWebKey] },
      { allowSymmetric: false },
    )
    expect(set.byKid.get('good')).toHaveLength(2)
  })
})

describe('algorithms of a JWK', () => {
  const algorithmsOf = async (jwk: object) =>
    [
      ...((
        await importKeySet(jwk as JsonWebKey, { allowSymmetric: true })
      ).keys[0]?.handles.keys() ?? []),
    ].sort()

  it('without alg follow its type', async () => {
    expect(await algorithmsOf(rsa.jwk)).toEqual([
      'PS256',
      'PS384',
      'PS512',
      'RS256',
      'RS384',
      'RS512',
    ])
    expect(await algorithmsOf(good.publicJwk)).toEqual(['ES256'])
    expect(await algorithmsOf(ec384.jwk)).toEqual(['ES384'])
    const p521 = generateKeyPairSync('ec', { namedCurve: 'P-521' }).publicKey
    expect(await algorithmsOf(publicJwk(p521, {}))).toEqual(['ES512'])
    const ed = generateKeyPairSync('ed25519').publicKey
    expect(await algorithmsOf(publicJwk(ed, {}))).toContain('EdDSA')
    expect(await algorithmsOf({ kty: 'oct', k: 'c2VjcmV0' })).toEqual(['HS256', 'HS384', 'HS512'])
  })

  it('with alg allow only that one', async () => {
    expect(await algorithmsOf({ ...rsa.jwk, alg: 'PS384' })).toEqual(['PS384'])
    expect(await algorithmsOf({ ...ec384.jwk, alg: 'ES384' })).toEqual(['ES384'])
    expect(algorithmsForKey('EC', 'P-384', 'ES256')).toEqual([])
    expect(algorithmsForKey('RSA', undefined, 'HS256')).toEqual([])
  })
})

describe('validateToken with a messy published key set', () => {
  function provider(keys: () => unknown[]) {
    const fake = fakeFetch({
      [`${ISSUER}/.well-known/openid-configuration`]: () => json(metadata(ISSUER)),
      [`${ISSUER}/jwks`]: () => json({ keys: keys() }),
    })
    const config: TokenValidationConfigInit = {
      performDisco: true,
      audience: 'my-api',
      currentDate: new Date(NOW * 1000),
      cache: new ProviderCache({ now: () => NOW * 1000 }),
      fetch: fake.fetch,
    }
    return { config, fake }
  }

  it('validates with the good key although the others are broken', async () => {
    const { config } = provider(() => messySet())
    const claims = await validateToken(await sign(good, accessClaims()), config, ISSUER)
    expect(claims.sub).toBe('user-1')
  })

  it('verifies RS384 and PS512 with an RSA key published without alg, ES384 with P-384', async () => {
    const { config } = provider(() => [rsa.jwk, ec384.jwk])
    for (const [alg, key, kid] of [
      ['RS384', rsa.privateKey, 'rsa'],
      ['PS512', rsa.privateKey, 'rsa'],
      ['ES384', ec384.privateKey, 'ec384'],
    ] as const) {
      const token = await new SignJWT(accessClaims()).setProtectedHeader({ alg, kid }).sign(key)
      expect((await validateToken(token, config, ISSUER)).sub, alg).toBe('user-1')
    }
  })

  it('refuses another algorithm than the alg a key declares', async () => {
    const { config } = provider(() => [{ ...rsa.jwk, alg: 'RS256' }])
    const token = await new SignJWT(accessClaims())
      .setProtectedHeader({ alg: 'PS256', kid: 'rsa' })
      .sign(rsa.privateKey)
    await expect(validateToken(token, config, ISSUER)).rejects.toMatchObject({
      code: 'unsupported_alg',
    })
  })

  it('refuses a token signed by a skipped key (1024-bit RSA) as key_not_found', async () => {
    const { config } = provider(() => messySet())
    const token = await sign(
      { alg: 'RS256', publicJwk: { kid: 'weak' }, privateKey: rsa.privateKey } as TestKey,
      accessClaims(),
    )
    await expect(validateToken(token, config, ISSUER)).rejects.toMatchObject({
      code: 'key_not_found',
    })
  })

  it('treats a set without one usable key as the provider being unavailable', async () => {
    const { config } = provider(() => messySet().slice(0, -1))
    const error = await validateToken(await sign(good, accessClaims()), config, ISSUER).catch(
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(ProviderUnavailableError)
    expect((error as ProviderUnavailableError).message).toContain('no usable signing key')
  })
})
