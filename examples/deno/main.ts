/**
 * A Deno HTTP server protected by bearer tokens. Deno resolves `identity-model` from npm
 * (`deno add npm:identity-model`, or a package.json with node_modules); the package's `deno`
 * condition picks its crypto backend (node:crypto, measured faster on Deno for most algorithms).
 *
 *   ISSUER=https://id.example.com AUDIENCE=my-api deno run --allow-net --allow-env examples/deno/main.ts
 *
 * CI runs this file with Deno against the testbed provider (test/portable/examples.test.ts).
 */
import { requireToken } from 'identity-model/web'

/** The part of the `Deno` namespace used here (typed locally: the examples compile with tsc). */
declare const Deno: {
  env: { get(name: string): string | undefined }
  serve(
    options: { port: number; hostname: string; onListen?: (address: { port: number }) => void },
    handler: (request: Request) => Response | Promise<Response>,
  ): unknown
}

const options = {
  discoDocAddress: Deno.env.get('ISSUER') ?? 'https://id.example.com',
  audience: Deno.env.get('AUDIENCE') ?? 'my-api',
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

Deno.serve(
  {
    port: Number(Deno.env.get('PORT') ?? 8000),
    hostname: '127.0.0.1',
    onListen: ({ port }) => console.log(`listening on ${port}`),
  },
  handler,
)
