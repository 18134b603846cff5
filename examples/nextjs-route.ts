/**
 * A Next.js App Router route handler (for example `app/api/orders/[id]/route.ts`) protected by
 * bearer tokens. Typed structurally: Next.js passes a `Request` (a `NextRequest` is one) and a
 * context whose `params` is a promise, so nothing here imports `next`.
 *
 * Run it on the Node.js runtime (the default for route handlers).
 */
import { requireToken, withToken } from 'identity-model/web'

const options = {
  discoDocAddress: process.env.ISSUER ?? 'https://id.example.com',
  audience: process.env.AUDIENCE ?? 'my-api',
}

/** What Next.js passes as the second argument of a dynamic route's handler. */
interface RouteContext {
  readonly params: Promise<{ id: string }>
}

export const runtime = 'nodejs'

// The handler runs only with a valid token; it receives the claims after the request.
export const GET = withToken(options, async (_request: Request, claims, context: RouteContext) => {
  const { id } = await context.params
  return Response.json({ id, owner: claims.sub })
})

// The same check, written out, with a scope requirement.
const canDelete = requireToken({ ...options, requiredScopes: 'api:write' })

export async function DELETE(request: Request, context: RouteContext): Promise<Response> {
  const claims = await canDelete(request)
  if (claims instanceof Response) return claims
  const { id } = await context.params
  return Response.json({ deleted: id, by: claims.client_id })
}
