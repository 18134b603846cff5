/**
 * Conformance: dpop.json (RFC 9449, RFC 7638), as named tests. Fixtures are read from the spec at
 * test time; fetch is injected and the clock frozen where a value depends on it.
 */
import { generateKeyPairSync } from 'node:crypto'
import {
  compactVerify,
  decodeJwt,
  decodeProtectedHeader,
  EmbeddedJWK,
  type JWK,
  type JWTPayload,
  SignJWT,
} from 'jose'
import { expect, vi } from 'vitest'
import {
  createBearerAuthenticator,
  createDpop,
  createDpopFetch,
  createDpopProof,
  type DpopHandle,
  dpopAccessTokenHash,
  dpopThumbprint,
  generateDpopKeyPair,
  requestClientCredentialsToken,
  TokenValidationError,
  validateDpopProof,
} from '../../src/index.js'
import { rsaBits } from '../../src/kernel/keys.js'
import { fakeFetch, json } from '../support/fake-fetch.js'
import { unsigned } from '../support/tokens.js'
import { conformanceSuite, fixtureJson } from './spec.js'

interface ProofFixture {
  readonly header: { readonly typ: string; readonly alg: string; readonly jwk: JWK }
  readonly payload: JWTPayload & { htm: string; htu: string; iat: number; ath?: string }
}
interface KeyPairFixture {
  readonly algorithm: string
  readonly public: JWK
  readonly private: JWK
  readonly thumbprint: string
}
interface Pairs<T> {
  readonly pairs: readonly T[]
}
interface BoundTokenFixture {
  readonly token_type: string
  readonly header: Record<string, string>
  readonly payload: JWTPayload & { cnf: { jkt: string } }
}
interface NonceErrorFixture {
  readonly status: number
  readonly headers: Record<string, string>
  readonly body: Record<string, string>
}

const fixture = {
  tokenProof: () => fixtureJson<ProofFixture>('dpop/dpop-proof-token-request.json'),
  resourceProof: () => fixtureJson<ProofFixture>('dpop/dpop-proof-resource-request.json'),
  es256: () => fixtureJson<KeyPairFixture>('dpop/dpop-keypair-es256.json'),
  rs256: () => fixtureJson<KeyPairFixture>('dpop/dpop-keypair-rs256.json'),
  athPairs: () =>
    fixtureJson<Pairs<{ description: string; access_token: string; ath: string }>>(
      'dpop/dpop-ath-pairs.json',
    ),
  thumbprints: () =>
    fixtureJson<Pairs<{ jwk: JWK; thumbprint: string }>>('dpop/dpop-thumbprint-pairs.json'),
  boundToken: () => fixtureJson<BoundTokenFixture>('dpop/dpop-bound-token.json'),
  nonceError: () => fixtureJson<NonceErrorFixture>('dpop/dpop-nonce-error-response.json'),
}

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k']

/** Runs `body` with Date frozen at `epochSeconds`. */
async function frozenAt<T>(epochSeconds: number, body: () => Promise<T>): Promise<T> {
  vi.useFakeTimers({ toFake: ['Date'] })
  vi.setSystemTime(epochSeconds * 1000)
  try {
    return await body()
  } finally {
    vi.useRealTimers()
  }
}

/** The fixture key's handle (ES256 unless said otherwise). */
function fixtureDpop(keys: KeyPairFixture = fixture.es256()): Promise<DpopHandle> {
  return createDpop({ privateKey: keys.private })
}

function expectPublicOnly(jwk: unknown): void {
  for (const member of PRIVATE_MEMBERS) expect(jwk).not.toHaveProperty(member)
}

conformanceSuite('dpop', {
  'DPOP-001': async () => {
    const expected = fixture.tokenProof()
    const dpop = await fixtureDpop()
    const [proof, again] = await frozenAt(expected.payload.iat, () =>
      Promise.all([
        dpop.proof({ htm: expected.payload.htm, htu: expected.payload.htu }),
        dpop.proof({ htm: expected.payload.htm, htu: expected.payload.htu }),
      ]),
    )
    const header = decodeProtectedHeader(proof)
    expect(header).toEqual(expected.header)
    expectPublicOnly(header.jwk)
    const payload = decodeJwt(proof)
    expect(Object.keys(payload).sort()).toEqual(Object.keys(expected.payload).sort())
    expect(payload).toMatchObject({
      htm: 'POST',
      htu: 'https://server.example.com/token',
      iat: expected.payload.iat,
    })
    expect(typeof payload.jti === 'string' && payload.jti.length > 0).toBe(true)
    expect(decodeJwt(again).jti).not.toBe(payload.jti)
    // The signature verifies with the embedded key (jose, independently of our validator).
    await compactVerify(proof, EmbeddedJWK)

    // An RS256 key pair gives alg RS256 and a public-only RSA jwk; a symmetric alg is refused.
    const rsa = await createDpop({ privateKey: fixture.rs256().private })
    const rsaProof = await rsa.proof({ htm: 'POST', htu: expected.payload.htu })
    const rsaHeader = decodeProtectedHeader(rsaProof)
    expect(rsaHeader).toMatchObject({ typ: 'dpop+jwt', alg: 'RS256' })
    expect(Object.keys(rsaHeader.jwk ?? {}).sort()).toEqual(['e', 'kty', 'n'])
    expect(Math.abs((decodeJwt(rsaProof).iat ?? 0) - Date.now() / 1000)).toBeLessThan(5)
    await expect(
      createDpopProof({
        privateKey: fixture.es256().private,
        alg: 'HS256' as never,
        htm: 'POST',
        htu: expected.payload.htu,
      }),
    ).rejects.toBeInstanceOf(TypeError)
  },

  'DPOP-002': async () => {
    const expected = fixture.tokenProof()
    const dpop = await fixtureDpop()
    const fake = fakeFetch({
      [expected.payload.htu]: () => json({ access_token: 'at', token_type: 'DPoP' }),
    })
    const response = await requestClientCredentialsToken({
      address: expected.payload.htu,
      clientId: 'client',
      clientSecret: 'secret',
      dpop,
      fetch: fake.fetch,
    })
    expect(response.isSuccessful).toBe(true)
    const sent = fake.calls[0]!
    // The proof is in the DPoP header, not in Authorization (which carries client auth).
    const proof = sent.headers.get('dpop') ?? ''
    expect(sent.headers.get('authorization')).toMatch(/^Basic /)
    expect(sent.headers.get('authorization')).not.toContain(proof)
    expect(decodeProtectedHeader(proof)).toEqual(expected.header)
    const payload = decodeJwt(proof)
    expect(payload).not.toHaveProperty('ath')
    expect(Object.keys(payload).sort()).toEqual(Object.keys(expected.payload).sort())
    expect(payload).toMatchObject({ htm: expected.payload.htm, htu: expected.payload.htu })
  },

  'DPOP-003': async () => {
    const { pairs } = fixture.athPairs()
    const dpop = await fixtureDpop()
    for (const pair of pairs) {
      expect(dpopAccessTokenHash(pair.access_token)).toBe(pair.ath)
      expect(pair.ath).not.toContain('=')
      const proof = await dpop.proof({
        htm: 'GET',
        htu: 'https://resource.example.com/protectedresource',
        accessToken: pair.access_token,
      })
      expect(decodeJwt(proof).ath).toBe(pair.ath)
    }
    // The resource-request fixture: same header, same members, its ath for its token.
    const expected = fixture.resourceProof()
    const token = pairs.find((pair) => pair.ath === expected.payload.ath)?.access_token
    expect(token).toBeDefined()
    const proof = await dpop.proof({
      htm: expected.payload.htm,
      htu: expected.payload.htu,
      accessToken: token as string,
    })
    expect(decodeProtectedHeader(proof)).toEqual(expected.header)
    const payload = decodeJwt(proof)
    expect(Object.keys(payload).sort()).toEqual(Object.keys(expected.payload).sort())
    expect(payload).toMatchObject({
      htm: expected.payload.htm,
      htu: expected.payload.htu,
      ath: expected.payload.ath,
    })
  },

  'DPOP-004': async () => {
    const error = fixture.nonceError()
    const nonce = error.headers['DPoP-Nonce'] as string
    const answer = () => json(error.body, { status: error.status, headers: error.headers })

    // A resource request: 401 use_dpop_nonce, retried once with the nonce, then pre-included.
    const resource = 'https://resource.example.com/protectedresource'
    const dpop = await fixtureDpop()
    let served = 0
    const api = fakeFetch({ [resource]: () => (served++ === 0 ? answer() : json({})) })
    const call = createDpopFetch(dpop, { accessToken: 'at', fetch: api.fetch })
    expect((await call(resource)).status).toBe(200)
    const proofs = api.calls.map((request) => decodeJwt(request.headers.get('dpop') ?? ''))
    expect(proofs).toHaveLength(2)
    expect(proofs[0]?.nonce).toBeUndefined()
    expect(proofs[1]?.nonce).toBe(nonce)
    await call(`${resource}?again=1`)
    expect(api.calls).toHaveLength(3)
    expect(decodeJwt(api.calls[2]?.headers.get('dpop') ?? '').nonce).toBe(nonce)
    // Cached per server: another origin gets no nonce.
    expect(dpop.nonceFor('https://other.example.com/')).toBeUndefined()

    // A token request: the same answer (and RFC 9449 §8's 400) is retried once with the nonce.
    for (const status of [error.status, 400]) {
      const tokenDpop = await fixtureDpop()
      const endpoint = 'https://server.example.com/token'
      let calls = 0
      const as = fakeFetch({
        [endpoint]: () =>
          calls++ === 0
            ? json(error.body, { status, headers: error.headers })
            : json({ access_token: 'at', token_type: 'DPoP' }),
      })
      const response = await requestClientCredentialsToken({
        address: endpoint,
        clientId: 'c',
        clientSecret: 's',
        dpop: tokenDpop,
        fetch: as.fetch,
      })
      expect(response.isSuccessful).toBe(true)
      expect(as.calls).toHaveLength(2)
      expect(decodeJwt(as.calls[1]?.headers.get('dpop') ?? '').nonce).toBe(nonce)
      expect(tokenDpop.nonceFor(endpoint)).toBe(nonce)
    }
  },

  'DPOP-005': async () => {
    for (const pair of fixture.thumbprints().pairs) {
      expect(await dpopThumbprint(pair.jwk)).toBe(pair.thumbprint)
    }
    const es256 = fixture.es256()
    const bound = fixture.boundToken()
    const dpop = await fixtureDpop(es256)
    expect(await dpopThumbprint(es256.public)).toBe(es256.thumbprint)
    expect(dpop.thumbprint).toBe(bound.payload.cnf.jkt)
    const rs256 = fixture.rs256()
    expect((await fixtureDpop(rs256)).thumbprint).toBe(rs256.thumbprint)

    // A resource server binds the token to the proof key: the fixture token, signed here by a
    // server key, is accepted with a proof of the fixture key and refused with another key's.
    const server = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    const serverJwk = {
      ...(server.publicKey.export({ format: 'jwk' }) as { kty: string }),
      kid: bound.header.kid as string,
      alg: 'ES256',
    }
    const token = await new SignJWT(bound.payload)
      .setProtectedHeader(bound.header as { alg: string })
      .sign(server.privateKey)
    const authenticate = createBearerAuthenticator({
      performDisco: false,
      key: serverJwk,
      issuer: bound.payload.iss,
      audience: bound.payload.aud as string,
      currentDate: new Date(((bound.payload.iat as number) + 10) * 1000),
      dpop: true,
    })
    const htu = 'https://resource.example.com/protectedresource'
    const requestWith = async (key: DpopHandle) =>
      authenticate({
        authorization: `DPoP ${token}`,
        dpop: await frozenAt((bound.payload.iat as number) + 10, () =>
          key.proof({ htm: 'GET', htu, accessToken: token }),
        ),
        method: 'GET',
        url: htu,
      })
    expect(await requestWith(dpop)).toMatchObject({ ok: true, scheme: 'DPoP' })
    const refused = await requestWith(await createDpop())
    expect(refused).toMatchObject({ ok: false, status: 401 })
    expect(refused.ok ? undefined : (refused.cause as TokenValidationError).claim).toBe('jkt')
    // And validateDpopProof with the token's cnf.jkt as expectedJkt.
    const proof = await dpop.proof({ htm: 'GET', htu })
    await expect(
      validateDpopProof(proof, { htm: 'GET', htu, expectedJkt: bound.payload.cnf.jkt }),
    ).resolves.toMatchObject({ jkt: bound.payload.cnf.jkt })
  },

  'DPOP-006': async () => {
    const keys = fixture.es256()
    const htu = 'https://resource.example.com/protectedresource'
    const reject = async (proof: string, options: { htm?: string; htu?: string } = {}) => {
      const error = await validateDpopProof(proof, {
        htm: options.htm ?? 'GET',
        htu: options.htu ?? htu,
      }).then(
        () => undefined,
        (e: unknown) => e,
      )
      expect(error).toBeInstanceOf(TokenValidationError)
      expect((error as Error).message).not.toContain(proof)
      return error as TokenValidationError
    }
    const proof = await createDpopProof({ privateKey: keys.private, htm: 'GET', htu })
    expect(await reject(proof, { htm: 'POST' })).toMatchObject({
      code: 'claim_validation',
      claim: 'htm',
    })
    expect(await reject(proof, { htu: 'https://resource.example.com/other' })).toMatchObject({
      code: 'claim_validation',
      claim: 'htu',
    })
    const claims = { jti: 'j', htm: 'GET', htu, iat: Math.floor(Date.now() / 1000) }
    const symmetric = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256', typ: 'dpop+jwt' })
      .sign(new TextEncoder().encode('a-shared-secret-of-at-least-32-bytes!'))
    expect(await reject(symmetric)).toMatchObject({ code: 'unsupported_alg' })
    const none = unsigned({ alg: 'none', typ: 'dpop+jwt', jwk: keys.public }, claims)
    expect(await reject(none)).toMatchObject({ code: 'alg_none' })
    const withoutJwk = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt' })
      .sign(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey)
    const missing = await reject(withoutJwk)
    expect(missing.code).toBe('malformed')
    expect(missing.message).toMatch(/jwk/)
  },

  'DPOP-007': async () => {
    const es256Fixture = fixture.es256()
    const es256 = await generateDpopKeyPair('ES256')
    expect(es256.alg).toBe('ES256')
    expect(es256.publicJwk).toMatchObject({ kty: 'EC', crv: 'P-256' })
    const expectedMembers = Object.keys(es256Fixture.public).filter(
      (member) => member !== 'alg' && member !== 'use',
    )
    expect(Object.keys(es256.publicJwk).sort()).toEqual(expectedMembers.sort())
    expect(es256.privateKey.type).toBe('private')
    expect((await fixtureDpop(es256Fixture)).alg).toBe('ES256')

    const rs256Fixture = fixture.rs256()
    const rs256 = await generateDpopKeyPair('RS256')
    expect(rs256.alg).toBe('RS256')
    expect(rs256.publicJwk.kty).toBe('RSA')
    expect(rsaBits(rs256.publicJwk.n as string)).toBeGreaterThanOrEqual(2048)
    expect(rsaBits(rs256Fixture.public.n as string)).toBeGreaterThanOrEqual(2048)
    expect((await fixtureDpop(rs256Fixture)).alg).toBe('RS256')

    for (const unsupported of ['HS256', 'none', 'ES256K', 'RSA-OAEP']) {
      await expect(generateDpopKeyPair(unsupported as never)).rejects.toBeInstanceOf(TypeError)
    }
  },

  'DPOP-008': async () => {
    const bound = fixture.boundToken()
    const pair = fixture
      .athPairs()
      .pairs.find((entry) => entry.description.includes('dpop-bound-token.json')) as {
      access_token: string
      ath: string
    }
    const dpop = await fixtureDpop()
    const endpoint = 'https://server.example.com/token'
    const resource = 'https://resource.example.com/protectedresource'
    const fake = fakeFetch({
      [endpoint]: () => json({ access_token: pair.access_token, token_type: bound.token_type }),
      [resource]: () => json({}),
    })
    const response = await requestClientCredentialsToken({
      address: endpoint,
      clientId: 'c',
      clientSecret: 's',
      dpop,
      fetch: fake.fetch,
    })
    if (!response.isSuccessful) throw new Error(response.error)
    expect(response.token.token_type).toBe('DPoP')
    const call = createDpopFetch(dpop, {
      accessToken: response.token.access_token,
      fetch: fake.fetch,
    })
    await call(resource)
    const sent = fake.calls[1]!
    expect(sent.headers.get('authorization')).toBe(`DPoP ${pair.access_token}`)
    expect(sent.headers.get('authorization')).not.toMatch(/^Bearer/i)
    expect(decodeJwt(sent.headers.get('dpop') ?? '').ath).toBe(pair.ath)
  },
})
