/** What every package case gets, and the steps several cases share. */
import type { DiscoverySuccess, DpopHandle, TokenSet } from 'identity-model'
import type { ClientFixture, PortableContext } from '../context.js'
import type { Package } from '../package.js'
import { AssertionFailed } from '../registry.js'

export interface PackageCaseArg {
  readonly ctx: PortableContext
  readonly lib: Package
}

/** The testbed's discovery document, through the package. */
export async function discover({ ctx, lib }: PackageCaseArg): Promise<DiscoverySuccess> {
  const disco = await lib.core.getDiscoveryDocument({ address: ctx.issuer })
  if (!disco.isSuccessful) {
    throw new AssertionFailed(`discovery failed: ${disco.errorType} ${disco.error}`)
  }
  return disco
}

/** The token endpoint from discovery. */
export async function tokenEndpoint(arg: PackageCaseArg): Promise<string> {
  const { tokenEndpoint } = await discover(arg)
  if (tokenEndpoint === undefined) throw new AssertionFailed('discovery has no token_endpoint')
  return tokenEndpoint
}

/** A client-credentials token for the JWT resource, through the package. */
export async function clientCredentials(
  arg: PackageCaseArg,
  client: ClientFixture,
  extra: { readonly scope?: string; readonly dpop?: DpopHandle } = {},
): Promise<TokenSet> {
  const response = await arg.lib.core.requestClientCredentialsToken({
    address: await tokenEndpoint(arg),
    clientId: client.clientId,
    clientSecret: client.clientSecret,
    scope: extra.scope ?? 'api:read api:write',
    resource: arg.ctx.resource,
    ...(extra.dpop === undefined ? {} : { dpop: extra.dpop }),
  })
  if (!response.isSuccessful) {
    throw new AssertionFailed(
      `client credentials failed: ${response.errorType} ${response.error} ${response.errorDescription ?? ''}`,
    )
  }
  return response.token
}
