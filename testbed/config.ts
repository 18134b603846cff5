/**
 * The oidc-provider configuration of the testbed: every feature the library talks to, on.
 */
import type { ClientModel, KoaContextWithOIDC } from 'oidc-provider'
import type { TestbedStore } from './adapter.js'
import { adapterFor } from './adapter.js'
import type { ClientMetadata } from './clients.js'
import type { PrivateJwk } from './keys.js'
import { resourceServerInfo, resources } from './resources.js'

/** Lifetimes in seconds, by oidc-provider model name. */
export interface TtlOverrides {
  readonly AccessToken?: number
  readonly AuthorizationCode?: number
  readonly ClientCredentials?: number
  readonly DeviceCode?: number
  readonly IdToken?: number
  readonly RefreshToken?: number
  readonly Session?: number
  readonly Grant?: number
  readonly Interaction?: number
}

/** Everything one Provider instance is built from. */
export interface ConfigurationInput {
  readonly keys: readonly PrivateJwk[]
  readonly clients: readonly ClientMetadata[]
  readonly store: TestbedStore
  readonly accessTokenAlg: string
  readonly ttl: TtlOverrides
  readonly requireDpopNonce: boolean
  /** 32 bytes, kept across instances so DPoP nonces stay valid through a key rotation. */
  readonly dpopNonceSecret: Buffer
  /** Kept across instances so login sessions survive a key rotation. */
  readonly cookieKeys: readonly string[]
  readonly extraConfig: Readonly<Record<string, unknown>>
}

const DAY = 24 * 60 * 60

/** Builds the configuration object passed to `new Provider(issuer, configuration)`. */
export function buildConfiguration(input: ConfigurationInput): Record<string, unknown> {
  const { extraConfig } = input
  const features = {
    devInteractions: { enabled: true },
    clientCredentials: { enabled: true },
    introspection: { enabled: true },
    revocation: { enabled: true },
    userinfo: { enabled: true },
    deviceFlow: { enabled: true },
    dPoP: {
      enabled: true,
      nonceSecret: input.dpopNonceSecret,
      requireNonce: () => input.requireDpopNonce,
    },
    pushedAuthorizationRequests: { enabled: true },
    requestObjects: { enabled: true },
    jwtResponseModes: { enabled: true },
    backchannelLogout: { enabled: true },
    rpInitiatedLogout: { enabled: true },
    registration: { enabled: true, initialAccessToken: false },
    registrationManagement: { enabled: true },
    resourceIndicators: {
      enabled: true,
      // Only client_credentials defaults to the JWT API; other grants keep the provider's
      // behaviour (no resource: an opaque token for userinfo).
      defaultResource: (ctx: KoaContextWithOIDC, _client: unknown, oneOf?: string) =>
        oneOf ?? (ctx.oidc.params?.grant_type === 'client_credentials' ? resources.api : undefined),
      getResourceServerInfo: (ctx: KoaContextWithOIDC, resource: string, client?: ClientModel) =>
        resourceServerInfo(ctx, resource, client, input.accessTokenAlg),
    },
  }

  return {
    adapter: adapterFor(input.store),
    jwks: { keys: input.keys },
    clients: input.clients,
    cookies: { keys: input.cookieKeys },
    // Resource scopes are listed too: oidc-provider only accepts registered client `scope`
    // values it supports, and then enforces them at the token endpoint.
    scopes: ['openid', 'offline_access', 'profile', 'email', 'api:read', 'api:write'],
    claims: {
      openid: ['sub'],
      profile: ['name', 'preferred_username'],
      email: ['email', 'email_verified'],
    },
    findAccount: (_ctx: unknown, sub: string) => ({
      accountId: sub,
      claims: () => ({
        sub,
        name: `Test User ${sub}`,
        preferred_username: sub,
        email: `${sub}@example.test`,
        email_verified: true,
      }),
    }),
    // The default wants offline_access and consent; a testbed client that may refresh, does.
    issueRefreshToken: (_ctx: unknown, client: ClientModel) =>
      client.grantTypeAllowed('refresh_token'),
    // Keeps the `act` claim the token exchange grant sets on the token it issues.
    extraTokenClaims: (_ctx: unknown, token: { extra?: Record<string, unknown> }) => token.extra,
    // The library's DPoP tests also use RSA keys; the default list is ES256 and EdDSA only.
    enabledJWA: { dPoPSigningAlgValues: ['ES256', 'Ed25519', 'EdDSA', 'RS256', 'PS256'] },
    // Browser tests call the token endpoint from pages on other 127.0.0.1 ports.
    clientBasedCORS: () => true,
    // oidc-provider 9 refuses its own outgoing requests to 127.0.0.0/8 (back-channel logout,
    // client jwks_uri) and fails silently; the testbed lives there, so use plain fetch.
    fetch: (url: string | URL, init: RequestInit & { dispatcher?: unknown }) => {
      delete init.dispatcher
      return fetch(url, init)
    },
    ttl: {
      AccessToken: input.ttl.AccessToken ?? 3600,
      AuthorizationCode: input.ttl.AuthorizationCode ?? 60,
      // CIBA's requested_expiry (CIBA Core §7.1), honoured up to the usual 600 s.
      BackchannelAuthenticationRequest: (ctx?: KoaContextWithOIDC) =>
        Math.min(600, Number(ctx?.oidc.params?.requested_expiry ?? 600) || 600),
      ClientCredentials: input.ttl.ClientCredentials ?? 600,
      DeviceCode: input.ttl.DeviceCode ?? 600,
      Grant: input.ttl.Grant ?? 14 * DAY,
      IdToken: input.ttl.IdToken ?? 3600,
      Interaction: input.ttl.Interaction ?? 3600,
      RefreshToken: input.ttl.RefreshToken ?? 14 * DAY,
      Session: input.ttl.Session ?? 14 * DAY,
    },
    ...extraConfig,
    features: { ...features, ...(extraConfig.features as Record<string, unknown> | undefined) },
  }
}
