/**
 * The small part of oidc-provider 9.13.3 the testbed uses. The package ships no types and
 * @types/oidc-provider is not a dependency, so this declares exactly what testbed/ calls.
 */
declare module 'oidc-provider' {
  import type { IncomingMessage, ServerResponse } from 'node:http'

  /** A registered client, as the provider's model exposes it (camelCase). */
  export interface ClientModel {
    readonly clientId: string
    readonly scope?: string
    readonly clientAuthMethod: string
    grantTypeAllowed(grantType: string): boolean
  }

  /** What `getResourceServerInfo` returns for one resource indicator. */
  export interface ResourceServerInfo {
    readonly audience: string
    readonly scope: string
    readonly accessTokenFormat: 'jwt' | 'opaque'
    readonly accessTokenTTL?: number
    readonly jwt?: { readonly sign: { readonly alg: string } }
  }

  export interface ResourceServer extends ResourceServerInfo {
    identifier(): string
  }

  /** The Koa context, with the `oidc` member the provider adds. */
  export interface KoaContextWithOIDC {
    readonly oidc: {
      readonly provider: Provider
      readonly params?: Readonly<Record<string, string | string[] | undefined>>
      readonly client?: ClientModel
      readonly route: string
    }
    body: unknown
  }

  /** Fields shared by access tokens as stored (and as found again by `find`). */
  export interface AccessTokenLike {
    readonly jti: string
    readonly clientId: string
    readonly accountId?: string
    readonly scope?: string
    readonly exp?: number
    readonly aud?: string | string[]
    readonly extra?: Readonly<Record<string, unknown>>
  }

  export interface IssuableToken {
    resourceServer: ResourceServer
    scope?: string | undefined
    extra?: Record<string, unknown>
    readonly expiration: number
    readonly tokenType: string
    save(): Promise<string>
  }

  export interface TokenModel<T> {
    find(value: string): Promise<(T & AccessTokenLike) | undefined>
  }

  export class Provider {
    constructor(issuer: string, configuration?: object)
    readonly issuer: string
    readonly AccessToken: TokenModel<unknown> &
      (new (init: {
        client: ClientModel
        accountId: string
        gty: string
        scope?: string
      }) => IssuableToken)
    readonly ClientCredentials: TokenModel<unknown>
    readonly ResourceServer: new (
      identifier: string,
      info: ResourceServerInfo,
    ) => ResourceServer
    callback(): (req: IncomingMessage, res: ServerResponse) => void
    registerGrantType(
      name: string,
      handler: (ctx: KoaContextWithOIDC) => Promise<void>,
      params?: string | readonly string[],
      dupes?: string | readonly string[],
    ): void
    on(event: string, listener: (...args: unknown[]) => void): this
  }

  class OIDCProviderError extends Error {
    readonly error: string
    readonly status: number
  }

  export const errors: {
    readonly OIDCProviderError: typeof OIDCProviderError
    readonly InvalidGrant: new (detail?: string) => OIDCProviderError
    readonly InvalidRequest: new (description?: string) => OIDCProviderError
    readonly InvalidScope: new (description: string, scope: string) => OIDCProviderError
    readonly InvalidTarget: new (description?: string) => OIDCProviderError
  }

  export default Provider
}
