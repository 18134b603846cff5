/**
 * validateToken on the testbed provider's own JWT access tokens: claims, typ, audience,
 * tampering, key rotation while running, and the provider stopped or down, with a cold and a
 * warm cache. The cache clock is frozen and moved by hand; tokens are checked at real time.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import {
  type IdentityModelError,
  ProviderCache,
  type ProviderCacheEvent,
  ProviderUnavailableError,
  type TokenValidationConfigInit,
  TokenValidationError,
  validateToken,
} from '../../src/index.js'
import { clients, startProvider, type TestProvider } from '../../testbed/provider.js'

const DISCOVERY = '/.well-known/openid-configuration'
const HOUR = 3600 * 1000

function decode(jwt: string): {
  header: Record<string, unknown>
  payload: Record<string, unknown>
} {
  const part = (index: number) =>
    JSON.parse(Buffer.from(jwt.split('.')[index] ?? '', 'base64url').toString()) as Record<
      string,
      unknown
    >
  return { header: part(0), payload: part(1) }
}

async function accessToken(
  op: TestProvider,
  client: { clientId: string; clientSecret: string } = clients.serviceBasic,
  scope = 'api:read api:write',
): Promise<string> {
  const response = await op.clientCredentialsToken({ ...client, scope })
  if (typeof response.access_token !== 'string') throw new Error(JSON.stringify(response))
  return response.access_token
}

/** A cache with a clock the test moves, its events, and a config using it. */
function resourceServer(extra: Partial<TokenValidationConfigInit> = {}) {
  let clock = Date.now()
  const events: ProviderCacheEvent[] = []
  const cache = new ProviderCache({ now: () => clock, onEvent: (event) => events.push(event) })
  const config: TokenValidationConfigInit = {
    performDisco: true,
    audience: 'my-api',
    cache,
    ...extra,
  }
  return {
    cache,
    config,
    events,
    advance: (ms: number) => {
      clock += ms
    },
  }
}

async function failure(promise: Promise<unknown>): Promise<IdentityModelError> {
  return promise.then(
    () => {
      throw new Error('expected validateToken to reject')
    },
    (error: IdentityModelError) => error,
  )
}

describe("validateToken on the provider's access tokens", () => {
  let op: TestProvider

  beforeAll(async () => {
    op = await startProvider()
  })
  afterAll(async () => {
    await op.stop()
  })

  it('validates with performDisco and returns sub, scope and client_id', async () => {
    const { config } = resourceServer()
    const token = await accessToken(op)
    expect(decode(token).header).toMatchObject({ typ: 'at+jwt', alg: 'RS256', kid: 'rsa-a' })
    const claims = await validateToken(token, config, op.issuer)
    expect(claims.sub).toBe('service-basic')
    expect(claims.client_id).toBe('service-basic')
    expect(claims.scope).toBe('api:read api:write')
    expect(claims.iss).toBe(op.issuer)
    expect(claims.aud).toBe('my-api')
  })

  it('validates with the well-known URL as the address, and with typ at+jwt required', async () => {
    const { config } = resourceServer({ typ: 'at+jwt' })
    const token = await accessToken(op)
    expect((await validateToken(token, config, op.discoveryUrl)).sub).toBe('service-basic')
    const strict = resourceServer({ typ: 'JWT' })
    const error = await failure(validateToken(token, strict.config, op.issuer))
    expect(error).toBeInstanceOf(TokenValidationError)
    expect(error.code).toBe('malformed')
  })

  it('refuses another audience as claim_validation aud', async () => {
    const { config } = resourceServer({ audience: 'other-api' })
    const error = await failure(validateToken(await accessToken(op), config, op.issuer))
    expect(error).toMatchObject({ code: 'claim_validation', claim: 'aud' })
  })

  it('refuses a token tampered with after issue as signature, without echoing it', async () => {
    const { config } = resourceServer()
    const token = await accessToken(op, clients.serviceReadonly, 'api:read')
    const [header, body, signature] = token.split('.')
    const claims = JSON.parse(Buffer.from(body!, 'base64url').toString()) as Record<string, unknown>
    claims.scope = 'api:read api:write'
    const forged = `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${signature}`
    const error = await failure(validateToken(forged, config, op.issuer))
    expect(error).toBeInstanceOf(TokenValidationError)
    expect(error.code).toBe('signature')
    for (const part of forged.split('.')) expect(error.message).not.toContain(part)
  })
})

describe('key rotation while running', () => {
  let op: TestProvider

  beforeAll(async () => {
    op = await startProvider({ keys: 'A' })
  })
  afterAll(async () => {
    await op.stop()
  })

  it('picks up a new signing key with one JWKS fetch, and drops a retired key after the TTL', async () => {
    const rs = resourceServer()
    const jwksUri = `${op.issuer}/jwks`
    const tokenA = await accessToken(op)
    await validateToken(tokenA, rs.config, op.issuer)

    // B signs now, A is still published.
    op.resetCounts()
    await op.rotateKeys('BA')
    const tokenB = await accessToken(op)
    expect(decode(tokenB).header.kid).toBe('rsa-b')
    expect((await validateToken(tokenB, rs.config, op.issuer)).sub).toBe('service-basic')
    expect(op.counts['/jwks']).toBe(1)
    expect(op.counts[DISCOVERY]).toBeUndefined()
    // Both generations validate from the refreshed set, with no further fetch.
    for (const token of [tokenA, tokenB, tokenB, tokenA]) {
      await validateToken(token, rs.config, op.issuer)
    }
    expect(op.counts['/jwks']).toBe(1)

    // A is retired. Until the cached set expires, A's tokens still verify with it.
    await op.rotateKeys('B')
    expect((await validateToken(tokenA, rs.config, op.issuer)).sub).toBe('service-basic')
    expect(op.counts['/jwks']).toBe(1)

    // Past the TTL (no Cache-Control: one hour), the set is fetched again, without rsa-a.
    rs.advance(HOUR)
    await validateToken(tokenB, rs.config, op.issuer)
    await vi.waitFor(() => expect(rs.cache.keys.peek(jwksUri)).toBeDefined())
    expect([...(rs.cache.keys.peek(jwksUri)?.byKid.keys() ?? [])]).toEqual(['rsa-b'])
    const error = await failure(validateToken(tokenA, rs.config, op.issuer))
    expect(error).toBeInstanceOf(TokenValidationError)
    expect(error.code).toBe('key_not_found')
    expect((await validateToken(tokenB, rs.config, op.issuer)).sub).toBe('service-basic')
  })

  it('a resource server starting after the rotation refuses the old tokens as key_not_found', async () => {
    await op.rotateKeys('A')
    const tokenA = await accessToken(op)
    await op.rotateKeys('B')
    const fresh = resourceServer()
    const error = await failure(validateToken(tokenA, fresh.config, op.issuer))
    expect(error.code).toBe('key_not_found')
    expect(error.message).toContain('rsa-a')
  })
})

describe('the provider stopped or down', () => {
  let op: TestProvider
  let token: string

  beforeAll(async () => {
    op = await startProvider()
    token = await accessToken(op)
  })
  afterAll(async () => {
    await op.stop()
  })

  it('stopped: a cold cache is ProviderUnavailableError, a warm one keeps validating', async () => {
    const warm = resourceServer()
    await validateToken(token, warm.config, op.issuer)
    await op.stop()
    try {
      const cold = resourceServer()
      const error = await failure(validateToken(token, cold.config, op.issuer))
      expect(error).toBeInstanceOf(ProviderUnavailableError)
      expect(error.code).toBe('provider_unavailable')
      expect(error.message).toContain('could not be fetched')
      expect(error.message).not.toContain(token.split('.')[1])

      // Within the TTL nothing is fetched; past it, the last good values keep serving.
      expect((await validateToken(token, warm.config, op.issuer)).sub).toBe('service-basic')
      warm.advance(HOUR)
      expect((await validateToken(token, warm.config, op.issuer)).sub).toBe('service-basic')
      await vi.waitFor(() =>
        expect(warm.events.map((event) => event.kind).sort()).toEqual(['discovery', 'jwks']),
      )
      for (const event of warm.events) {
        expect(event).toMatchObject({ type: 'stale_served', error: { errorType: 'network' } })
      }
      expect((await validateToken(token, warm.config, op.issuer)).sub).toBe('service-basic')
    } finally {
      await op.restart()
    }

    // Restarted: a cold cache works again, and the warm one refreshes once the backoff passed.
    const after = resourceServer()
    expect((await validateToken(token, after.config, op.issuer)).sub).toBe('service-basic')
    op.resetCounts()
    warm.advance(2000)
    await validateToken(token, warm.config, op.issuer)
    await vi.waitFor(() => {
      expect(warm.cache.discovery.peek(op.discoveryUrl)).toBeDefined()
      expect(warm.cache.keys.peek(`${op.issuer}/jwks`)).toBeDefined()
    })
    expect(op.counts['/jwks']).toBe(1)
    expect(op.counts[DISCOVERY]).toBe(1)
  })

  it('down (503): a cold cache is ProviderUnavailableError with the status, after GET retries', async () => {
    const warm = resourceServer()
    await validateToken(token, warm.config, op.issuer)
    op.resetCounts()
    op.setDown(true)
    try {
      const cold = resourceServer()
      const error = await failure(validateToken(token, cold.config, op.issuer))
      expect(error).toBeInstanceOf(ProviderUnavailableError)
      expect((error as ProviderUnavailableError).httpStatus).toBe(503)
      expect(op.counts[DISCOVERY]).toBe(3) // the first try and two retries

      warm.advance(HOUR)
      expect((await validateToken(token, warm.config, op.issuer)).sub).toBe('service-basic')
      await vi.waitFor(() => expect(warm.events).toHaveLength(2))
      for (const event of warm.events) {
        expect(event.error).toMatchObject({ httpStatus: 503 })
      }
    } finally {
      op.setDown(false)
    }
    const cold = resourceServer()
    expect((await validateToken(token, cold.config, op.issuer)).sub).toBe('service-basic')
  })
})
