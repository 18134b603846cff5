/**
 * Next.js middleware (`middleware.ts` at the project root) that protects `/api/*` with bearer
 * tokens on the Edge runtime, Next's default for middleware: identity-model/web needs no Node.js
 * API. Typed structurally (a `NextRequest` is a `Request`), so nothing here imports `next`.
 *
 * Returning nothing lets the request through to the route; a `Response` answers it (401 with its
 * `WWW-Authenticate` challenge, 403 ...). To hand the claims to the route, forward a header with
 * `NextResponse.next({ request: { headers } })` from `next/server`.
 *
 * CI runs this file as Vercel's Edge runtime would (test/portable/examples.test.ts): bundled with
 * the `edge-light` condition, `process.env.*` inlined as Next's compiler does, in workerd with no
 * Node.js compatibility.
 */
import { requireToken } from 'identity-model/web'

export const config = { matcher: '/api/:path*' }

// Module level: built once per isolate, reused by every request it serves.
const authenticate = requireToken({
  discoDocAddress: process.env.ISSUER ?? 'https://id.example.com',
  audience: process.env.AUDIENCE ?? 'my-api',
})
const canWrite = requireToken({
  discoDocAddress: process.env.ISSUER ?? 'https://id.example.com',
  audience: process.env.AUDIENCE ?? 'my-api',
  requiredScopes: 'api:write',
})

export async function middleware(request: Request): Promise<Response | undefined> {
  const claims = await (request.method === 'GET' ? authenticate : canWrite)(request)
  if (claims instanceof Response) return claims
  return undefined
}
