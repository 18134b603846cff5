/**
 * `identity-model/hono` in a Hono app built in the runtime (Hono is bundled into the suite):
 * the claims at `c.get('userClaims')`, the refusals, and `requireScopes`.
 */
import { Hono } from 'hono'
import { tamper } from '../encoding.js'
import { assert, defineCases, equal } from '../registry.js'
import { clientCredentials, type PackageCaseArg } from './support.js'

const API = 'https://api.example.test'

function app(arg: PackageCaseArg): Hono {
  const { requireScopes, requireToken } = arg.lib.hono
  const hono = new Hono()
  const auth = requireToken({ discoDocAddress: arg.ctx.issuer, audience: arg.ctx.audience })
  hono.get('/orders', auth, (c) => c.json({ client_id: c.get('userClaims').client_id }))
  hono.post('/orders', auth, requireScopes('api:write'), (c) => c.json({ created: true }))
  return hono
}

function bearer(token: string): RequestInit {
  return { headers: { authorization: `Bearer ${token}` } }
}

export const honoAdapterCases = defineCases<PackageCaseArg>('hono adapter', {
  '200 with c.get("userClaims") for a good token': async (arg) => {
    const { access_token } = await clientCredentials(arg, arg.ctx.clients.basic)
    const response = await app(arg).request(`${API}/orders`, bearer(access_token))
    equal(response.status, 200, 'status')
    const body = (await response.json()) as { client_id?: unknown }
    equal(body.client_id, arg.ctx.clients.basic.clientId, 'client_id in the handler')
  },

  '401 with the same challenge as the web adapter': async (arg) => {
    const { access_token } = await clientCredentials(arg, arg.ctx.clients.basic)
    const missing = await app(arg).request(`${API}/orders`)
    equal(missing.status, 401, 'status without a token')
    const bad = await app(arg).request(`${API}/orders`, bearer(tamper(access_token)))
    equal(bad.status, 401, 'status for a bad token')
    const challenge = bad.headers.get('www-authenticate') ?? ''
    assert(challenge.includes('error="invalid_token"'), `invalid_token challenge, got ${challenge}`)
    const web = arg.lib.web.requireToken({
      discoDocAddress: arg.ctx.issuer,
      audience: arg.ctx.audience,
    })
    const fromWeb = await web(new Request(`${API}/orders`, bearer(tamper(access_token))))
    assert(fromWeb instanceof Response, 'the web adapter refuses too')
    equal(fromWeb.headers.get('www-authenticate'), challenge, 'the same challenge')
  },

  'requireScopes: 403 insufficient_scope naming the scope': async (arg) => {
    const { access_token } = await clientCredentials(arg, arg.ctx.clients.readonly, {
      scope: 'api:read',
    })
    const response = await app(arg).request(`${API}/orders`, {
      method: 'POST',
      ...bearer(access_token),
    })
    equal(response.status, 403, 'status')
    const challenge = response.headers.get('www-authenticate') ?? ''
    assert(
      challenge.includes('error="insufficient_scope"') && challenge.includes('scope="api:write"'),
      `insufficient_scope challenge naming api:write, got ${challenge}`,
    )
  },
})
