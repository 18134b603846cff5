/** getJwks and its process step: the raw keys of a JWK Set, or a failure with its errorType. */
import { describe, expect, it } from 'vitest'
import { getJwks, JwksRequest, processJwksResponse } from '../../src/index.js'
import { fakeFetch, json } from '../support/fake-fetch.js'

const JWKS = 'https://id.example.com/jwks'
const keys = [
  { kty: 'RSA', kid: 'r1', n: 'AQAB', e: 'AQAB' },
  { kty: 'XYZ', kid: 'odd', vendor: true },
]

describe('getJwks', () => {
  it('returns the raw keys as published, unusable ones included, and the document', async () => {
    const fake = fakeFetch({ [JWKS]: () => json({ keys, extra: 'kept' }) })
    const result = await getJwks(new JwksRequest({ address: JWKS, fetch: fake.fetch }))
    if (!result.isSuccessful) throw new Error(result.error)
    expect(result.keys).toEqual(keys)
    expect(result.raw).toEqual({ keys, extra: 'kept' })
    expect(result.error).toBeUndefined()
    expect(fake.calls[0]?.method).toBe('GET')
    expect(fake.calls[0]?.headers.get('accept')).toBe('application/jwk-set+json, application/json')
  })

  it.each([
    [{ keys: 'no' }, 'the JWK Set has no "keys" array'],
    [{ other: [] }, 'the JWK Set has no "keys" array'],
    [{ keys: [] }, 'the JWK Set is empty: the provider publishes no keys'],
  ])('refuses %j as invalid_response', async (body, message) => {
    const fake = fakeFetch({ [JWKS]: () => json(body) })
    const result = await getJwks({ address: JWKS, fetch: fake.fetch })
    expect(result).toMatchObject({
      isSuccessful: false,
      errorType: 'invalid_response',
      error: message,
      httpStatus: 200,
    })
    expect(result.keys).toBeUndefined()
  })

  it('reports a non-200 as http, an OAuth error body as protocol', async () => {
    const missing = fakeFetch({ [JWKS]: () => new Response('nope', { status: 404 }) })
    expect(await getJwks({ address: JWKS, fetch: missing.fetch })).toMatchObject({
      isSuccessful: false,
      errorType: 'http',
      httpStatus: 404,
      error: 'the jwks_uri answered HTTP 404',
    })
    const oauth = fakeFetch({
      [JWKS]: () => json({ error: 'invalid_request' }, { status: 400 }),
    })
    expect(await getJwks({ address: JWKS, fetch: oauth.fetch })).toMatchObject({
      errorType: 'protocol',
      error: 'invalid_request',
      httpStatus: 400,
    })
  })

  it('reports a refused connection as network, after retrying the GET', async () => {
    const fake = fakeFetch()
    const result = await getJwks({ address: JWKS, fetch: fake.fetch })
    expect(result.errorType).toBe('network')
    expect(result.error).toContain(`GET ${JWKS} failed`)
    expect(fake.calls).toHaveLength(3)
  })

  it('throws TypeError for a missing or relative address, without fetching', async () => {
    const fake = fakeFetch()
    await expect(getJwks({ fetch: fake.fetch })).rejects.toThrow(TypeError)
    await expect(getJwks({ address: '/jwks', fetch: fake.fetch })).rejects.toThrow(TypeError)
    expect(fake.calls).toHaveLength(0)
  })

  it('rejects with the reason of an aborted signal', async () => {
    const fake = fakeFetch({ [JWKS]: () => json({ keys }) })
    await expect(
      getJwks({ address: JWKS, fetch: fake.fetch, signal: AbortSignal.abort('bye') }),
    ).rejects.toBe('bye')
  })
})

describe('processJwksResponse', () => {
  it('processes a Response fixture', async () => {
    const result = await processJwksResponse(Response.json({ keys }))
    expect(result.isSuccessful && result.keys).toEqual(keys)
    const broken = await processJwksResponse(new Response('{"keys": ['))
    expect(broken).toMatchObject({ isSuccessful: false, errorType: 'invalid_json' })
  })
})
