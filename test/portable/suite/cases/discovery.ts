/** Discovery and key sets from the testbed provider. */
import { assert, defineCases, equal } from '../registry.js'
import { discover, type PackageCaseArg } from './support.js'

export const discoveryCases = defineCases<PackageCaseArg>('discovery', {
  'reads the testbed provider metadata': async (arg) => {
    const disco = await discover(arg)
    equal(disco.issuer, arg.ctx.issuer, 'issuer')
    for (const [name, url] of Object.entries({
      authorizationEndpoint: disco.authorizationEndpoint,
      tokenEndpoint: disco.tokenEndpoint,
      jwksUri: disco.jwksUri,
    })) {
      assert(url?.startsWith(`${arg.ctx.issuer}/`), `${name} on the issuer's origin, got ${url}`)
    }
  },

  'fetches the key set': async (arg) => {
    const disco = await discover(arg)
    const jwks = await arg.lib.core.getJwks({ address: disco.jwksUri ?? '' })
    if (!jwks.isSuccessful) throw new Error(`getJwks failed: ${jwks.errorType} ${jwks.error}`)
    assert(jwks.keys.length > 0, 'the key set has keys')
    for (const key of jwks.keys) assert(typeof key.kty === 'string', 'every key has a kty')
  },

  'reports a missing document as an http failure': async ({ ctx, lib }) => {
    const disco = await lib.core.getDiscoveryDocument({ address: `${ctx.issuer}/no-such-tenant` })
    equal(disco.isSuccessful, false, 'isSuccessful')
    if (disco.isSuccessful) return
    equal(disco.errorType, 'http', 'errorType')
    equal(disco.httpStatus, 404, 'httpStatus')
  },
})
