/**
 * A Bun HTTP server protected by bearer tokens. Bun resolves the package like Node.js and gets
 * its node:crypto backend (the package's `bun` condition; the faster one on Bun for RS256).
 *
 *   ISSUER=https://id.example.com AUDIENCE=my-api bun examples/bun/server.ts
 *
 * CI runs this file with Bun against the testbed provider (test/portable/examples.test.ts).
 */
import { requireToken } from 'identity-model/web'

/** The part of the `Bun` namespace used here (typed locally: the examples compile with tsc). */
declare const Bun: {
  env: Record<string, string | undefined>
  serve(options: {
    port: number
    hostname: string
    fetch: (request: Request) => Response | Promise<Response>
  }): { port: number }
}

const options = {
  discoDocAddress: Bun.env.ISSUER ?? 'https://id.example.com',
  audience: Bun.env.AUDIENCE ?? 'my-api',
}
const read = requireToken(options)
const write = requireToken({ ...options, requiredScopes: 'api:write' })

export async function handler(request: Request): Promise<Response> {
  const { pathname } = new URL(request.url)
  if (pathname === '/health') return Response.json({ ok: true })
  const claims = await (request.method === 'GET' ? read : write)(request)
  if (claims instanceof Response) return claims
  return Response.json({ path: pathname, sub: claims.sub, client_id: claims.client_id })
}

const server = Bun.serve({
  port: Number(Bun.env.PORT ?? 3000),
  hostname: '127.0.0.1',
  fetch: handler,
})
console.log(`listening on ${server.port}`)
