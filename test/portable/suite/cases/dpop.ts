/**
 * DPoP (RFC 9449): proofs made with createDpop and createDpopProof validate with
 * validateDpopProof; a DPoP-bound client-credentials token from the testbed; the web adapter
 * taking that token with its proof.
 */

import type { DpopPrivateKey, PublicJwk } from 'identity-model'
import { jwtPart } from '../encoding.js'
import { assert, defineCases, equal, rejects } from '../registry.js'
import { clientCredentials, type PackageCaseArg } from './support.js'

const API = 'https://api.example.test/orders'

export const dpopCases = defineCases<PackageCaseArg>('dpop', {
  'createDpop proofs round-trip through validateDpopProof': async ({ lib: { core } }) => {
    const dpop = await core.createDpop()
    const proof = await dpop.proof({
      htm: 'GET',
      htu: `${API}?page=2`,
      accessToken: 'an-access-token',
    })
    const checked = await core.validateDpopProof(proof, {
      htm: 'GET',
      htu: API,
      accessToken: 'an-access-token',
      expectedJkt: dpop.thumbprint,
    })
    equal(checked.jkt, dpop.thumbprint, 'jkt')
    equal(checked.header.alg, 'ES256', 'alg')
    await rejects(
      core.validateDpopProof(proof, { htm: 'POST', htu: API }),
      { class: core.TokenValidationError, code: 'claim_validation', claim: 'htm' },
      'another method',
    )
  },

  'createDpopProof with a private JWK keeps the private part out of the proof': async ({
    ctx,
    lib: { core },
  }) => {
    const proof = await core.createDpopProof({
      privateKey: ctx.dpopPrivateJwk as DpopPrivateKey,
      htm: 'POST',
      htu: API,
    })
    const jwk = jwtPart(proof, 0).jwk as Record<string, unknown>
    equal(jwk.d, undefined, 'd in the proof header')
    equal(jwk.x, ctx.dpopPrivateJwk.x, 'the public key in the proof header')
    const checked = await core.validateDpopProof(proof, { htm: 'POST', htu: API })
    equal(checked.jkt, await core.dpopThumbprint(jwk as unknown as PublicJwk), 'jkt')
  },

  'a DPoP-bound client-credentials token from the testbed': async (arg) => {
    const { core } = arg.lib
    const dpop = await core.createDpop()
    const token = await clientCredentials(arg, arg.ctx.clients.basic, { dpop })
    equal(token.token_type, 'DPoP', 'token_type')
    const claims = await core.validateToken(
      token.access_token,
      { performDisco: true, audience: arg.ctx.audience },
      arg.ctx.issuer,
    )
    equal((claims.cnf as { jkt?: unknown } | undefined)?.jkt, dpop.thumbprint, 'cnf.jkt')
  },

  'the web adapter takes the bound token with its proof, not as a bearer token': async (arg) => {
    const { core, web } = arg.lib
    const dpop = await core.createDpop()
    const { access_token } = await clientCredentials(arg, arg.ctx.clients.basic, { dpop })
    const authenticate = web.requireToken({
      discoDocAddress: arg.ctx.issuer,
      audience: arg.ctx.audience,
      dpop: { origin: new URL(API).origin },
    })
    const proof = await dpop.proof({ htm: 'GET', htu: API, accessToken: access_token })
    const accepted = await authenticate(
      new Request(API, { headers: { authorization: `DPoP ${access_token}`, dpop: proof } }),
    )
    assert(
      !(accepted instanceof Response),
      `accepted, got ${accepted instanceof Response ? accepted.status : ''}`,
    )
    equal(accepted.client_id, arg.ctx.clients.basic.clientId, 'client_id')
    const asBearer = await authenticate(
      new Request(API, { headers: { authorization: `Bearer ${access_token}` } }),
    )
    assert(asBearer instanceof Response, 'a bound token sent as a bearer token is refused')
    equal(asBearer.status, 401, 'status as a bearer token')
  },
})
