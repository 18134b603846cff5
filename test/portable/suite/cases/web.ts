/**
 * `requireToken` from identity-model/web with `Request` objects built in the runtime: the
 * answers a handler gives (200 with claims, 401 with and without a token, 403 for a scope).
 */
import type { Claims } from 'identity-model'
import { tamper } from '../encoding.js'
import { assert, defineCases, equal } from '../registry.js'
import { clientCredentials, type PackageCaseArg } from './support.js'

const API = 'https://api.example.test/orders'

/** A route handler as an application writes it. */
function handler(
  arg: PackageCaseArg,
  options: { readonly requiredScopes?: string } = {},
): (request: Request) => Promise<Response> {
  const authenticate = arg.lib.web.requireToken({
    discoDocAddress: arg.ctx.issuer,
    audience: arg.ctx.audience,
    ...options,
  })
  return async (request) => {
    const claims: Claims | Response = await authenticate(request)
    if (claims instanceof Response) return claims
    return Response.json({ sub: claims.sub, client_id: claims.client_id })
  }
}

function get(token?: string): Request {
  return new Request(
    API,
    token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } },
  )
}

export const webAdapterCases = defineCases<PackageCaseArg>('web adapter', {
  '200 with the claims for a good token': async (arg) => {
    const { access_token } = await clientCredentials(arg, arg.ctx.clients.basic)
    const response = await handler(arg)(get(access_token))
    equal(response.status, 200, 'status')
    const body = (await response.json()) as { client_id?: unknown }
    equal(body.client_id, arg.ctx.clients.basic.clientId, 'client_id in the handler')
  },

  '401 without a token, with a Bearer challenge': async (arg) => {
    const response = await handler(arg)(get())
    equal(response.status, 401, 'status')
    const challenge = response.headers.get('www-authenticate') ?? ''
    assert(/^Bearer\b/.test(challenge), `a Bearer challenge, got ${challenge}`)
    assert(
      !challenge.includes('error='),
      `no error code without a token (RFC 6750 §3.1), got ${challenge}`,
    )
  },

  '401 invalid_token for a bad token': async (arg) => {
    const { access_token } = await clientCredentials(arg, arg.ctx.clients.basic)
    const response = await handler(arg)(get(tamper(access_token)))
    equal(response.status, 401, 'status')
    const challenge = response.headers.get('www-authenticate') ?? ''
    assert(challenge.includes('error="invalid_token"'), `invalid_token challenge, got ${challenge}`)
  },

  '403 insufficient_scope for a missing scope': async (arg) => {
    const { access_token } = await clientCredentials(arg, arg.ctx.clients.readonly, {
      scope: 'api:read',
    })
    const response = await handler(arg, { requiredScopes: 'api:write' })(get(access_token))
    equal(response.status, 403, 'status')
    const challenge = response.headers.get('www-authenticate') ?? ''
    assert(
      challenge.includes('error="insufficient_scope"'),
      `insufficient_scope challenge, got ${challenge}`,
    )
  },
})
