/**
 * The statically registered clients of the testbed, and their credentials for tests and the
 * demo. TEST-ONLY credentials.
 */
import { clientKeys, toPublicJwk } from './keys.js'

/** RFC 8693 token exchange grant type. */
export const TOKEN_EXCHANGE_GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange'
/** RFC 8628 device authorization grant type. */
export const DEVICE_CODE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code'

/** Client ids and secrets of the registered clients. */
export const clients = {
  /**
   * `client_secret_basic`. The secret is full of characters that RFC 6749 §2.3.1 requires to be
   * form-encoded before base64: a client that skips that step fails to authenticate.
   */
  serviceBasic: { clientId: 'service-basic', clientSecret: 's3cr:et%+ with spaces/and=more' },
  /** `client_secret_post`, client_credentials, `api:read api:write`. */
  servicePost: { clientId: 'service-post', clientSecret: 'service-post-secret' },
  /** `client_secret_basic`, client_credentials, `api:read` only. */
  serviceReadonly: { clientId: 'service-readonly', clientSecret: 'service-readonly-secret' },
  /** Confidential web application: authorization_code + refresh_token. */
  webApp: { clientId: 'web-app', clientSecret: 'web-app-secret' },
  /** Public native application (`none`, PKCE): authorization_code, refresh_token, device_code. */
  publicApp: { clientId: 'public-app' },
  /** `private_key_jwt`; sign assertions with `clientKeys['jwt-client']` (RS256 or ES256). */
  jwtClient: { clientId: 'jwt-client' },
  /** `client_secret_jwt` (HS256 with the secret). */
  hmacClient: {
    clientId: 'hmac-client',
    clientSecret: 'hmac-client-secret-that-is-long-enough-for-hs256',
  },
} as const

/** Per-start settings for the interactive clients. */
export interface ClientOptions {
  /** `redirect_uris` of web-app and public-app; default `['http://127.0.0.1/callback']`. */
  readonly redirectUris?: readonly string[]
  /** `post_logout_redirect_uris` of web-app and public-app; default `['http://127.0.0.1/logged-out']`. */
  readonly postLogoutRedirectUris?: readonly string[]
  /** web-app's `backchannel_logout_uri`; none by default. */
  readonly backchannelLogoutUri?: string
}

/** Client metadata as oidc-provider takes it (RFC 7591 names). */
export type ClientMetadata = Readonly<Record<string, unknown>>

const apiScopes = 'api:read api:write'

/** Builds the metadata of every static client. */
export function clientMetadata(options: ClientOptions = {}): ClientMetadata[] {
  const redirectUris = options.redirectUris ?? ['http://127.0.0.1/callback']
  const postLogoutRedirectUris = options.postLogoutRedirectUris ?? ['http://127.0.0.1/logged-out']
  const service = { response_types: [], redirect_uris: [] }

  return [
    {
      ...service,
      client_id: clients.serviceBasic.clientId,
      client_secret: clients.serviceBasic.clientSecret,
      token_endpoint_auth_method: 'client_secret_basic',
      grant_types: ['client_credentials', 'refresh_token', TOKEN_EXCHANGE_GRANT],
      scope: apiScopes,
    },
    {
      ...service,
      client_id: clients.servicePost.clientId,
      client_secret: clients.servicePost.clientSecret,
      token_endpoint_auth_method: 'client_secret_post',
      grant_types: ['client_credentials'],
      scope: apiScopes,
    },
    {
      ...service,
      client_id: clients.serviceReadonly.clientId,
      client_secret: clients.serviceReadonly.clientSecret,
      token_endpoint_auth_method: 'client_secret_basic',
      grant_types: ['client_credentials'],
      scope: 'api:read',
    },
    {
      client_id: clients.webApp.clientId,
      client_secret: clients.webApp.clientSecret,
      token_endpoint_auth_method: 'client_secret_basic',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      redirect_uris: redirectUris,
      post_logout_redirect_uris: postLogoutRedirectUris,
      ...(options.backchannelLogoutUri === undefined
        ? {}
        : { backchannel_logout_uri: options.backchannelLogoutUri }),
    },
    {
      client_id: clients.publicApp.clientId,
      // Native: RFC 8252 §7.3 lets a loopback redirect URI use any port.
      application_type: 'native',
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token', DEVICE_CODE_GRANT],
      response_types: ['code'],
      redirect_uris: redirectUris,
      post_logout_redirect_uris: postLogoutRedirectUris,
    },
    {
      ...service,
      client_id: clients.jwtClient.clientId,
      token_endpoint_auth_method: 'private_key_jwt',
      jwks: { keys: clientKeys['jwt-client'].map(toPublicJwk) },
      grant_types: ['client_credentials'],
      scope: apiScopes,
    },
    {
      ...service,
      client_id: clients.hmacClient.clientId,
      client_secret: clients.hmacClient.clientSecret,
      token_endpoint_auth_method: 'client_secret_jwt',
      grant_types: ['client_credentials'],
      scope: apiScopes,
    },
  ]
}
