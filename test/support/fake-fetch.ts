/**
 * An injectable `fetch` for unit tests: routes by URL to handlers and records every call.
 */
export type Handler = (request: Request) => Response | Promise<Response>

export interface FakeFetch {
  readonly fetch: typeof fetch
  readonly calls: Request[]
  /** Calls per URL (without query). */
  count(url: string): number
  route(url: string, handler: Handler): void
}

export function fakeFetch(routes: Record<string, Handler> = {}): FakeFetch {
  const table = new Map(Object.entries(routes))
  const calls: Request[] = []
  const impl = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const request = new Request(input, init)
    calls.push(request)
    const url = new URL(request.url)
    const handler = table.get(`${url.origin}${url.pathname}`)
    if (!handler)
      throw new TypeError('fetch failed', { cause: new Error(`connect ECONNREFUSED ${url.host}`) })
    return handler(request)
  }
  return {
    fetch: impl as typeof fetch,
    calls,
    count: (url) => calls.filter((call) => call.url.split('?')[0] === url).length,
    route: (url, handler) => table.set(url, handler),
  }
}

export function json(body: unknown, init: ResponseInit = {}): Response {
  return new Response(JSON.stringify(body), {
    ...init,
    headers: { 'content-type': 'application/json', ...(init.headers as Record<string, string>) },
  })
}
