/**
 * What the library needs to know about the runtime it runs on, detected once, without importing
 * anything platform-specific.
 */

let crossing: boolean | undefined

/**
 * Whether a promise started while one request is served may be awaited while another is served.
 * Not on Cloudflare Workers (workerd) nor on Vercel's Edge runtime: there a request's I/O belongs
 * to that request. When the request that started a fetch ends, the fetch is cancelled and anyone
 * else awaiting it hangs until the runtime kills the request (or gets "Cannot perform I/O on
 * behalf of a different request"). Caches and single-flight then share values, never promises.
 * Everywhere else (Node.js, Bun, Deno, browsers) promises are shared.
 */
export function promisesCrossRequests(): boolean {
  if (crossing === undefined) {
    const scope = globalThis as {
      navigator?: { userAgent?: unknown }
      EdgeRuntime?: unknown
    }
    crossing = !(
      scope.navigator?.userAgent === 'Cloudflare-Workers' || typeof scope.EdgeRuntime === 'string'
    )
  }
  return crossing
}
