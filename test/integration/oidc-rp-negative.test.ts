/**
 * The negative cases of the OpenID Foundation relying-party conformance plans (Basic RP and
 * Config RP: rp-id_token-*, rp-nonce-invalid, rp-key-rotation-op-sign-key,
 * rp-userinfo-bad-sub-claim), each a test. As in the certification suite, a misbehaving
 * provider on 127.0.0.1 (real HTTP: discovery, JWKS, token and UserInfo endpoints) hands the
 * relying party crafted answers, and the relying party must refuse them with the right error.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import {
  getUserInfo,
  type IdentityModelError,
  ProviderCache,
  requestAuthorizationCodeToken,
  TokenValidationError,
  validateIdToken,
} from '../../src/index.js'
import { makeKey, sign, type TestKey, unsigned } from '../support/tokens.js'

const CLIENT_ID = 'rp-under-test'
const CLIENT_SECRET = 'rp-under-test-secret-long-enough-for-hs256'
const NONCE = 'nonce-of-this-sign-in'

/** The misbehaving provider: what it publishes and answers is set per test. */
interface RogueProvider {
  issuer: string
  keys: TestKey[]
  idToken: string
  userInfo: Record<string, unknown>
}

let server: Server
const rogue: RogueProvider = { issuer: '', keys: [], idToken: '', userInfo: {} }
let rsa: TestKey
let rsa2: TestKey
let ec: TestKey
let stranger: TestKey
let cache: ProviderCache

beforeAll(async () => {
  rsa = makeKey('RS256', 'rsa-1')
  rsa2 = makeKey('RS256', 'rsa-2')
  ec = makeKey('ES256', 'ec-1')
  stranger = makeKey('RS256', 'rsa-1') // same kid as rsa, another key
  server = createServer((req, res) => {
    const send = (body: unknown, type = 'application/json') => {
      res.writeHead(200, { 'content-type': type, 'cache-control': 'no-store' })
      res.end(typeof body === 'string' ? body : JSON.stringify(body))
    }
    const path = new URL(req.url ?? '/', rogue.issuer).pathname
    if (path === '/.well-known/openid-configuration') {
      return send({
        issuer: rogue.issuer,
        authorization_endpoint: `${rogue.issuer}/authorize`,
        token_endpoint: `${rogue.issuer}/token`,
        userinfo_endpoint: `${rogue.issuer}/userinfo`,
        jwks_uri: `${rogue.issuer}/jwks`,
        response_types_supported: ['code'],
        subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: ['RS256', 'ES256', 'HS256'],
      })
    }
    if (path === '/jwks') return send({ keys: rogue.keys.map((key) => key.publicJwk) })
    if (path === '/token') {
      req.resume()
      return send({
        access_token: 'at-1',
        token_type: 'Bearer',
        expires_in: 300,
        id_token: rogue.idToken,
      })
    }
    if (path === '/userinfo') return send(rogue.userInfo)
    res.writeHead(404).end()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  rogue.issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})

afterAll(async () => {
  await new Promise<void>((resolve) => {
    server.close(() => resolve())
    server.closeAllConnections()
  })
})

beforeEach(() => {
  // Each case is a fresh relying party: nothing cached from the previous one.
  cache = new ProviderCache()
  rogue.keys = [rsa]
})

function idClaims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000)
  return {
    iss: rogue.issuer,
    sub: 'user-1',
    aud: CLIENT_ID,
    iat: now,
    exp: now + 300,
    nonce: NONCE,
    ...overrides,
  }
}

function without(name: string): Record<string, unknown> {
  const claims = idClaims()
  delete claims[name]
  return claims
}

/**
 * The relying party's side: the code exchange at the provider's token endpoint, then the ID
 * token it answered with, validated as the sign-in would.
 */
async function relyingPartyReceives(idToken: string): Promise<Record<string, unknown>> {
  rogue.idToken = idToken
  const tokens = await requestAuthorizationCodeToken({
    address: `${rogue.issuer}/token`,
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    code: 'code-1',
    redirectUri: 'http://127.0.0.1/callback',
    codeVerifier: 'v'.repeat(43),
  })
  if (!tokens.isSuccessful) throw new Error(`token endpoint: ${tokens.error}`)
  return validateIdToken(
    tokens.token.id_token!,
    { performDisco: true, clientId: CLIENT_ID, nonce: NONCE, clientSecret: CLIENT_SECRET, cache },
    rogue.issuer,
  )
}

async function refused(idToken: string): Promise<IdentityModelError> {
  return relyingPartyReceives(idToken).then(
    () => {
      throw new Error('the relying party accepted the ID token')
    },
    (error: unknown) => {
      expect(error).toBeInstanceOf(TokenValidationError)
      return error as IdentityModelError
    },
  )
}

/** The key without its kid, so that tokens it signs carry no kid header. */
function noKid(key: TestKey): TestKey {
  const { kid: _kid, ...publicJwk } = key.publicJwk
  return { ...key, publicJwk }
}

const hs256 = (secret: string) => ({ secret: new TextEncoder().encode(secret), alg: 'HS256' })

describe('OpenID Foundation RP conformance: ID token negative cases', () => {
  it('rp-id_token-issuer-mismatch: an iss other than the provider’s', async () => {
    const error = await refused(await sign(rsa, idClaims({ iss: 'https://example.org/other' })))
    expect(error).toMatchObject({ code: 'claim_validation', claim: 'iss' })
  })

  it('rp-id_token-aud: an aud that does not contain the client id', async () => {
    const error = await refused(await sign(rsa, idClaims({ aud: 'another-client' })))
    expect(error).toMatchObject({ code: 'claim_validation', claim: 'aud' })
  })

  it('rp-id_token-aud (missing): no aud at all', async () => {
    const error = await refused(await sign(rsa, without('aud')))
    expect(error).toMatchObject({ code: 'claim_validation', claim: 'aud' })
  })

  it('rp-id_token-bad-sig-rs256: an RS256 signature that does not verify', async () => {
    const error = await refused(await sign(stranger, idClaims()))
    expect(error.code).toBe('signature')
  })

  it('rp-id_token-bad-sig-es256: an ES256 signature that does not verify', async () => {
    rogue.keys = [ec]
    const forged = await sign(makeKey('ES256', 'ec-1'), idClaims())
    const error = await refused(forged)
    expect(error.code).toBe('signature')
  })

  it('rp-id_token-bad-sig-hs256: an HS256 signature made without the client secret', async () => {
    const error = await refused(
      await sign(hs256('not-the-client-secret-not-the-client'), idClaims()),
    )
    expect(error.code).toBe('signature')
  })

  it('rp-id_token-sig-none: an unsigned ID token (alg none)', async () => {
    const error = await refused(unsigned({ alg: 'none' }, idClaims()))
    expect(error.code).toBe('alg_none')
  })

  it('rp-nonce-invalid: a nonce other than the one sent', async () => {
    const error = await refused(await sign(rsa, idClaims({ nonce: 'another-nonce' })))
    expect(error).toMatchObject({ code: 'claim_validation', claim: 'nonce' })
  })

  it('rp-id_token-sub: no sub claim', async () => {
    const error = await refused(await sign(rsa, without('sub')))
    expect(error).toMatchObject({ code: 'claim_validation', claim: 'sub' })
  })

  it('rp-id_token-iat: no iat claim', async () => {
    const error = await refused(await sign(rsa, without('iat')))
    expect(error).toMatchObject({ code: 'claim_validation', claim: 'iat' })
  })
})

describe('OpenID Foundation RP conformance: keys', () => {
  it('rp-id_token-sig-rs256, -es256, -hs256: correctly signed ID tokens are accepted', async () => {
    rogue.keys = [rsa, ec]
    expect((await relyingPartyReceives(await sign(rsa, idClaims()))).sub).toBe('user-1')
    expect((await relyingPartyReceives(await sign(ec, idClaims()))).sub).toBe('user-1')
    expect((await relyingPartyReceives(await sign(hs256(CLIENT_SECRET), idClaims()))).sub).toBe(
      'user-1',
    )
  })

  it('rp-id_token-kid-absent-single-jwks: no kid, one key in the JWKS: verified with it', async () => {
    rogue.keys = [rsa]
    const token = await sign(noKid(rsa), idClaims())
    expect(
      JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()),
    ).not.toHaveProperty('kid')
    expect((await relyingPartyReceives(token)).sub).toBe('user-1')
  })

  it('rp-id_token-kid-absent-single-jwks (forged): no kid, one key, signed by another', async () => {
    rogue.keys = [rsa]
    const forged = await sign(noKid(stranger), idClaims())
    expect((await refused(forged)).code).toBe('signature')
  })

  it('rp-id_token-kid-absent-multiple-jwks: no kid, several keys: verified by trying each', async () => {
    rogue.keys = [rsa, rsa2, ec]
    const token = await sign(noKid(rsa2), idClaims())
    expect((await relyingPartyReceives(token)).sub).toBe('user-1')
  })

  it('rp-id_token-kid-absent-multiple-jwks (forged): no kid, several keys, none verifies', async () => {
    rogue.keys = [rsa, rsa2]
    const forged = await sign(noKid(stranger), idClaims())
    expect((await refused(forged)).code).toBe('signature')
  })

  it('rp-key-rotation-op-sign-key: the provider starts signing with a new key', async () => {
    rogue.keys = [rsa]
    expect((await relyingPartyReceives(await sign(rsa, idClaims()))).sub).toBe('user-1')
    // The provider rotates: the new key is published and signs; the cached set lacks its kid.
    rogue.keys = [rsa2]
    expect((await relyingPartyReceives(await sign(rsa2, idClaims()))).sub).toBe('user-1')
    // A kid that is published nowhere is still refused after the refresh.
    const unknown = await refused(await sign(makeKey('RS256', 'rsa-3'), idClaims()))
    expect(unknown.code).toBe('key_not_found')
  })
})

describe('OpenID Foundation RP conformance: UserInfo', () => {
  it('rp-userinfo-bad-sub-claim: a UserInfo sub other than the ID token’s is refused', async () => {
    const claims = await relyingPartyReceives(await sign(rsa, idClaims()))
    rogue.userInfo = { sub: 'someone-else', name: 'Mallory' }
    const userInfo = await getUserInfo({
      address: `${rogue.issuer}/userinfo`,
      token: 'at-1',
      expectedSubject: claims.sub as string,
    })
    expect(userInfo).toMatchObject({ isSuccessful: false, errorType: 'policy' })
    rogue.userInfo = { sub: 'user-1', name: 'User One' }
    expect(
      await getUserInfo({
        address: `${rogue.issuer}/userinfo`,
        token: 'at-1',
        expectedSubject: 'user-1',
      }),
    ).toMatchObject({ isSuccessful: true, claims: { name: 'User One' } })
  })
})
