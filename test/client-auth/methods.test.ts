/** Client authentication strategies: what each method puts on the wire (RFC 6749 §2.3, RFC 7523 §3). */
import { generateKeyPairSync } from 'node:crypto'
import { decodeProtectedHeader, exportJWK, type JWK, jwtVerify } from 'jose'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import {
  type AuthenticatedRequest,
  authenticateClient,
  type ClientCredentials,
  defaultMethod,
} from '../../src/client-auth/methods.js'
import { itWithKeyObjects } from '../support/backend.js'
import { NOW } from '../support/tokens.js'

const TOKEN = 'https://id.example.com/token'
const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'

async function apply(credentials: ClientCredentials, audience = TOKEN) {
  const request: AuthenticatedRequest = { headers: {}, body: new URLSearchParams({ a: '1' }) }
  await authenticateClient(credentials, request, audience)
  return request
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'], now: NOW * 1000 })
})
afterEach(() => {
  vi.useRealTimers()
})

describe('defaultMethod', () => {
  it('is client_secret_basic with a secret, private_key_jwt with a key, none otherwise', () => {
    expect(defaultMethod({ clientSecret: 's' })).toBe('client_secret_basic')
    expect(defaultMethod({ privateKey: { kty: 'RSA' } })).toBe('private_key_jwt')
    expect(defaultMethod({})).toBe('none')
    expect(defaultMethod({ clientSecret: 's', clientAuthentication: 'none' })).toBe('none')
  })
})

describe('client_secret_basic', () => {
  it('form-encodes id and secret before Base64, and leaves the body alone', async () => {
    const { headers, body } = await apply({ clientId: 'a b', clientSecret: 'p:%+ /' })
    const decoded = Buffer.from(headers.authorization!.slice('Basic '.length), 'base64').toString()
    expect(decoded).toBe('a+b:p%3A%25%2B+%2F')
    expect([...body.keys()]).toEqual(['a'])
  })

  it('needs a secret', async () => {
    await expect(
      apply({ clientId: 'c', clientAuthentication: 'client_secret_basic' }),
    ).rejects.toThrow(new TypeError('client_secret_basic needs a clientSecret'))
  })
})

describe('client_secret_post', () => {
  it('puts id and secret in the body and sets no Authorization header', async () => {
    const { headers, body } = await apply({
      clientId: 'c',
      clientSecret: 's',
      clientAuthentication: 'client_secret_post',
    })
    expect(headers.authorization).toBeUndefined()
    expect(body.get('client_id')).toBe('c')
    expect(body.get('client_secret')).toBe('s')
  })
})

describe('none', () => {
  it('sends only client_id, even when a secret is at hand', async () => {
    const { headers, body } = await apply({
      clientId: 'c',
      clientSecret: 's',
      clientAuthentication: 'none',
    })
    expect(headers.authorization).toBeUndefined()
    expect(body.get('client_id')).toBe('c')
    expect(body.has('client_secret')).toBe(false)
  })
})

describe('client_secret_jwt', () => {
  const secret = 'a-secret-long-enough-for-hmac-sha-256-0123456789'

  it('signs an HS256 assertion with the RFC 7523 §3 claims and the endpoint as aud', async () => {
    const { headers, body } = await apply({
      clientId: 'c',
      clientSecret: secret,
      clientAuthentication: 'client_secret_jwt',
    })
    expect(headers.authorization).toBeUndefined()
    expect(body.has('client_secret')).toBe(false)
    expect(body.get('client_assertion_type')).toBe(ASSERTION_TYPE)
    const jwt = body.get('client_assertion')!
    const { payload, protectedHeader } = await jwtVerify(jwt, new TextEncoder().encode(secret), {
      currentDate: new Date(NOW * 1000),
    })
    expect(protectedHeader).toEqual({ alg: 'HS256' })
    expect(payload).toMatchObject({ iss: 'c', sub: 'c', aud: TOKEN, iat: NOW, exp: NOW + 60 })
    expect(payload.jti).toMatch(/^[0-9a-f-]{36}$/)
  })

  it('uses a fresh jti every time', async () => {
    const credentials = {
      clientId: 'c',
      clientSecret: secret,
      clientAuthentication: 'client_secret_jwt',
    } as const
    const jti = async () => {
      const jwt = (await apply(credentials)).body.get('client_assertion')!
      return (
        await jwtVerify(jwt, new TextEncoder().encode(secret), {
          currentDate: new Date(NOW * 1000),
        })
      ).payload.jti
    }
    expect(await jti()).not.toBe(await jti())
  })

  it('honours HS512 and refuses a non-HMAC algorithm', async () => {
    const { body } = await apply({
      clientId: 'c',
      clientSecret: secret,
      clientAuthentication: 'client_secret_jwt',
      clientAssertionAlg: 'HS512',
    })
    expect(decodeProtectedHeader(body.get('client_assertion')!).alg).toBe('HS512')
    await expect(
      apply({
        clientId: 'c',
        clientSecret: secret,
        clientAuthentication: 'client_secret_jwt',
        clientAssertionAlg: 'RS256',
      }),
    ).rejects.toThrow(TypeError)
    await expect(
      apply({
        clientId: 'c',
        clientSecret: secret,
        clientAuthentication: 'client_secret_jwt',
        clientAssertionAlg: 'none',
      }),
    ).rejects.toThrow(TypeError)
  })

  it('uses clientAssertionAudience instead of the endpoint when given', async () => {
    const { body } = await apply({
      clientId: 'c',
      clientSecret: secret,
      clientAuthentication: 'client_secret_jwt',
      clientAssertionAudience: 'https://id.example.com',
    })
    const { payload } = await jwtVerify(
      body.get('client_assertion')!,
      new TextEncoder().encode(secret),
      {
        currentDate: new Date(NOW * 1000),
      },
    )
    expect(payload.aud).toBe('https://id.example.com')
  })
})

describe('private_key_jwt', () => {
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-384' })
  const ed = generateKeyPairSync('ed25519')

  async function verified(body: URLSearchParams, publicKey: Parameters<typeof jwtVerify>[1]) {
    return jwtVerify(body.get('client_assertion')!, publicKey, {
      currentDate: new Date(NOW * 1000),
    })
  }

  it('signs with a private JWK: its alg and kid in the header, the claims of RFC 7523 §3', async () => {
    const jwk = { ...(await exportJWK(rsa.privateKey)), alg: 'PS256', kid: 'k1' }
    const { headers, body } = await apply({ clientId: 'c', privateKey: jwk })
    expect(headers.authorization).toBeUndefined()
    expect(body.get('client_id')).toBe('c')
    expect(body.get('client_assertion_type')).toBe(ASSERTION_TYPE)
    const { payload, protectedHeader } = await verified(body, rsa.publicKey)
    expect(protectedHeader).toEqual({ alg: 'PS256', kid: 'k1' })
    expect(payload).toMatchObject({ iss: 'c', sub: 'c', aud: TOKEN, iat: NOW, exp: NOW + 60 })
    expect(typeof payload.jti).toBe('string')
  })

  itWithKeyObjects(
    'infers the algorithm from the key type when neither alg nor clientAssertionAlg says',
    async () => {
      const cases: [JWK | typeof ec.privateKey, string, Parameters<typeof jwtVerify>[1]][] = [
        [await exportJWK(rsa.privateKey), 'RS256', rsa.publicKey],
        [await exportJWK(ec.privateKey), 'ES384', ec.publicKey],
        [ec.privateKey, 'ES384', ec.publicKey],
        [ed.privateKey, 'EdDSA', ed.publicKey],
        [await exportJWK(ed.privateKey), 'EdDSA', ed.publicKey],
        [rsa.privateKey, 'RS256', rsa.publicKey],
      ]
      for (const [privateKey, alg, publicKey] of cases) {
        const { body } = await apply({ clientId: 'c', privateKey })
        const { protectedHeader } = await verified(body, publicKey)
        expect(protectedHeader.alg).toBe(alg)
      }
    },
  )

  it('refuses a public key, a symmetric key, HMAC and none', async () => {
    const publicJwk = await exportJWK(rsa.publicKey)
    await expect(apply({ clientId: 'c', privateKey: publicJwk })).rejects.toThrow(/private key/)
    await expect(apply({ clientId: 'c', privateKey: rsa.publicKey })).rejects.toThrow(/private key/)
    const oct = {
      kty: 'oct',
      k: Buffer.from('0123456789abcdef0123456789abcdef').toString('base64url'),
      d: 'x',
    }
    await expect(apply({ clientId: 'c', privateKey: oct })).rejects.toThrow(TypeError)
    const jwk = await exportJWK(rsa.privateKey)
    for (const alg of ['HS256', 'none']) {
      await expect(
        apply({ clientId: 'c', privateKey: jwk, clientAssertionAlg: alg }),
      ).rejects.toThrow(/asymmetric/)
    }
  })

  it('turns a key that cannot sign with the algorithm into a TypeError without key material', async () => {
    const jwk = await exportJWK(ec.privateKey)
    const error = await apply({
      clientId: 'c',
      privateKey: jwk,
      clientAssertionAlg: 'RS256',
    }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(TypeError)
    expect(String((error as Error).message)).not.toContain(String(jwk.d))
  })

  it('needs a privateKey', async () => {
    await expect(apply({ clientId: 'c', clientAuthentication: 'private_key_jwt' })).rejects.toThrow(
      new TypeError('private_key_jwt needs a privateKey'),
    )
  })
})

describe('authenticateClient', () => {
  it('needs a clientId and a known method', async () => {
    await expect(apply({ clientSecret: 's' })).rejects.toThrow(
      new TypeError('clientId is required'),
    )
    await expect(
      apply({ clientId: 'c', clientAuthentication: 'tls_client_auth_v2' as 'none' }),
    ).rejects.toThrow(/unknown clientAuthentication/)
    await expect(apply({ clientId: 'c', clientAuthentication: 'tls_client_auth' })).rejects.toThrow(
      /tls_client_auth needs tls/,
    )
    await expect(
      apply({ clientId: 'c', clientAuthentication: 'toString' as 'none' }),
    ).rejects.toThrow(/unknown clientAuthentication/)
  })

  it('never puts the secret into an error message', async () => {
    const secret = 'do-not-leak-me'
    const error = await apply({
      clientId: 'c',
      clientSecret: secret,
      clientAuthentication: 'client_secret_jwt',
      clientAssertionAlg: 'ES256',
    }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(TypeError)
    expect((error as Error).message).not.toContain(secret)
  })
})
