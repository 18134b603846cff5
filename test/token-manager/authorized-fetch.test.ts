import { describe, expect, it } from 'vitest'
import { MemoryStore } from '../../src/cache/memory-store.js'
import { createAuthorizedFetch } from '../../src/token-manager/authorized-fetch.js'
import { TokenManager } from '../../src/token-manager/token-manager.js'
import { fakeFetch, json } from '../support/fake-fetch.js'

const TOKEN_ENDPOINT = 'https://id.example.test/token'
const API = 'https://api.example.test/orders'

/** A provider issuing t1, t2 ... and an API accepting only the tokens in `valid`. */
function setup() {
  let issued = 0
  const valid = new Set<string>()
  const seen: { token: string | null; body: string }[] = []
  const fake = fakeFetch({
    [TOKEN_ENDPOINT]: () => {
      issued++
      return json({ access_token: `t${issued}`, token_type: 'Bearer', expires_in: 3600 })
    },
    [API]: async (request) => {
      const token = request.headers.get('authorization')?.replace(/^Bearer /, '') ?? null
      seen.push({ token, body: await request.text() })
      if (token === null || !valid.has(token)) {
        return new Response('', {
          status: 401,
          headers: { 'www-authenticate': 'Bearer error="invalid_token"' },
        })
      }
      return json({ ok: true })
    },
  })
  const manager = new TokenManager({
    request: { address: TOKEN_ENDPOINT, clientId: 'svc', clientSecret: 's', fetch: fake.fetch },
    store: new MemoryStore(),
  })
  const api = createAuthorizedFetch(manager, { fetch: fake.fetch })
  return { api, manager, valid, seen, tokenRequests: () => fake.count(TOKEN_ENDPOINT) }
}

describe('createAuthorizedFetch', () => {
  it('sends the token as a Bearer Authorization header, replacing one given', async () => {
    const s = setup()
    s.valid.add('t1')
    const response = await s.api(API, { headers: { authorization: 'Basic xyz', 'x-trace': '1' } })
    expect(response.status).toBe(200)
    expect(s.seen).toEqual([{ token: 't1', body: '' }])
  })

  it('on a 401 renews the token once and retries once, replaying the body', async () => {
    const s = setup()
    await s.manager.getAccessToken() // t1, which the API will refuse
    s.valid.add('t2')
    const response = await s.api(API, { method: 'POST', body: '{"n":1}' })
    expect(response.status).toBe(200)
    expect(s.seen).toEqual([
      { token: 't1', body: '{"n":1}' },
      { token: 't2', body: '{"n":1}' },
    ])
    expect(s.tokenRequests()).toBe(2)
  })

  it('returns the second 401 as it is: one renewal, one retry', async () => {
    const s = setup()
    const response = await s.api(API)
    expect(response.status).toBe(401)
    expect(s.seen.map((call) => call.token)).toEqual(['t1', 't2'])
    expect(s.tokenRequests()).toBe(2)
  })

  it('renews once for many calls refused at the same time', async () => {
    const s = setup()
    await s.manager.getAccessToken()
    s.valid.add('t2')
    const responses = await Promise.all(Array.from({ length: 10 }, () => s.api(API)))
    expect(responses.map((r) => r.status)).toEqual(Array(10).fill(200))
    expect(s.tokenRequests()).toBe(2)
  })

  it('replays the body of a Request given as input', async () => {
    const s = setup()
    await s.manager.getAccessToken()
    s.valid.add('t2')
    const response = await s.api(new Request(API, { method: 'PUT', body: 'payload' }))
    expect(response.status).toBe(200)
    expect(s.seen.map((call) => call.body)).toEqual(['payload', 'payload'])
  })

  it('does not retry a streamed body, but renews the token for the next call', async () => {
    const s = setup()
    await s.manager.getAccessToken()
    s.valid.add('t2')
    const body = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('streamed'))
        controller.close()
      },
    })
    const response = await s.api(API, { method: 'POST', body, duplex: 'half' } as RequestInit)
    expect(response.status).toBe(401)
    expect(s.seen).toHaveLength(1)
    expect((await s.api(API)).status).toBe(200)
    expect(s.seen.at(-1)?.token).toBe('t2')
    expect(s.tokenRequests()).toBe(2)
  })

  it('throws a TypeError without a manager', () => {
    expect(() => createAuthorizedFetch(undefined as never)).toThrow(TypeError)
  })
})
