/**
 * The middleware core with DPoP (RFC 9449 §7): acceptance, every refusal and its exact challenge,
 * nonces, replay, the public origin, introspected DPoP tokens. Fetch injected, clock frozen.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import {
  type BearerAuthOptions,
  type BearerOutcome,
  type BearerRefusal,
  createBearerAuthenticator,
  createDpop,
  createDpopNonces,
  type DpopHandle,
  type TokenValidationError,
} from '../../src/index.js'
import { createBearerAuth } from '../../src/resource-server/authenticate.js'
import { currentDate, fakeProvider } from '../adapters/support.js'
import { makeKey, sign } from '../support/tokens.js'

const URL_ = 'https://api.example.com/orders'
const ALGS = 'algs="ES256 ES384 ES512 RS256 RS384 RS512 PS256 PS384 PS512 EdDSA Ed25519"'

let dpop: DpopHandle
let other: DpopHandle

beforeAll(async () => {
  // Proofs are made and checked as of the provider's frozen instant.
  vi.useFakeTimers({ toFake: ['Date'] })
  vi.setSystemTime(currentDate)
  dpop = await createDpop()
  other = await createDpop()
})
afterAll(() => {
  vi.useRealTimers()
})

function setup(extra: Partial<BearerAuthOptions> = {}) {
  const op = fakeProvider()
  const refusals: BearerRefusal[] = []
  const authenticate = createBearerAuthenticator({
    discoDocAddress: op.issuer,
    audience: 'my-api',
    currentDate,
    cache: op.cache,
    fetch: op.fake.fetch,
    onRefusal: (refusal) => refusals.push(refusal),
    dpop: true,
    ...extra,
  })
  const bound = (key: DpopHandle = dpop, claims: Record<string, unknown> = {}) =>
    op.token({ cnf: { jkt: key.thumbprint }, ...claims })
  return { op, authenticate, refusals, bound }
}

async function request(
  token: string,
  options: {
    key?: DpopHandle
    htm?: string
    htu?: string
    method?: string
    url?: string
    nonce?: string
    proofToken?: string
    proof?: string | readonly string[] | null
  } = {},
) {
  const key = options.key ?? dpop
  const proof =
    options.proof === undefined
      ? await key.proof({
          htm: options.htm ?? 'GET',
          htu: options.htu ?? URL_,
          accessToken: options.proofToken ?? token,
          nonce: options.nonce,
        })
      : options.proof
  return {
    authorization: `DPoP ${token}`,
    dpop: proof ?? undefined,
    method: options.method ?? 'GET',
    url: options.url ?? `${URL_}?page=1`,
  }
}

function refused(outcome: BearerOutcome): BearerRefusal {
  if (outcome.ok) throw new Error('expected a refusal')
  return outcome
}

/** Refusals never carry the token or the proof. */
function clean(
  refusal: BearerRefusal,
  ...secrets: (string | undefined | readonly string[] | null)[]
) {
  const text = JSON.stringify({ headers: refusal.headers, body: refusal.body })
  const causeText = refusal.cause instanceof Error ? refusal.cause.message : ''
  for (const secret of secrets) {
    if (typeof secret !== 'string') continue
    expect(text).not.toContain(secret)
    expect(causeText).not.toContain(secret)
  }
}

describe('DPoP off (the default)', () => {
  it('treats a DPoP scheme as no credentials, with the Bearer challenge unchanged', async () => {
    const { op, authenticate } = setup({ dpop: undefined })
    const refusal = refused(await authenticate(await request(await op.token())))
    expect(refusal.status).toBe(401)
    expect(refusal.headers['www-authenticate']).toBe('Bearer')
    expect(refusal.body.error_description).toBe('Bearer authentication is required')
  })
})

describe('DPoP on', () => {
  it('accepts a bound token with a valid proof; the outcome says DPoP', async () => {
    const { authenticate, bound } = setup()
    const token = await bound()
    const outcome = await authenticate(await request(token))
    if (!outcome.ok) throw new Error(outcome.body.error_description)
    expect(outcome).toMatchObject({ ok: true, token, method: 'header', scheme: 'DPoP' })
    expect(outcome.claims.cnf).toEqual({ jkt: dpop.thumbprint })
  })

  it('still accepts an unbound bearer token, and still refuses a bound one as bearer', async () => {
    const { op, authenticate, bound } = setup()
    const outcome = await authenticate(`Bearer ${await op.token()}`)
    expect(outcome).toMatchObject({ ok: true, scheme: 'Bearer' })
    const refusal = refused(await authenticate(`Bearer ${await bound()}`))
    expect(refusal.status).toBe(401)
    expect((refusal.cause as TokenValidationError).claim).toBe('cnf')
    expect(refusal.headers['www-authenticate']).toBe(
      `Bearer error="invalid_token", error_description="The token is bound to a key (DPoP) and cannot be used as a bearer token", DPoP ${ALGS}`,
    )
  })

  it('challenges with both schemes when there are no credentials (RFC 9449 §7.2)', async () => {
    const { authenticate } = setup({ realm: 'api' })
    const refusal = refused(await authenticate(undefined))
    expect(refusal.status).toBe(401)
    expect(refusal.headers['www-authenticate']).toBe(
      `Bearer realm="api", DPoP realm="api", ${ALGS}`,
    )
    expect(refusal.body).toEqual({
      error: 'unauthorized',
      error_description: 'Bearer or DPoP authentication is required',
    })
  })

  it('refuses a missing proof: 401 invalid_dpop_proof in the DPoP challenge', async () => {
    const { authenticate, bound } = setup()
    const token = await bound()
    const refusal = refused(await authenticate(await request(token, { proof: null })))
    expect(refusal.status).toBe(401)
    expect(refusal.headers['www-authenticate']).toBe(
      `Bearer, DPoP error="invalid_dpop_proof", error_description="The request has no DPoP proof", ${ALGS}`,
    )
    expect(refusal.body.error).toBe('invalid_dpop_proof')
    clean(refusal, token)
  })

  it('refuses several proofs', async () => {
    const { authenticate, bound } = setup()
    const token = await bound()
    const proof = await dpop.proof({ htm: 'GET', htu: URL_, accessToken: token })
    for (const several of [[proof, proof], `${proof}, ${proof}`]) {
      const refusal = refused(await authenticate(await request(token, { proof: several })))
      expect(refusal.body.error_description).toBe('The request carries more than one DPoP proof')
      clean(refusal, token, proof)
    }
  })

  it('refuses a wrong htm or htu, naming the field; ignores the query', async () => {
    const { authenticate, bound } = setup()
    const token = await bound()
    const cases = [
      [{ htm: 'POST' }, 'htm', 'The DPoP proof htm does not match the request method'],
      [
        { htu: 'https://api.example.com/other' },
        'htu',
        'The DPoP proof htu does not match the request URI',
      ],
      [
        { htu: 'https://evil.example.com/orders' },
        'htu',
        'The DPoP proof htu does not match the request URI',
      ],
    ] as const
    for (const [options, claim, description] of cases) {
      const input = await request(token, options)
      const refusal = refused(await authenticate(input))
      expect(refusal.body).toEqual({ error: 'invalid_dpop_proof', error_description: description })
      expect((refusal.cause as TokenValidationError).claim).toBe(claim)
      clean(refusal, token, input.dpop)
    }
  })

  it('refuses a proof signed by another key than the token is bound to', async () => {
    const { authenticate, bound } = setup()
    const token = await bound(dpop)
    const refusal = refused(await authenticate(await request(token, { key: other })))
    expect(refusal.status).toBe(401)
    expect(refusal.headers['www-authenticate']).toBe(
      `Bearer, DPoP error="invalid_token", error_description="Invalid DPoP key binding", ${ALGS}`,
    )
    expect((refusal.cause as TokenValidationError).claim).toBe('jkt')
  })

  it('refuses an unbound token with the DPoP scheme', async () => {
    const { op, authenticate } = setup()
    const refusal = refused(await authenticate(await request(await op.token())))
    expect(refusal.body).toEqual({
      error: 'invalid_token',
      error_description: 'The token is not bound to a DPoP key',
    })
  })

  it('refuses a proof made for another token (ath)', async () => {
    const { authenticate, bound } = setup()
    const token = await bound()
    const refusal = refused(await authenticate(await request(token, { proofToken: 'other' })))
    expect(refusal.body.error_description).toBe(
      'The DPoP proof is not bound to the access token (ath)',
    )
    expect((refusal.cause as TokenValidationError).claim).toBe('ath')
  })

  it('refuses a replayed proof', async () => {
    const { authenticate, bound } = setup()
    const token = await bound()
    const input = await request(token)
    expect((await authenticate(input)).ok).toBe(true)
    const refusal = refused(await authenticate(input))
    expect(refusal.body).toEqual({
      error: 'invalid_dpop_proof',
      error_description: 'The DPoP proof was used before',
    })
  })

  it('runs the replay check only for a valid proof with a valid bound token', async () => {
    const seen: string[] = []
    const isReplay = (jti: string) => {
      seen.push(jti)
      return false
    }
    const { authenticate, bound } = setup({ dpop: { isReplay } })
    const expired = await bound(dpop, { exp: Math.floor(currentDate.getTime() / 1000) - 60 })
    const refusal = refused(await authenticate(await request(expired)))
    expect(refusal.headers['www-authenticate']).toMatch(/^Bearer, DPoP error="invalid_token"/)
    expect(refusal.body.error_description).toBe('The token has expired')
    refused(await authenticate(await request(await bound(other))))
    refused(await authenticate(await request(await bound(), { htm: 'PUT' })))
    expect(seen).toEqual([])
    expect((await authenticate(await request(await bound()))).ok).toBe(true)
    expect(seen).toHaveLength(1)
  })

  it('answers 500 when a shared replay store fails, not 401', async () => {
    const { authenticate, bound } = setup({
      dpop: {
        isReplay: () => {
          throw new Error('store down')
        },
      },
    })
    const refusal = refused(await authenticate(await request(await bound())))
    expect(refusal.status).toBe(500)
  })

  it('refuses a token the provider did not sign, under the DPoP challenge', async () => {
    const { authenticate } = setup()
    const forged = await sign(makeKey('RS256', 'k1'), { cnf: { jkt: dpop.thumbprint } })
    const refusal = refused(await authenticate(await request(forged)))
    expect(refusal.status).toBe(401)
    expect(refusal.body.error).toBe('invalid_token')
  })

  it('answers 403 insufficient_scope in the DPoP challenge', async () => {
    const { authenticate, bound } = setup({ requiredScopes: 'admin' })
    const refusal = refused(await authenticate(await request(await bound())))
    expect(refusal.status).toBe(403)
    expect(refusal.headers['www-authenticate']).toBe(
      `Bearer, DPoP error="insufficient_scope", error_description="The token lacks a required scope", scope="admin", ${ALGS}`,
    )
  })

  it('answers 400 for a malformed DPoP header, or DPoP plus a token elsewhere', async () => {
    const { authenticate, bound } = setup({ bearerMethods: ['header', 'query'] })
    const malformed = refused(await authenticate({ authorization: 'DPoP a b' }))
    expect(malformed.status).toBe(400)
    expect(malformed.body.error_description).toBe(
      'The Authorization header is not a valid DPoP header',
    )
    const token = await bound()
    const twice = refused(await authenticate({ ...(await request(token)), queryTokens: [token] }))
    expect(twice.status).toBe(400)
    expect(twice.body.error).toBe('invalid_request')
  })

  it('answers 500 when the adapter passes no method or URL', async () => {
    const { authenticate, bound } = setup()
    const token = await bound()
    const { method: _m, ...withoutMethod } = await request(token)
    const refusal = refused(await authenticate(withoutMethod))
    expect(refusal.status).toBe(500)
    expect(refusal.headers['www-authenticate']).toBeUndefined()
  })

  it('refuses when the URI cannot be known (a path, no origin configured)', async () => {
    const { authenticate, bound } = setup()
    const token = await bound()
    const refusal = refused(await authenticate(await request(token, { url: '/orders' })))
    expect(refusal.body.error).toBe('invalid_dpop_proof')
  })

  it('checks htu against the configured public origin, not the request host', async () => {
    const { authenticate, bound } = setup({ dpop: { origin: 'https://api.example.com' } })
    const token = await bound()
    const behindProxy = await request(token, { url: 'http://10.0.0.7:8080/orders?x=1' })
    expect((await authenticate(behindProxy)).ok).toBe(true)
    const path = await request(token, { url: '/orders' })
    expect((await authenticate(path)).ok).toBe(true)
    const spoofed = await request(token, {
      htu: 'https://evil.example.com/orders',
      url: 'https://evil.example.com/orders',
    })
    expect(refused(await authenticate(spoofed)).body.error).toBe('invalid_dpop_proof')
  })

  it('accepts only the configured algorithms, and announces them', async () => {
    const { authenticate, bound } = setup({ dpop: { algorithms: ['RS256'] } })
    const refusal = refused(await authenticate(await request(await bound())))
    expect(refusal.body.error_description).toBe('The DPoP proof algorithm is not accepted')
    expect(refusal.headers['www-authenticate']).toMatch(/, algs="RS256"$/)
  })

  it('with required, answers a Bearer request with the bare DPoP challenge only', async () => {
    const { op, authenticate, bound } = setup({ dpop: { required: true } })
    const refusal = refused(await authenticate(`Bearer ${await op.token()}`))
    expect(refusal.status).toBe(401)
    expect(refusal.headers['www-authenticate']).toBe(`DPoP ${ALGS}`)
    expect(refusal.body.error_description).toBe('DPoP authentication is required')
    expect((await authenticate(await request(await bound()))).ok).toBe(true)
    const missing = refused(await authenticate(await request(await bound(), { proof: null })))
    expect(missing.headers['www-authenticate']).toBe(
      `DPoP error="invalid_dpop_proof", error_description="The request has no DPoP proof", ${ALGS}`,
    )
  })

  it('checks DPoP-bound opaque tokens by introspection (token_type DPoP)', async () => {
    const op = fakeProvider()
    const active = {
      active: true,
      iss: op.issuer,
      aud: 'my-api',
      exp: Math.floor(currentDate.getTime() / 1000) + 600,
      token_type: 'DPoP',
      cnf: { jkt: dpop.thumbprint },
    }
    op.opaque.set('opaque-bound', active)
    const auth = createBearerAuthenticator({
      audience: 'my-api',
      currentDate,
      fetch: op.fake.fetch,
      introspection: {
        address: op.introspectionUrl,
        clientId: 'api',
        clientSecret: 's',
        fetch: op.fake.fetch,
      },
      dpop: true,
    })
    expect(await auth(await request('opaque-bound'))).toMatchObject({ ok: true, scheme: 'DPoP' })
    const asBearer = refused(await auth('Bearer opaque-bound'))
    expect((asBearer.cause as TokenValidationError).claim).toBe('token_type')
  })

  it('refuses options that cannot work with a TypeError', () => {
    const base = { discoDocAddress: 'https://id.example.com', audience: 'my-api' }
    expect(() => createBearerAuth({ ...base, dpop: { algorithms: ['HS256' as never] } })).toThrow(
      TypeError,
    )
    expect(() => createBearerAuth({ ...base, dpop: { algorithms: [] } })).toThrow(TypeError)
    expect(() =>
      createBearerAuth({ ...base, dpop: { origin: 'https://api.example.com/v1' } }),
    ).toThrow(/origin/)
    expect(() => createBearerAuth({ ...base, dpop: { nonce: {} as never } })).toThrow(/nonce/)
    expect(() => createBearerAuth({ ...base, dpop: { isReplay: 1 as never } })).toThrow(/isReplay/)
    expect(createBearerAuth({ ...base, dpop: true }).dpop).toBe(true)
    expect(createBearerAuth(base).dpop).toBe(false)
  })
})

describe('DPoP nonces at the resource server (RFC 9449 §9)', () => {
  it('asks for a nonce with 401 use_dpop_nonce and DPoP-Nonce, then accepts it', async () => {
    const nonces = createDpopNonces({ now: () => currentDate.getTime() })
    const { authenticate, bound } = setup({ dpop: { nonce: nonces } })
    const token = await bound()
    const first = refused(await authenticate(await request(token)))
    expect(first.status).toBe(401)
    expect(first.headers['www-authenticate']).toBe(
      `Bearer, DPoP error="use_dpop_nonce", error_description="Resource server requires nonce in DPoP proof", ${ALGS}`,
    )
    const nonce = first.headers['dpop-nonce'] as string
    expect(nonce).toBe(nonces.current())
    const second = await authenticate(await request(token, { nonce }))
    expect(second.ok).toBe(true)
    const wrong = refused(await authenticate(await request(token, { nonce: 'made-up' })))
    expect(wrong.body.error).toBe('use_dpop_nonce')
  })
})

describe('createDpopNonces', () => {
  it('accepts its nonces for the current and the next window, and nothing else', () => {
    let now = 1_000_000_000_000
    const secret = new Uint8Array(32).fill(7)
    const nonces = createDpopNonces({ secret, windowSeconds: 60, now: () => now })
    const nonce = nonces.current()
    expect(nonces.isValid(nonce)).toBe(true)
    now += 60_000
    expect(nonces.isValid(nonce)).toBe(true)
    expect(nonces.current()).not.toBe(nonce)
    now += 60_000
    expect(nonces.isValid(nonce)).toBe(false)
    const fresh = nonces.current()
    const [window, mac] = fresh.split('.') as [string, string]
    const tampered = `${window}.${mac.slice(0, -2)}${mac.endsWith('AA') ? 'BB' : 'AA'}`
    expect(nonces.isValid(tampered)).toBe(false)
    const elsewhere = createDpopNonces({ windowSeconds: 60, now: () => now })
    expect(elsewhere.isValid(fresh)).toBe(false)
    for (const garbage of ['', '.', 'abc', `0${fresh}`, `${window}.`, 42 as never]) {
      expect(nonces.isValid(garbage)).toBe(false)
    }
    expect(() => createDpopNonces({ secret: new Uint8Array(8) })).toThrow(TypeError)
    expect(() => createDpopNonces({ windowSeconds: 0 })).toThrow(TypeError)
  })
})

describe('DPoP refusals in detail (messages, causes, option errors)', () => {
  it('says which option cannot work', () => {
    const base = { discoDocAddress: 'https://id.example.com', audience: 'my-api' }
    const cases: [unknown, string][] = [
      [null, 'dpop must be true or { required?, nonce?, origin?, ... }'],
      ['yes', 'dpop must be true or { required?, nonce?, origin?, ... }'],
      [{ algorithms: [] }, 'dpop.algorithms must be a non-empty list'],
      [{ algorithms: 'ES256' }, 'dpop.algorithms must be a non-empty list'],
      [{ algorithms: ['HS256'] }, 'dpop.algorithms: "HS256" is not an asymmetric JWS algorithm'],
      [
        { nonce: { current: () => 'n' } },
        'dpop.nonce must be a nonce source such as createDpopNonces()',
      ],
      [
        { nonce: { isValid: () => true } },
        'dpop.nonce must be a nonce source such as createDpopNonces()',
      ],
      [{ nonce: null }, 'dpop.nonce must be a nonce source such as createDpopNonces()'],
      [{ origin: 'not a url' }, 'dpop.origin must be an origin such as "https://api.example.com"'],
    ]
    for (const [option, message] of cases) {
      expect(() => createBearerAuth({ ...base, dpop: option as never })).toThrow(
        new TypeError(message),
      )
    }
    expect(createBearerAuth({ ...base, dpop: false }).dpop).toBe(false)
    expect(
      createBearerAuth({
        ...base,
        dpop: { nonce: createDpopNonces(), origin: 'https://API.example.com:443/' },
      }).dpop,
    ).toBe(true)
  })

  it('keeps the reason of each refusal in its cause', async () => {
    const { authenticate, bound, op } = setup()
    const token = await bound()
    const noMethod = refused(await authenticate({ ...(await request(token)), method: undefined }))
    expect((noMethod.cause as Error).message).toBe(
      'DPoP needs the request method and URL: pass method and url in the request parts',
    )
    const noUrl = refused(await authenticate({ ...(await request(token)), url: undefined }))
    expect(noUrl.status).toBe(500)
    const noHost = refused(await authenticate(await request(token, { url: '/orders' })))
    expect(noHost.body.error_description).toBe(
      'The request URI is unknown (no Host), so the DPoP proof cannot be checked',
    )
    const unbound = await op.token({})
    const notBound = refused(await authenticate(await request(unbound)))
    expect(notBound.body.error_description).toBe('The token is not bound to a DPoP key')
    expect(notBound.cause).toMatchObject({
      code: 'claim_validation',
      claim: 'cnf',
      message: 'the token has no cnf.jkt, so it is not a DPoP-bound token',
    })
    const otherKey = refused(await authenticate(await request(await bound(other))))
    expect(otherKey.body.error_description).toBe('Invalid DPoP key binding')
    expect(otherKey.cause).toMatchObject({
      claim: 'jkt',
      message: 'the DPoP proof key is not the key the access token is bound to (cnf.jkt)',
    })
    const replayParts = await request(token)
    await authenticate(replayParts)
    const replayed = refused(await authenticate(replayParts))
    expect(replayed.body.error_description).toBe('The DPoP proof was used before')
    expect(replayed.cause).toMatchObject({
      claim: 'jti',
      message: 'the DPoP proof jti was seen before',
    })
    expect(
      refused(await authenticate({ ...(await request(token)), queryTokens: ['x'] })).body
        .error_description,
    ).toBe('The request uses more than one method to send the token')
  })

  it('describes each proof failure with a fixed text', async () => {
    const { authenticate, bound } = setup()
    const token = await bound()
    const [h, p] = (await dpop.proof({ htm: 'GET', htu: URL_, accessToken: token })).split('.')
    const badSignature = `${h}.${p}.${Buffer.alloc(64, 7).toString('base64url')}`
    const cases: [string, string][] = [
      ['not-a-jws', 'The DPoP proof is malformed'],
      [badSignature, 'The DPoP proof signature is invalid'],
      [
        await dpop.proof({ htm: 'POST', htu: URL_, accessToken: token }),
        'The DPoP proof htm does not match the request method',
      ],
      [
        await dpop.proof({ htm: 'GET', htu: URL_, accessToken: 'another' }),
        'The DPoP proof is not bound to the access token (ath)',
      ],
    ]
    for (const [proof, description] of cases) {
      const refusal = refused(await authenticate(await request(token, { proof })))
      expect(refusal.body.error_description).toBe(description)
    }
  })

  it('uses the configured replay window: iat + maxAgeSeconds + leeway', async () => {
    const windows: number[] = []
    const { authenticate, bound } = setup({
      dpop: {
        maxAgeSeconds: 100,
        leeway: 3,
        isReplay: (_jti, { until }) => {
          windows.push(until)
          return false
        },
      },
    })
    const token = await bound()
    expect((await authenticate(await request(token))).ok).toBe(true)
    expect(windows).toEqual([Math.floor(currentDate.getTime() / 1000) + 103])
  })
})
