/**
 * The diagnostics channels (docs/observability.md): a subscriber sees every discovery, key
 * fetch, validation, token request and token manager event, as plain objects with an outcome,
 * and nothing secret: no token, no client secret, no claim set.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { MemoryStore } from '../../src/cache/memory-store.js'
import { CHANNELS } from '../../src/diagnostics/events.js'
import {
  getDiscoveryDocument,
  getJwks,
  ProviderCache,
  requestClientCredentialsToken,
  TokenManager,
  UserTokenManager,
  validateToken,
} from '../../src/index.js'
import { createBearerAuth } from '../../src/resource-server/authenticate.js'
import { metadata } from '../discovery/helpers.js'
import { fakeFetch, json } from '../support/fake-fetch.js'
import { accessClaims, makeKey, NOW, sign, type TestKey } from '../support/tokens.js'

const ISSUER = 'https://id.example.com'
const SECRET = 'client-secret-never-shown'

type Seen = { channel: string; message: Record<string, unknown> }
let seen: Seen[] = []
const listeners = new Map<string, (message: unknown) => void>()

function listen(): void {
  seen = []
  for (const name of Object.values(CHANNELS)) {
    const listener = (message: unknown) =>
      seen.push({ channel: name, message: message as Record<string, unknown> })
    listeners.set(name, listener)
    subscribe(name, listener)
  }
}

afterEach(() => {
  for (const [name, listener] of listeners) unsubscribe(name, listener)
  listeners.clear()
})

const on = (channel: string) => seen.filter((s) => s.channel === channel).map((s) => s.message)

let key: TestKey
let other: TestKey
beforeAll(() => {
  key = makeKey('ES256', 'k1')
  other = makeKey('ES256', 'k2')
})

function provider() {
  let jwksDown = false
  let published = () => [key]
  const fake = fakeFetch({
    [`${ISSUER}/.well-known/openid-configuration`]: () => json(metadata(ISSUER)),
    [`${ISSUER}/jwks`]: () =>
      jwksDown
        ? new Response('down', { status: 503 })
        : json({ keys: published().map((k) => k.publicJwk) }),
    [`${ISSUER}/token`]: async (request) => {
      const body = new URLSearchParams(await request.text())
      if (body.get('client_secret') !== SECRET && !request.headers.get('authorization')) {
        return json({ error: 'invalid_client' }, { status: 401 })
      }
      return json({ access_token: 'opaque-access-token-1', token_type: 'Bearer', expires_in: 600 })
    },
  })
  const cache = new ProviderCache({ now: () => NOW * 1000, kidMissCooldownSeconds: 30 })
  const config = {
    performDisco: true as const,
    audience: 'my-api',
    currentDate: new Date(NOW * 1000),
    cache,
    fetch: fake.fetch,
  }
  return {
    fake,
    cache,
    config,
    setJwksDown: (value: boolean) => {
      jwksDown = value
    },
    publish: (keys: () => TestKey[]) => {
      published = keys
    },
  }
}

describe('identity-model diagnostics channels', () => {
  it('publishes nothing to channels nobody subscribes to', async () => {
    const p = provider()
    const token = await sign(key, accessClaims({ iss: ISSUER }))
    await validateToken(token, p.config, ISSUER)
    listen()
    expect(seen).toEqual([])
    await validateToken(token, p.config, ISSUER)
    expect(on(CHANNELS.validation)).toHaveLength(1)
  })

  it('reports discovery and key fetches, hits, kid misses, cooldowns and failures', async () => {
    listen()
    const p = provider()
    const token = await sign(key, accessClaims({ iss: ISSUER }))
    await validateToken(token, p.config, ISSUER)
    expect(on(CHANNELS.discovery)).toEqual([
      expect.objectContaining({
        outcome: 'fetched',
        address: `${ISSUER}/.well-known/openid-configuration`,
        reason: 'miss',
        durationMs: expect.any(Number),
      }),
    ])
    expect(on(CHANNELS.jwks)).toEqual([
      expect.objectContaining({ outcome: 'fetched', address: `${ISSUER}/jwks`, reason: 'miss' }),
    ])
    await getDiscoveryDocument({ address: ISSUER, cache: p.cache, fetch: p.fake.fetch })
    expect(on(CHANNELS.discovery).at(-1)).toEqual(
      expect.objectContaining({
        outcome: 'hit',
        address: `${ISSUER}/.well-known/openid-configuration`,
      }),
    )
    // Key rotation while the JWKS endpoint fails: a kid-miss refresh that fails, then the cooldown.
    p.publish(() => [key, other])
    p.setJwksDown(true)
    const rotated = await sign(other, accessClaims({ iss: ISSUER }))
    await expect(validateToken(rotated, p.config, ISSUER)).rejects.toMatchObject({
      code: 'provider_unavailable',
    })
    await expect(validateToken(rotated, p.config, ISSUER)).rejects.toMatchObject({
      code: 'provider_unavailable',
    })
    const jwks = on(CHANNELS.jwks)
    expect(jwks).toContainEqual(
      expect.objectContaining({
        outcome: 'failed',
        reason: 'kid_miss',
        errorType: 'http',
        httpStatus: 503,
      }),
    )
    expect(jwks).toContainEqual(expect.objectContaining({ outcome: 'cooldown', errorType: 'http' }))
    // Uncached fetches say so.
    await getJwks({ address: `${ISSUER}/jwks`, fetch: p.fake.fetch, maxRetries: 0 } as never)
    expect(on(CHANNELS.jwks).at(-1)).toEqual(
      expect.objectContaining({ outcome: 'failed', reason: 'uncached', httpStatus: 503 }),
    )
  })

  it('reports each validation with its outcome, code, issuer and duration', async () => {
    const p = provider()
    const token = await sign(key, accessClaims({ iss: ISSUER }))
    const expired = await sign(key, accessClaims({ iss: ISSUER, exp: NOW - 3600 }))
    await validateToken(token, p.config, ISSUER)
    listen()
    await validateToken(token, p.config, ISSUER)
    await expect(validateToken(expired, p.config, ISSUER)).rejects.toThrow()
    await expect(validateToken(`${token}x`, p.config, ISSUER)).rejects.toThrow()
    await expect(validateToken(token, { ...p.config, leeway: Number.NaN }, ISSUER)).rejects.toThrow(
      TypeError,
    )
    expect(on(CHANNELS.validation)).toEqual([
      {
        outcome: 'valid',
        kind: 'access_token',
        issuer: ISSUER,
        alg: 'ES256',
        durationMs: expect.any(Number),
      },
      {
        outcome: 'invalid',
        code: 'claim_validation',
        claim: 'exp',
        kind: 'access_token',
        issuer: ISSUER,
        durationMs: expect.any(Number),
      },
      expect.objectContaining({ outcome: 'invalid', kind: 'access_token', issuer: ISSUER }),
      expect.objectContaining({ outcome: 'error', code: 'type_error' }),
    ])
  })

  it('reports refusals of the resource-server middleware', async () => {
    const p = provider()
    const auth = createBearerAuth({
      discoDocAddress: ISSUER,
      audience: 'my-api',
      currentDate: new Date(NOW * 1000),
      cache: p.cache,
      fetch: p.fake.fetch,
    })
    listen()
    const missing = await auth.authenticate({})
    expect(missing.ok).toBe(false)
    await auth.authenticate({ authorization: 'Bearer not.a.jwt' })
    const refusals = on(CHANNELS.validation).filter((m) => m.kind === 'resource_request')
    expect(refusals).toContainEqual(expect.objectContaining({ outcome: 'invalid', status: 401 }))
    expect(refusals).toContainEqual(
      expect.objectContaining({
        outcome: 'invalid',
        status: 401,
        code: 'malformed',
        error: 'invalid_token',
      }),
    )
  })

  it('reports token requests and the token manager, without secrets or tokens', async () => {
    const p = provider()
    listen()
    const ok = await requestClientCredentialsToken({
      address: `${ISSUER}/token`,
      clientId: 'svc',
      clientSecret: SECRET,
      fetch: p.fake.fetch,
    })
    expect(ok.isSuccessful).toBe(true)
    await requestClientCredentialsToken({
      address: `${ISSUER}/token`,
      clientId: 'svc',
      clientSecret: 'wrong',
      clientAuthentication: 'client_secret_post',
      fetch: p.fake.fetch,
    } as never)
    expect(on(CHANNELS.tokenRequest)).toEqual([
      {
        outcome: 'success',
        grantType: 'client_credentials',
        address: `${ISSUER}/token`,
        durationMs: expect.any(Number),
        dpop: false,
      },
      expect.objectContaining({
        outcome: 'failed',
        errorType: 'protocol',
        error: 'invalid_client',
        httpStatus: 401,
      }),
    ])
    const manager = new TokenManager({
      request: {
        address: `${ISSUER}/token`,
        clientId: 'svc',
        clientSecret: SECRET,
        fetch: p.fake.fetch,
      },
      store: new MemoryStore(),
    })
    await manager.getAccessToken()
    await manager.getAccessToken()
    expect(on(CHANNELS.tokenManager).map((m) => m.outcome)).toEqual(['fetched', 'hit'])
    expect(on(CHANNELS.tokenManager)[0]).toMatchObject({
      cacheKey: manager.cacheKey,
      address: `${ISSUER}/token`,
    })

    const text = JSON.stringify(seen)
    for (const secret of [SECRET, 'opaque-access-token-1', 'wrong'])
      expect(text).not.toContain(secret)
  })
  it('reports UserTokenManager events by session hash, never the session id or a token', async () => {
    const fake = fakeFetch({
      [`${ISSUER}/token`]: () =>
        json({
          access_token: 'user-at-2',
          token_type: 'Bearer',
          expires_in: 300,
          refresh_token: 'user-rt-2',
        }),
      [`${ISSUER}/revoke`]: () => new Response(null, { status: 200 }),
    })
    const users = new UserTokenManager({
      client: {
        address: `${ISSUER}/token`,
        clientId: 'web',
        clientSecret: SECRET,
        fetch: fake.fetch,
      },
      revocationEndpoint: `${ISSUER}/revoke`,
      store: new MemoryStore(),
    })
    listen()
    const session = 'session-id-visible-nowhere'
    await users.storeTokens(session, {
      access_token: 'user-at-1',
      token_type: 'Bearer',
      expires_in: 300,
      refresh_token: 'user-rt-1',
    })
    await users.signOut(session)
    const messages = on(CHANNELS.tokenManager)
    expect(messages.map((m) => [m.manager, m.outcome])).toEqual([
      ['user', 'stored'],
      ['user', 'signed_out'],
    ])
    expect(messages[1]).toMatchObject({ revoked: true, session: expect.any(String) })
    const text = JSON.stringify(seen)
    for (const secret of [session, 'user-at-1', 'user-rt-1', SECRET])
      expect(text).not.toContain(secret)
  })
})
