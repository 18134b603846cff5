/**
 * Introspection (RFC 7662) and revocation (RFC 7009): the request each sends and the process
 * step, fed with the spec's fixtures (read at test time from ../shared, never copied).
 */
import { describe, expect, it } from 'vitest'
import {
  introspectToken,
  processIntrospectionResponse,
  processRevocationResponse,
  revokeToken,
  TokenIntrospectionRequest,
  TokenRevocationRequest,
} from '../../src/index.js'
import { fixtureJson, fixtureText, SPEC_DIR, specAvailable } from '../conformance/spec.js'
import { fakeFetch, type Handler, json } from '../support/fake-fetch.js'

const INTROSPECT = 'https://server.example.com/introspect'
const REVOKE = 'https://server.example.com/revoke'
const client = { clientId: 'rs-1', clientSecret: 'rs-secret' }

function fixture(path: string, status = 200): Response {
  return new Response(fixtureText(path), {
    status,
    headers: { 'content-type': 'application/json' },
  })
}

function endpoint(url: string, handler: Handler) {
  const fake = fakeFetch({ [url]: handler })
  const form = async () => new URLSearchParams(await fake.calls[0]!.clone().text())
  return { fake, form }
}

describe.runIf(specAvailable)(`introspection fixtures (${SPEC_DIR})`, () => {
  it('reads an active response with every member, extras kept', async () => {
    const result = await processIntrospectionResponse(fixture('introspection/active-response.json'))
    if (!result.isSuccessful) throw new Error(result.error)
    const expected = fixtureJson('introspection/active-response.json')
    expect(result.active).toBe(true)
    expect(result.claims).toEqual(expected)
    expect(result.raw).toEqual(expected)
    expect(result.claims.scope).toBe('read write dolphin')
    expect(result.claims.extension_field).toBe('twenty-seven')
  })

  it('reads the minimal active response and the inactive one', async () => {
    const minimal = await processIntrospectionResponse(fixture('introspection/active-minimal.json'))
    expect(minimal).toMatchObject({ isSuccessful: true, active: true, claims: { active: true } })
    const inactive = await processIntrospectionResponse(
      fixture('introspection/inactive-response.json'),
    )
    expect(inactive).toMatchObject({ isSuccessful: true, active: false })
  })

  it('reads an OAuth error as protocol', async () => {
    const result = await processIntrospectionResponse(
      fixture('introspection/error-invalid-client.json', 401),
    )
    expect(result).toEqual({
      isSuccessful: false,
      errorType: 'protocol',
      error: 'invalid_client',
      errorDescription: 'Client authentication failed',
      httpStatus: 401,
    })
  })

  it('introspects at the introspection_endpoint of the discovery fixture', async () => {
    const disco = fixtureJson<{ introspection_endpoint: string }>(
      'introspection/discovery-with-introspection.json',
    )
    const { fake, form } = endpoint(disco.introspection_endpoint, () =>
      fixture('introspection/active-response.json'),
    )
    const result = await introspectToken(
      new TokenIntrospectionRequest({
        address: disco.introspection_endpoint,
        ...client,
        token: 'opaque-token',
        tokenTypeHint: 'access_token',
        fetch: fake.fetch,
      }),
    )
    expect(result.isSuccessful && result.active).toBe(true)
    const sent = await form()
    expect(sent.get('token')).toBe('opaque-token')
    expect(sent.get('token_type_hint')).toBe('access_token')
    expect(fake.calls[0]?.method).toBe('POST')
    expect(fake.calls[0]?.headers.get('authorization')).toMatch(/^Basic /)
  })
})

describe.runIf(specAvailable)(`revocation fixtures (${SPEC_DIR})`, () => {
  it.each(['revocation/revoke-success-empty.json', 'revocation/revoke-success-empty-object.json'])(
    'reads 200 %s as success',
    async (path) => {
      expect(await processRevocationResponse(fixture(path))).toEqual({
        isSuccessful: true,
        httpStatus: 200,
      })
    },
  )

  it.each([
    ['revocation/error-invalid-client.json', 401, 'invalid_client'],
    ['revocation/error-unsupported-token-type.json', 400, 'unsupported_token_type'],
  ])('reads %s as protocol %s', async (path, status, error) => {
    const result = await processRevocationResponse(fixture(path, status))
    expect(result).toMatchObject({
      isSuccessful: false,
      errorType: 'protocol',
      error,
      httpStatus: status,
    })
    expect(result.errorDescription).toBe(
      fixtureJson<{ error_description: string }>(path).error_description,
    )
  })

  it('revokes at the revocation_endpoint of the discovery fixture', async () => {
    const disco = fixtureJson<{ revocation_endpoint: string }>(
      'revocation/discovery-with-revocation.json',
    )
    const { fake, form } = endpoint(disco.revocation_endpoint, () =>
      fixture('revocation/revoke-success-empty.json'),
    )
    const result = await revokeToken(
      new TokenRevocationRequest({
        address: disco.revocation_endpoint,
        ...client,
        clientAuthentication: 'client_secret_post',
        token: 'refresh-1',
        tokenTypeHint: 'refresh_token',
        fetch: fake.fetch,
      }),
    )
    expect(result).toEqual({ isSuccessful: true, httpStatus: 200 })
    const sent = await form()
    expect(Object.fromEntries(sent)).toEqual({
      token: 'refresh-1',
      token_type_hint: 'refresh_token',
      client_id: 'rs-1',
      client_secret: 'rs-secret',
    })
  })
})

describe('introspection without fixtures', () => {
  it.each([
    [{}, 'the introspection response has no boolean "active"'],
    [{ active: 'true' }, 'the introspection response has no boolean "active"'],
    [{ error: 'invalid_token' }, 'the introspection response has no boolean "active"'],
  ])('refuses a 200 of %j as invalid_response', async (body, message) => {
    const result = await processIntrospectionResponse(Response.json(body))
    expect(result).toMatchObject({
      isSuccessful: false,
      errorType: 'invalid_response',
      error: message,
    })
  })

  it('reports garbage as invalid_json and a bare 500 as http', async () => {
    expect(await processIntrospectionResponse(new Response('nope'))).toMatchObject({
      errorType: 'invalid_json',
    })
    expect(await processIntrospectionResponse(new Response('', { status: 500 }))).toMatchObject({
      errorType: 'http',
      httpStatus: 500,
      error: 'the introspection endpoint answered HTTP 500',
    })
  })

  it('leaves token_type_hint out unless given, and throws TypeError without a token', async () => {
    const { fake, form } = endpoint(INTROSPECT, () => json({ active: false }))
    const result = await introspectToken({
      address: INTROSPECT,
      ...client,
      token: 't',
      fetch: fake.fetch,
    })
    expect(result).toMatchObject({ isSuccessful: true, active: false })
    expect((await form()).has('token_type_hint')).toBe(false)
    for (const token of [undefined, '']) {
      await expect(
        introspectToken({ address: INTROSPECT, ...client, token, fetch: fake.fetch }),
      ).rejects.toThrow(new TypeError('token is required'))
    }
    await expect(introspectToken({ ...client, token: 't', fetch: fake.fetch })).rejects.toThrow(
      TypeError,
    )
    await expect(
      introspectToken({ address: INTROSPECT, token: 't', fetch: fake.fetch }),
    ).rejects.toThrow(new TypeError('clientId is required'))
    expect(fake.calls).toHaveLength(1)
  })
})

describe('revocation without fixtures', () => {
  it('reports a 503 as http, not retried, and a network failure as network', async () => {
    const busy = endpoint(REVOKE, () => new Response('', { status: 503 }))
    const result = await revokeToken({
      address: REVOKE,
      ...client,
      token: 't',
      fetch: busy.fake.fetch,
    })
    expect(result).toMatchObject({ isSuccessful: false, errorType: 'http', httpStatus: 503 })
    expect(busy.fake.calls).toHaveLength(1)
    const down = fakeFetch()
    const offline = await revokeToken({ address: REVOKE, ...client, token: 't', fetch: down.fetch })
    expect(offline.errorType).toBe('network')
  })

  it('throws TypeError without a token, an address or a client id', async () => {
    const fake = fakeFetch()
    await expect(revokeToken({ address: REVOKE, ...client, fetch: fake.fetch })).rejects.toThrow(
      new TypeError('token is required'),
    )
    await expect(revokeToken({ ...client, token: 't', fetch: fake.fetch })).rejects.toThrow(
      TypeError,
    )
    await expect(
      revokeToken({ address: REVOKE, clientSecret: 's', token: 't', fetch: fake.fetch }),
    ).rejects.toThrow(new TypeError('clientId is required'))
    expect(fake.calls).toHaveLength(0)
  })
})
