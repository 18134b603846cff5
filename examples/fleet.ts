/**
 * Calling APIs from a fleet: every instance of a service shares one client-credentials token
 * (renewed by one instance at a time) and the provider's discovery document and keys, through
 * Redis. See docs/fleet.md.
 *
 *   node --env-file=.env --import tsx examples/fleet.ts
 * where .env holds DISCO_ADDRESS, CLIENT_ID, CLIENT_SECRET, SCOPE, API_URL, REDIS_URL and,
 * optionally, TOKEN_CACHE_KEY (32 random bytes, base64: `openssl rand -base64 32`).
 */
import { pathToFileURL } from 'node:url'
import {
  type AuthorizedFetch,
  type Claims,
  createAuthorizedFetch,
  getDiscoveryDocument,
  ProviderCache,
  TokenManager,
  TokenUnavailableError,
  validateToken,
} from 'identity-model'
import { createRedisStore, type SharedRedisStore } from 'identity-model/redis'

export interface FleetSettings {
  readonly discoAddress: string
  readonly clientId: string
  readonly clientSecret: string
  readonly scope: string
  readonly redisUrl: string
  /** 32 bytes as base64; when set, Redis holds only ciphertext. */
  readonly tokenCacheKey?: string | undefined
}

/** What one instance of the service keeps for its whole life. */
export interface FleetClient {
  /** `fetch` with `Authorization: Bearer <token>`; a 401 renews the token once and retries once. */
  readonly api: AuthorizedFetch
  readonly manager: TokenManager
  /** For validating incoming tokens with the same shared discovery document and keys. */
  readonly providerCache: ProviderCache
  close(): Promise<void>
}

/** Builds the shared pieces once, at start-up. */
export async function startFleetClient(settings: FleetSettings): Promise<FleetClient> {
  // One connection per process. If Redis is down, this still resolves: the process works on
  // its own (one warning) and joins the fleet when Redis is back.
  const store: SharedRedisStore = await createRedisStore({
    url: settings.redisUrl,
    encryptionKey: settings.tokenCacheKey,
    onWarning: (message) => console.warn(message),
  })
  const providerCache = new ProviderCache({ store })

  const disco = await getDiscoveryDocument({ address: settings.discoAddress, cache: providerCache })
  if (!disco.isSuccessful) throw new Error(`discovery failed: ${disco.errorType} ${disco.error}`)
  if (disco.tokenEndpoint === undefined) throw new Error('the provider has no token endpoint')

  const manager = new TokenManager({
    request: {
      address: disco.tokenEndpoint,
      clientId: settings.clientId,
      clientSecret: settings.clientSecret,
      scope: settings.scope,
    },
    store,
  })
  return {
    api: createAuthorizedFetch(manager),
    manager,
    providerCache,
    close: () => store.close(),
  }
}

/** A resource server in the same fleet validates incoming tokens against the shared keys. */
export function validateIncoming(
  client: FleetClient,
  token: string,
  discoAddress: string,
  audience: string,
): Promise<Claims> {
  return validateToken(
    token,
    { performDisco: true, audience, cache: client.providerCache },
    discoAddress,
  )
}

async function main(): Promise<void> {
  const env = (name: string): string => {
    const value = process.env[name]
    if (!value) throw new Error(`set ${name} (see the comment at the top of examples/fleet.ts)`)
    return value
  }
  const client = await startFleetClient({
    discoAddress: env('DISCO_ADDRESS'),
    clientId: env('CLIENT_ID'),
    clientSecret: env('CLIENT_SECRET'),
    scope: env('SCOPE'),
    redisUrl: env('REDIS_URL'),
    tokenCacheKey: process.env.TOKEN_CACHE_KEY,
  })
  try {
    // However many requests run at once, and however many instances run this code, the
    // provider sees one token request per token lifetime.
    const responses = await Promise.all(
      Array.from({ length: 20 }, () => client.api(env('API_URL'), { method: 'GET' })),
    )
    console.log(`API answered: ${responses.map((response) => response.status).join(' ')}`)
  } catch (error) {
    if (error instanceof TokenUnavailableError) {
      // The provider failed and no earlier token is still valid: answer 503, try again later.
      console.error(`no token: ${error.message}`)
      process.exitCode = 1
    } else {
      throw error
    }
  } finally {
    await client.close()
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main()
