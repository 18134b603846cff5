/** Resource calls with DPoP-bound tokens (RFC 9449 §7.1, §9): scheme, proof, nonce retry. */
import { decodeJwt } from 'jose'
import { describe, expect, it } from 'vitest'
import { MemoryStore } from '../../src/cache/memory-store.js'
import {
  createAuthorizedFetch,
  createDpop,
  createDpopFetch,
  type DpopHandle,
  dpopAccessTokenHash,
  TokenManager,
} from '../../src/index.js'
import { tokenCacheKey } from '../../src/token-manager/cache-key.js'
import { fakeFetch, type Handler, json } from '../support/fake-fetch.js'

const API = 'https://api.example.com/orders'
const TOKEN = 'https://as.example.com/token'

const nonceChallenge = (nonce: string) =>
  new Response('{"error":"use_dpop_nonce"}', {
    status: 401,
    headers: {
      'www-authenticate':
        'DPoP error="use_dpop_nonce", error_description="Resource server requires nonce in DPoP proof"',
      'dpop-nonce': nonce,
    },
  })
const invalidToken = () =>
  new Response(null, { status: 401, headers: { 'www-authenticate': 'DPoP error="invalid_token"' } })

function api(...answers: Handler[]) {
  let index = 0
  const fake = fakeFetch({
    [API]: (request) => answers[Math.min(index++, answers.length - 1)]!(request),
  })
  const proof = (call: number) => decodeJwt(fake.calls[call]?.headers.get('dpop') ?? '')
  return { fake, proof }
}

describe('createDpopFetch', () => {
  it('sends Authorization: DPoP and a proof with htm, htu (no query) and ath', async () => {
    const dpop = await createDpop()
    const { fake, proof } = api(() => json({ ok: true }))
    const call = createDpopFetch(dpop, { accessToken: 'at-1', fetch: fake.fetch })
    const response = await call(`${API}?page=2`, { method: 'post', body: '{}' })
    expect(response.status).toBe(200)
    expect(fake.calls[0]?.headers.get('authorization')).toBe('DPoP at-1')
    expect(proof(0)).toMatchObject({ htm: 'POST', htu: API, ath: dpopAccessTokenHash('at-1') })
  })

  it('takes the method and URL of a Request, and replaces its Authorization', async () => {
    const dpop = await createDpop()
    const { fake, proof } = api(() => json({}))
    const call = createDpopFetch(dpop, { accessToken: () => 'at-2', fetch: fake.fetch })
    await call(new Request(API, { method: 'DELETE', headers: { authorization: 'Bearer x' } }))
    expect(fake.calls[0]?.headers.get('authorization')).toBe('DPoP at-2')
    expect(proof(0)).toMatchObject({ htm: 'DELETE', htu: API })
  })

  it('retries a use_dpop_nonce challenge once with the nonce, and uses it up front next time', async () => {
    const dpop = await createDpop()
    const { fake, proof } = api(
      () => nonceChallenge('rs-1'),
      () => json({}),
    )
    const call = createDpopFetch(dpop, { accessToken: 'at-1', fetch: fake.fetch })
    const response = await call(API, { method: 'PUT', body: 'payload' })
    expect(response.status).toBe(200)
    expect(fake.calls).toHaveLength(2)
    expect(proof(0).nonce).toBeUndefined()
    expect(proof(1).nonce).toBe('rs-1')
    expect(await fake.calls[1]?.text()).toBe('payload')
    await call(API)
    expect(fake.calls).toHaveLength(3)
    expect(proof(2).nonce).toBe('rs-1')
  })

  it('replays a Request body for the nonce retry', async () => {
    const dpop = await createDpop()
    const { fake } = api(
      () => nonceChallenge('rs-1'),
      () => json({}),
    )
    const call = createDpopFetch(dpop, { accessToken: 'at-1', fetch: fake.fetch })
    await call(new Request(API, { method: 'POST', body: 'request body' }))
    expect(await Promise.all(fake.calls.map((request) => request.text()))).toEqual([
      'request body',
      'request body',
    ])
  })

  it('returns a second nonce challenge as it is, and never renews a fixed token', async () => {
    const dpop = await createDpop()
    const { fake } = api(
      () => nonceChallenge('rs-1'),
      () => nonceChallenge('rs-2'),
    )
    const call = createDpopFetch(dpop, { accessToken: 'at-1', fetch: fake.fetch })
    expect((await call(API)).status).toBe(401)
    expect(fake.calls).toHaveLength(2)
    const refused = api(invalidToken)
    const fixed = createDpopFetch(dpop, { accessToken: 'at-1', fetch: refused.fake.fetch })
    expect((await fixed(API)).status).toBe(401)
    expect(refused.fake.calls).toHaveLength(1)
  })

  it('does not replay a stream body, but remembers the nonce for the next call', async () => {
    const dpop = await createDpop()
    const { fake } = api(() => nonceChallenge('rs-s'))
    const call = createDpopFetch(dpop, { accessToken: 'at-1', fetch: fake.fetch })
    const body = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('x'))
        controller.close()
      },
    })
    const response = await call(API, { method: 'POST', body, duplex: 'half' } as RequestInit)
    expect(response.status).toBe(401)
    expect(fake.calls).toHaveLength(1)
    expect(dpop.nonceFor(API)).toBe('rs-s')
  })

  it('renews a refused token from a token source and signs the new one', async () => {
    const dpop = await createDpop()
    const tokens = ['old', 'new']
    const rejected: (string | undefined)[] = []
    const source = {
      getAccessToken: async (options?: { rejectedToken?: string }) => {
        rejected.push(options?.rejectedToken)
        return options?.rejectedToken === undefined ? tokens[0]! : tokens[1]!
      },
    }
    const { fake, proof } = api(invalidToken, () => json({}))
    const call = createDpopFetch(dpop, { tokenSource: source, fetch: fake.fetch })
    expect((await call(API)).status).toBe(200)
    expect(rejected).toEqual([undefined, 'old'])
    expect(fake.calls[1]?.headers.get('authorization')).toBe('DPoP new')
    expect(proof(1).ath).toBe(dpopAccessTokenHash('new'))
  })

  it('never renews the token for a nonce request, replayable body or not', async () => {
    const dpop = await createDpop()
    const rejected: (string | undefined)[] = []
    const source = {
      getAccessToken: async (options?: { rejectedToken?: string }) => {
        rejected.push(options?.rejectedToken)
        return 'at-1'
      },
    }
    const twice = api(
      () => nonceChallenge('rs-1'),
      () => nonceChallenge('rs-2'),
    )
    const call = createDpopFetch(dpop, { tokenSource: source, fetch: twice.fake.fetch })
    expect((await call(API)).status).toBe(401)
    expect(twice.fake.calls).toHaveLength(2)
    const stream = api(() => nonceChallenge('rs-3'))
    const streaming = createDpopFetch(dpop, { tokenSource: source, fetch: stream.fake.fetch })
    const body = new ReadableStream({
      start(controller) {
        controller.close()
      },
    })
    await streaming(API, { method: 'POST', body, duplex: 'half' } as RequestInit)
    expect(stream.fake.calls).toHaveLength(1)
    await new Promise((resolve) => setImmediate(resolve))
    expect(rejected).toEqual([undefined, undefined])
  })

  it('takes a 401 nonce request only from the DPoP challenge, not from a body', async () => {
    const dpop = await createDpop()
    const bodyOnly = () =>
      json({ error: 'use_dpop_nonce' }, { status: 401, headers: { 'dpop-nonce': 'n-b' } })
    const { fake } = api(bodyOnly, () => json({}))
    const call = createDpopFetch(dpop, { accessToken: 'at-1', fetch: fake.fetch })
    expect((await call(API)).status).toBe(401)
    expect(fake.calls).toHaveLength(1)
  })

  it('refuses bad arguments with a TypeError', async () => {
    const dpop = await createDpop()
    expect(() => createDpopFetch({} as DpopHandle, { accessToken: 'x' })).toThrow(TypeError)
    expect(() => createDpopFetch(dpop, {})).toThrow(/either/)
    expect(() =>
      createDpopFetch(dpop, { accessToken: 'x', tokenSource: { getAccessToken: async () => 'y' } }),
    ).toThrow(/either/)
    expect(() => createDpopFetch(dpop, { accessToken: '' })).toThrow(TypeError)
    const call = createDpopFetch(dpop, { accessToken: 'x', fetch: fakeFetch().fetch })
    await expect(call('/relative')).rejects.toThrow(/absolute URL/)
  })
})

describe('TokenManager with dpop', () => {
  it('gets DPoP-bound tokens, and its authorized fetch uses the DPoP scheme', async () => {
    const dpop = await createDpop()
    const fake = fakeFetch({
      [TOKEN]: () => json({ access_token: 'bound-1', token_type: 'DPoP', expires_in: 300 }),
      [API]: () => json({}),
    })
    const manager = new TokenManager({
      request: { address: TOKEN, clientId: 'svc', clientSecret: 's', dpop, fetch: fake.fetch },
      store: new MemoryStore(),
    })
    expect(manager.dpop).toBe(dpop)
    const call = createAuthorizedFetch(manager, { fetch: fake.fetch })
    await call(API)
    const [tokenCall, apiCall] = fake.calls
    expect(decodeJwt(tokenCall?.headers.get('dpop') ?? '')).toMatchObject({
      htm: 'POST',
      htu: TOKEN,
    })
    expect(apiCall?.headers.get('authorization')).toBe('DPoP bound-1')
    expect(decodeJwt(apiCall?.headers.get('dpop') ?? '').ath).toBe(dpopAccessTokenHash('bound-1'))
  })

  it('keeps bearer calls for a manager without dpop', async () => {
    const fake = fakeFetch({
      [TOKEN]: () => json({ access_token: 'b-1', token_type: 'Bearer', expires_in: 300 }),
      [API]: () => json({}),
    })
    const manager = new TokenManager({
      request: { address: TOKEN, clientId: 'svc', clientSecret: 's', fetch: fake.fetch },
      store: new MemoryStore(),
    })
    await createAuthorizedFetch(manager, { fetch: fake.fetch })(API)
    expect(fake.calls[1]?.headers.get('authorization')).toBe('Bearer b-1')
    expect(fake.calls[1]?.headers.has('dpop')).toBe(false)
  })

  it('caches tokens per DPoP key, and leaves bearer cache keys as they were', async () => {
    const request = { address: TOKEN, clientId: 'svc', clientSecret: 's' }
    const [a, b] = [await createDpop(), await createDpop()]
    const keys = new Set([
      tokenCacheKey(request),
      tokenCacheKey({ ...request, dpop: a }),
      tokenCacheKey({ ...request, dpop: b }),
    ])
    expect(keys.size).toBe(3)
    expect(tokenCacheKey({ ...request, dpop: a })).toBe(tokenCacheKey({ ...request, dpop: a }))
    expect(tokenCacheKey({ ...request, dpop: undefined })).toBe(tokenCacheKey(request))
    expect(() => tokenCacheKey({ ...request, dpop: {} as DpopHandle })).toThrow(TypeError)
  })
})
