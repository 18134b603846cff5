/**
 * Client credentials against the testbed provider, and validateToken in discovery mode on the
 * provider's own JWT access tokens (`typ: at+jwt`, RS256, keys from its JWKS).
 */

import { tamper } from '../encoding.js'
import { assert, defineCases, equal, rejects } from '../registry.js'
import { clientCredentials, type PackageCaseArg, tokenEndpoint } from './support.js'

export const clientCredentialsCases = defineCases<PackageCaseArg>('client credentials', {
  'client_secret_basic, with a secret that needs form-encoding': async (arg) => {
    const token = await clientCredentials(arg, arg.ctx.clients.basic)
    equal(token.token_type, 'Bearer', 'token_type')
    equal(token.access_token.split('.').length, 3, 'parts of the JWT access token')
    assert(typeof token.expires_in === 'number' && token.expires_in > 0, 'expires_in > 0')
  },

  client_secret_post: async (arg) => {
    const { clientId, clientSecret } = arg.ctx.clients.post
    const response = await arg.lib.core.requestClientCredentialsToken({
      address: await tokenEndpoint(arg),
      clientId,
      clientSecret,
      clientAuthentication: 'client_secret_post',
      scope: 'api:read',
      resource: arg.ctx.resource,
    })
    if (!response.isSuccessful) throw new Error(`${response.errorType} ${response.error}`)
    equal(response.token.scope, 'api:read', 'scope')
  },

  'a wrong secret is a protocol failure (invalid_client)': async (arg) => {
    const { clientId, clientSecret } = arg.ctx.clients.basic
    const wrongSecret = `${clientSecret}-wrong`
    const response = await arg.lib.core.requestClientCredentialsToken({
      address: await tokenEndpoint(arg),
      clientId,
      clientSecret: wrongSecret,
      scope: 'api:read',
    })
    equal(response.isSuccessful, false, 'isSuccessful')
    if (response.isSuccessful) return
    equal(response.errorType, 'protocol', 'errorType')
    equal(response.error, 'invalid_client', 'error')
    equal(response.httpStatus, 401, 'httpStatus')
    assert(!JSON.stringify(response).includes(wrongSecret), 'the failure holds no secret')
  },
})

export const discoveryValidationCases = defineCases<PackageCaseArg>('discovery-mode validation', {
  "accepts the provider's JWT access token": async (arg) => {
    const { access_token } = await clientCredentials(arg, arg.ctx.clients.basic)
    const claims = await arg.lib.core.validateToken(
      access_token,
      { performDisco: true, audience: arg.ctx.audience, typ: 'at+jwt' },
      arg.ctx.issuer,
    )
    equal(claims.iss, arg.ctx.issuer, 'iss')
    equal(claims.client_id, arg.ctx.clients.basic.clientId, 'client_id')
    equal(claims.scope, 'api:read api:write', 'scope')
  },

  'refuses a tampered provider token': async (arg) => {
    const { access_token } = await clientCredentials(arg, arg.ctx.clients.basic)
    const forged = tamper(access_token)
    await rejects(
      arg.lib.core.validateToken(
        forged,
        { performDisco: true, audience: arg.ctx.audience },
        arg.ctx.issuer,
      ),
      {
        class: arg.lib.core.TokenValidationError,
        code: 'signature',
        secrets: [forged.split('.')[2]!],
      },
      'tampered',
    )
  },

  'refuses a token for another audience': async (arg) => {
    const { access_token } = await clientCredentials(arg, arg.ctx.clients.basic)
    await rejects(
      arg.lib.core.validateToken(
        access_token,
        { performDisco: true, audience: 'other-api' },
        arg.ctx.issuer,
      ),
      { class: arg.lib.core.TokenValidationError, code: 'claim_validation', claim: 'aud' },
      'audience',
    )
  },

  'an unreachable provider is ProviderUnavailableError, not a bad token': async (arg) => {
    const { access_token } = await clientCredentials(arg, arg.ctx.clients.basic)
    // Port 9 (discard) on loopback: nothing listens there.
    await rejects(
      arg.lib.core.validateToken(
        access_token,
        { performDisco: true, audience: arg.ctx.audience, issuer: arg.ctx.issuer, timeoutMs: 2000 },
        'http://127.0.0.1:9',
      ),
      { class: arg.lib.core.ProviderUnavailableError, code: 'provider_unavailable' },
      'unreachable',
    )
  },
})
