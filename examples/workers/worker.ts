/**
 * A Cloudflare Worker API protected by bearer tokens: identity-model's root entry and
 * identity-model/web run on workerd without `nodejs_compat`. Discovery and keys are kept warm
 * across isolates in Workers KV (binding `OIDC_CACHE`, optional), or in the Cache API.
 *
 *   # wrangler.toml: main = "examples/workers/worker.ts", compatibility_date = "2026-07-01",
 *   # [vars] ISSUER = "https://id.example.com", AUDIENCE = "my-api",
 *   # [[kv_namespaces]] binding = "OIDC_CACHE", id = "..."
 *   npx wrangler dev
 *
 * CI runs this file in workerd through Miniflare (test/portable/examples.test.ts).
 */
import { type Claims, ProviderCache } from 'identity-model'
import { requireToken } from 'identity-model/web'
import { CacheApiStore, type CacheLike } from './cache-api-store.js'
import { type KvNamespaceLike, KvStore } from './kv-store.js'

export interface Env {
  readonly ISSUER: string
  readonly AUDIENCE: string
  /** A KV namespace shared by every isolate (optional). */
  readonly OIDC_CACHE?: KvNamespaceLike
}

type Check = (request: Request) => Promise<Claims | Response>

/**
 * Built once per isolate (the bindings arrive with the first request) and reused by every request
 * it serves: the checks and the cache hold values only, never another request's promise.
 */
let checks: { read: Check; write: Check } | undefined

function checksFor(env: Env): { read: Check; write: Check } {
  if (checks === undefined) {
    const caches = (globalThis as { caches?: { default?: CacheLike } }).caches
    const store =
      env.OIDC_CACHE !== undefined
        ? new KvStore(env.OIDC_CACHE)
        : caches?.default !== undefined
          ? new CacheApiStore(caches.default)
          : undefined
    const cache = new ProviderCache(store === undefined ? {} : { store })
    const options = { discoDocAddress: env.ISSUER, audience: env.AUDIENCE, cache }
    checks = {
      read: requireToken(options),
      write: requireToken({ ...options, requiredScopes: 'api:write' }),
    }
  }
  return checks
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const { pathname } = new URL(request.url)
    if (pathname === '/health') return Response.json({ ok: true })
    const { read, write } = checksFor(env)
    const claims = await (request.method === 'GET' ? read : write)(request)
    if (claims instanceof Response) return claims
    return Response.json({ path: pathname, sub: claims.sub, client_id: claims.client_id })
  },
}
