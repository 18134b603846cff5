/**
 * What sits in Redis: encrypted tokens, no secrets, and discovery documents and key sets that a
 * second process uses without asking the provider.
 */
import { randomBytes } from 'node:crypto'
import { createClient } from 'redis'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createRedisStore } from '../../../src/redis/index.js'
import { TokenManager } from '../../../src/token-manager/token-manager.js'
import { clients, startProvider, type TestProvider } from '../../../testbed/provider.js'
import { type FleetWorker, startFleet, stopFleet } from '../../support/fleet.js'
import { startRedis, type TestRedis } from '../../support/redis.js'

let redis: TestRedis
let op: TestProvider
let plain: ReturnType<typeof createClient>
let workers: FleetWorker[] | undefined

beforeAll(async () => {
  redis = await startRedis()
  op = await startProvider()
  plain = createClient({ url: redis.url })
  plain.on('error', () => {})
  await plain.connect()
})
afterEach(async () => {
  await stopFleet(workers)
  workers = undefined
  await plain.flushAll()
})
afterAll(async () => {
  await plain?.close()
  await op?.stop()
  await redis?.dispose()
})

const request = () => ({
  address: `${op.issuer}/token`,
  clientId: clients.serviceBasic.clientId,
  clientSecret: clients.serviceBasic.clientSecret,
  scope: 'api:read',
})

/** Every key and raw value under the default prefix. */
async function dump(): Promise<Map<string, string>> {
  const out = new Map<string, string>()
  for (const key of await plain.keys('identity-model:*')) out.set(key, (await plain.get(key)) ?? '')
  return out
}

describe('what the Redis store keeps', () => {
  it('encrypted at rest: the token cannot be read from Redis without the key', async () => {
    const key = randomBytes(32).toString('base64')
    const warnings: string[] = []
    const store = await createRedisStore({ url: redis.url, encryptionKey: key })
    const token = await new TokenManager({ request: request(), store }).getAccessToken()
    await store.close()

    const raw = await dump()
    expect(raw.size).toBe(1)
    const [redisKey, value] = [...raw][0]!
    expect(redisKey).toMatch(/^identity-model:token:\{[\w-]{43}\}$/)
    expect(value.startsWith('enc:v1:')).toBe(true)
    expect(value).not.toContain(token)
    expect(value).not.toContain('access_token')
    expect(Buffer.from(value.slice(7), 'base64url').toString('latin1')).not.toContain(token)

    // A store without the key (or with another one) cannot use it: it asks for its own token.
    for (const options of [{}, { encryptionKey: randomBytes(32) }]) {
      const other = await createRedisStore({
        url: redis.url,
        onWarning: (m) => warnings.push(m),
        ...options,
      })
      op.resetCounts()
      const own = await new TokenManager({ request: request(), store: other }).getAccessToken()
      expect(own).not.toBe(token)
      expect(op.counts['/token']).toBe(1)
      await other.close()
      await plain.set(redisKey, value) // put the first one back for the next round
    }
    expect(warnings).toHaveLength(2)
    expect(warnings[0]).toContain('encrypted and this store has no encryptionKey')
    expect(warnings[1]).toContain('does not decrypt with this encryptionKey')

    // The same key reads it.
    const same = await createRedisStore({
      url: redis.url,
      encryptionKey: Buffer.from(key, 'base64'),
    })
    op.resetCounts()
    expect(await new TokenManager({ request: request(), store: same }).getAccessToken()).toBe(token)
    expect(op.counts['/token']).toBeUndefined()
    await same.close()
  })

  it('never puts the client secret in a key or a value', async () => {
    const store = await createRedisStore({ url: redis.url })
    const token = await new TokenManager({ request: request(), store }).getAccessToken()
    await store.close()
    const raw = await dump()
    expect([...raw.values()].some((value) => value.includes(token))).toBe(true)
    for (const [key, value] of raw) {
      for (const secret of [
        clients.serviceBasic.clientSecret,
        encodeURIComponent(clients.serviceBasic.clientSecret),
      ]) {
        expect(key).not.toContain(secret)
        expect(value).not.toContain(secret)
      }
    }
  })

  it('shares discovery and key sets: a second process validates without asking the provider', async () => {
    workers = await startFleet(2, {
      redisUrl: redis.url,
      tokenEndpoint: `${op.issuer}/token`,
      clientId: clients.serviceBasic.clientId,
      clientSecret: clients.serviceBasic.clientSecret,
    })
    const response = await op.clientCredentialsToken({ ...clients.serviceBasic, scope: 'api:read' })
    const token = response.access_token as string
    op.resetCounts()
    expect((await workers[0]!.send({ type: 'validate', token, issuer: op.issuer })).sub).toBe(
      clients.serviceBasic.clientId,
    )
    expect(op.counts['/.well-known/openid-configuration']).toBe(1)
    expect(op.counts['/jwks']).toBe(1)
    const raw = await dump()
    const jwks = [...raw].find(([key]) => key.startsWith('identity-model:jwks:'))
    // Stored as the provider's raw JWK Set JSON.
    expect(JSON.parse(jwks?.[1] ?? '{}').v.keys[0].kty).toBe('RSA')

    op.resetCounts()
    expect((await workers[1]!.send({ type: 'validate', token, issuer: op.issuer })).sub).toBe(
      clients.serviceBasic.clientId,
    )
    expect(op.counts).toEqual({})
  })
})
