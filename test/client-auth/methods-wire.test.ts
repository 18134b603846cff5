/**
 * Client authentication at the token endpoint: client_secret_basic (RFC 6749 §2.3.1),
 * client_secret_post, none, client_secret_jwt and private_key_jwt (RFC 7523 §2.2, OpenID
 * Connect Core §9), checked on the request that leaves.
 */
import { generateKeyPairSync } from 'node:crypto'
import { decodeProtectedHeader, type JWK, jwtVerify } from 'jose'
import { describe, expect, it } from 'vitest'
import { formUrlEncode } from '../../src/client-auth/methods.js'
import {
  type ClientCredentialsTokenRequestInit,
  requestClientCredentialsToken,
} from '../../src/index.js'
import { itWithKeyObjects } from '../support/backend.js'
import { fakeFetch, json } from '../support/fake-fetch.js'

const TOKEN = 'https://id.example.com/oauth/token'
const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'

/** Sends one client-credentials request and returns what reached the token endpoint. */
async function sent(request: Omit<ClientCredentialsTokenRequestInit, 'address' | 'fetch'>) {
  const fake = fakeFetch({
    [TOKEN]: () => json({ access_token: 'at', token_type: 'Bearer', expires_in: 60 }),
  })
  const result = await requestClientCredentialsToken({
    address: TOKEN,
    fetch: fake.fetch,
    ...request,
  })
  expect(result.isSuccessful).toBe(true)
  expect(fake.calls).toHaveLength(1)
  const call = fake.calls[0]!
  return {
    authorization: call.headers.get('authorization'),
    contentType: call.headers.get('content-type'),
    form: new URLSearchParams(await call.clone().text()),
  }
}

/** RFC 6749 §2.3.1 read back: Base64, split at the colon, then form-decode each half. */
function decodeBasic(header: string | null): [string, string] {
  expect(header?.startsWith('Basic ')).toBe(true)
  const pair = Buffer.from(header!.slice(6), 'base64').toString('utf8')
  const colon = pair.indexOf(':')
  const decode = (part: string) => decodeURIComponent(part.replace(/\+/g, ' '))
  return [decode(pair.slice(0, colon)), decode(pair.slice(colon + 1))]
}

describe('client_secret_basic', () => {
  it.each([
    ['plain', 'svc', 'secret'],
    ['colon in id and secret', 'svc:1', 'a:b:c'],
    ['percent', 'svc', '100%%25'],
    ['plus', 'svc+x', 'a+b'],
    ['spaces', 'my service', ' lead and trail '],
    ['non-ASCII', 'dienst-ü', 'pässwörd-日本-🔑'],
    ['the testbed secret', 'service-basic', 's3cr:et%+ with spaces/and=more'],
  ])('form-encodes id and secret before Base64 (%s)', async (_name, clientId, clientSecret) => {
    const { authorization, form } = await sent({ clientId, clientSecret })
    expect(decodeBasic(authorization)).toEqual([clientId, clientSecret])
    expect(form.has('client_id')).toBe(false)
    expect(form.has('client_secret')).toBe(false)
  })

  it('encodes exactly as application/x-www-form-urlencoded does', async () => {
    const { authorization } = await sent({ clientId: 'ü id', clientSecret: 'a+b c:d%' })
    const expected = Buffer.from('%C3%BC+id:a%2Bb+c%3Ad%25').toString('base64')
    expect(authorization).toBe(`Basic ${expected}`)
    expect(formUrlEncode('~*-._!')).toBe('%7E*-._%21')
  })

  it('is the default when a secret is given', async () => {
    const { authorization } = await sent({ clientId: 'svc', clientSecret: 's' })
    expect(decodeBasic(authorization)).toEqual(['svc', 's'])
  })
})

describe('client_secret_post and none', () => {
  it('client_secret_post sends both in the form, no Authorization header', async () => {
    const { authorization, form, contentType } = await sent({
      clientId: 'svc:é',
      clientSecret: 'p%+ :w',
      clientAuthentication: 'client_secret_post',
    })
    expect(authorization).toBeNull()
    expect(contentType).toBe('application/x-www-form-urlencoded')
    expect(form.get('client_id')).toBe('svc:é')
    expect(form.get('client_secret')).toBe('p%+ :w')
  })

  it('none sends only client_id, and is the default without a secret or key', async () => {
    for (const request of [
      { clientId: 'public' },
      { clientId: 'public', clientAuthentication: 'none' as const },
    ]) {
      const { authorization, form } = await sent(request)
      expect(authorization).toBeNull()
      expect(form.get('client_id')).toBe('public')
      expect(form.has('client_secret')).toBe(false)
      expect(form.has('client_assertion')).toBe(false)
    }
  })
})

describe('JWT client assertions', () => {
  const secret = 'a-long-enough-client-secret-for-hs256-0123456789'

  async function assertionOf(form: URLSearchParams) {
    expect(form.get('client_assertion_type')).toBe(ASSERTION_TYPE)
    expect(form.has('client_secret')).toBe(false)
    const assertion = form.get('client_assertion')
    expect(assertion).toBeTypeOf('string')
    return assertion!
  }

  function expectAssertionClaims(payload: Record<string, unknown>, clientId: string) {
    expect(payload.iss).toBe(clientId)
    expect(payload.sub).toBe(clientId)
    expect(payload.aud).toBe(TOKEN)
    expect(payload.jti).toBeTypeOf('string')
    const { iat, exp } = payload as { iat: number; exp: number }
    const now = Math.floor(Date.now() / 1000)
    expect(Math.abs(iat - now)).toBeLessThanOrEqual(5)
    expect(exp - iat).toBeGreaterThan(0)
    expect(exp - iat).toBeLessThanOrEqual(60)
  }

  it('client_secret_jwt signs HS256 with the secret; each assertion has a fresh jti', async () => {
    const request = {
      clientId: 'hmac-client',
      clientSecret: secret,
      clientAuthentication: 'client_secret_jwt' as const,
    }
    const first = await sent(request)
    expect(first.authorization).toBeNull()
    expect(first.form.get('client_id')).toBe('hmac-client')
    const assertion = await assertionOf(first.form)
    const { payload, protectedHeader } = await jwtVerify(
      assertion,
      new TextEncoder().encode(secret),
      { algorithms: ['HS256'] },
    )
    expect(protectedHeader).toEqual({ alg: 'HS256' })
    expectAssertionClaims(payload, 'hmac-client')

    const second = await assertionOf((await sent(request)).form)
    const { payload: again } = await jwtVerify(second, new TextEncoder().encode(secret))
    expect(again.jti).not.toBe(payload.jti)
  })

  it('client_secret_jwt honours clientAssertionAlg', async () => {
    const { form } = await sent({
      clientId: 'hmac-client',
      clientSecret: `${secret}${secret}`,
      clientAuthentication: 'client_secret_jwt',
      clientAssertionAlg: 'HS512',
    })
    expect(decodeProtectedHeader(await assertionOf(form)).alg).toBe('HS512')
  })

  it('private_key_jwt signs with a private JWK, using its alg and kid', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    const jwk = {
      ...privateKey.export({ format: 'jwk' }),
      alg: 'ES256',
      kid: 'client-key-1',
    } as JWK
    const { form, authorization } = await sent({ clientId: 'jwt-client', privateKey: jwk })
    expect(authorization).toBeNull()
    expect(form.get('client_id')).toBe('jwt-client')
    const { payload, protectedHeader } = await jwtVerify(await assertionOf(form), publicKey, {
      algorithms: ['ES256'],
    })
    expect(protectedHeader).toEqual({ alg: 'ES256', kid: 'client-key-1' })
    expectAssertionClaims(payload, 'jwt-client')
  })

  itWithKeyObjects(
    'private_key_jwt signs with a KeyObject (RS256 by default, or clientAssertionAlg)',
    async () => {
      const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
      const rs = await sent({
        clientId: 'jwt-client',
        privateKey,
        clientAuthentication: 'private_key_jwt',
      })
      const verified = await jwtVerify(await assertionOf(rs.form), publicKey)
      expect(verified.protectedHeader).toEqual({ alg: 'RS256' })
      expectAssertionClaims(verified.payload, 'jwt-client')
      const ps = await sent({ clientId: 'jwt-client', privateKey, clientAssertionAlg: 'PS256' })
      expect((await jwtVerify(await assertionOf(ps.form), publicKey)).protectedHeader.alg).toBe(
        'PS256',
      )
    },
  )
})

describe('private_key_jwt: the default algorithm follows the key', () => {
  itWithKeyObjects.each([
    ['an EC P-256 KeyObject', 'ES256', () => generateKeyPairSync('ec', { namedCurve: 'P-256' })],
    ['an EC P-384 KeyObject', 'ES384', () => generateKeyPairSync('ec', { namedCurve: 'P-384' })],
    ['an EC P-521 KeyObject', 'ES512', () => generateKeyPairSync('ec', { namedCurve: 'P-521' })],
    ['an Ed25519 KeyObject', 'EdDSA', () => generateKeyPairSync('ed25519')],
  ])('signs with %s as %s', async (_name, alg, generate) => {
    const { privateKey, publicKey } = generate()
    const { form } = await sent({ clientId: 'jwt-client', privateKey })
    const assertion = form.get('client_assertion')!
    const { protectedHeader, payload } = await jwtVerify(assertion, publicKey)
    expect(protectedHeader.alg).toBe(alg)
    expect(payload.sub).toBe('jwt-client')
  })

  it('signs with an EC JWK that has no alg by its curve', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-384' })
    const jwk = { ...privateKey.export({ format: 'jwk' }), kid: 'k' } as JWK
    const { form } = await sent({ clientId: 'jwt-client', privateKey: jwk })
    const { protectedHeader } = await jwtVerify(form.get('client_assertion')!, publicKey)
    expect(protectedHeader).toEqual({ alg: 'ES384', kid: 'k' })
  })
})

describe('client authentication: caller mistakes', () => {
  it.each([
    [{ clientSecret: 's' }, 'clientId is required'],
    [{ clientId: '', clientSecret: 's' }, 'clientId is required'],
    [{ clientId: 'svc', clientSecret: '' }, 'client_secret_basic needs a clientSecret'],
    [
      { clientId: 'svc', clientAuthentication: 'client_secret_basic' },
      'client_secret_basic needs a clientSecret',
    ],
    [
      { clientId: 'svc', clientAuthentication: 'client_secret_post' },
      'client_secret_post needs a clientSecret',
    ],
    [
      { clientId: 'svc', clientAuthentication: 'client_secret_jwt' },
      'client_secret_jwt needs a clientSecret',
    ],
    [
      { clientId: 'svc', clientAuthentication: 'private_key_jwt' },
      'private_key_jwt needs a privateKey',
    ],
    [
      { clientId: 'svc', clientAuthentication: 'tls_client_auth' },
      'tls_client_auth needs tls: { cert, key } (the client certificate, PEM)',
    ],
    [
      { clientId: 'svc', clientAuthentication: 'toString' },
      'unknown clientAuthentication "toString"',
    ],
  ])('%j throws TypeError: %s, before any request', async (credentials, message) => {
    const fake = fakeFetch()
    await expect(
      requestClientCredentialsToken({
        address: TOKEN,
        fetch: fake.fetch,
        ...(credentials as Partial<ClientCredentialsTokenRequestInit>),
      }),
    ).rejects.toThrow(new TypeError(message))
    expect(fake.calls).toHaveLength(0)
  })
})

describe('client authentication as a function', () => {
  it('adds what the function adds, with the client id and the endpoint as audience', async () => {
    const seen: { clientId: string; audience: string }[] = []
    const { authorization, form } = await sent({
      clientId: 'svc',
      scope: 'api:read',
      clientAuthentication: async (client, request, audience) => {
        seen.push({ clientId: client.clientId, audience })
        request.headers.authorization = 'Custom abc'
        request.body.set('client_id', client.clientId)
      },
    })
    expect(seen).toEqual([{ clientId: 'svc', audience: TOKEN }])
    expect(authorization).toBe('Custom abc')
    expect(form.get('client_id')).toBe('svc')
    expect(form.get('grant_type')).toBe('client_credentials')
  })

  it('gives each function its own TokenManager cache entry', async () => {
    const { tokenCacheKey } = await import('../../src/token-manager/cache-key.js')
    const one = () => {}
    const two = () => {}
    const key = (method: () => void) =>
      tokenCacheKey({ address: TOKEN, clientId: 'svc', clientAuthentication: method })
    expect(key(one)).toBe(key(one))
    expect(key(one)).not.toBe(key(two))
  })
})
