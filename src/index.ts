/**
 * identity-model: OAuth 2.0 and OpenID Connect for TypeScript on Node.js.
 *
 * @packageDocumentation
 */

// Caching of provider metadata
export {
  defaultProviderCache,
  ProviderCache,
  type ProviderCacheEvent,
  type ProviderCacheOptions,
} from './cache/provider-cache.js'
export type { Parameters } from './client-auth/authenticated-post.js'
// Client authentication
export type { ClientAuthenticationMethod, ClientCredentials } from './client-auth/methods.js'
export type { DiscoveryDocument } from './discovery/document.js'
// Discovery
export {
  DiscoveryDocumentRequest,
  type DiscoveryDocumentRequestInit,
  type DiscoveryDocumentResponse,
  type DiscoverySuccess,
  getDiscoveryDocument,
  processDiscoveryResponse,
} from './discovery/get-discovery-document.js'
export type { DiscoveryPolicy } from './discovery/policy.js'
// Introspection and revocation
export {
  type IntrospectionClaims,
  introspectToken,
  processIntrospectionResponse,
  TokenIntrospectionRequest,
  type TokenIntrospectionRequestInit,
  type TokenIntrospectionResponse,
} from './endpoints/introspection.js'
export {
  processRevocationResponse,
  revokeToken,
  TokenRevocationRequest,
  type TokenRevocationRequestInit,
  type TokenRevocationResponse,
} from './endpoints/revocation.js'
// Errors
export {
  ConfigurationError,
  IdentityModelError,
  type IdentityModelErrorCode,
  ProviderUnavailableError,
  TokenValidationError,
  type TokenValidationErrorCode,
} from './errors.js'
export type { NetworkOptions } from './http/options.js'
// Results shared by every request function
export type { ErrorType, RequestFailure } from './http/result.js'
// JWKS
export {
  getJwks,
  JwksRequest,
  type JwksRequestInit,
  type JwksResponse,
  processJwksResponse,
} from './jwks/get-jwks.js'
export type { JsonWebKey, JsonWebKeySet } from './jwks/key-set.js'
// Resource-server middleware core (adapters live in subpaths)
export {
  authenticateBearer,
  type BearerAuthenticator,
  type BearerAuthOptions,
  type BearerOutcome,
  type BearerRefusal,
  createBearerAuthenticator,
  extractBearerToken,
  tokenScopes,
} from './middleware/core.js'
// Token endpoint
export {
  ClientCredentialsTokenRequest,
  type ClientCredentialsTokenRequestInit,
  requestClientCredentialsToken,
} from './token/client-credentials.js'
export type { TokenRequestInit } from './token/token-request.js'
export {
  processTokenResponse,
  type TokenResponse,
  type TokenSet,
  type TokenSuccess,
} from './token/token-response.js'
export {
  TokenValidationConfig,
  type TokenValidationConfigInit,
  type ValidationOptions,
} from './validation/config.js'
export type { Claims, JwtHeader } from './validation/jwt.js'
// Token validation
export { validateToken } from './validation/validate-token.js'
export {
  VerifiedTokenCache,
  type VerifiedTokenCacheOptions,
} from './validation/verified-token-cache.js'

// ---------------------------------------------------------------------------------------------
// Platform flows (issue 4): token exchange, introspection and revocation details, dynamic
// client registration and its management. Owned by the platform half of issue 4.
// ---------------------------------------------------------------------------------------------

export type { TokenIntrospectionSuccess } from './endpoints/introspection.js'
export type {
  ClientRegistrationResponse,
  ClientRegistrationSuccess,
} from './endpoints/registration/client-response.js'
export {
  type ClientConfigurationRequestInit,
  type ClientDeletionResponse,
  type ClientUpdateRequestInit,
  deleteClientRegistration,
  getClientRegistration,
  processClientDeletionResponse,
  updateClientRegistration,
} from './endpoints/registration/management.js'
export type {
  ClientMetadata,
  RegisteredClientMetadata,
} from './endpoints/registration/metadata.js'
export {
  ClientRegistrationRequest,
  type ClientRegistrationRequestInit,
  processClientRegistrationResponse,
  registerClient,
} from './endpoints/registration/register-client.js'
export type { TokenTypeHint } from './endpoints/token-form.js'
export {
  type ExchangedTokenSet,
  processTokenExchangeResponse,
  requestTokenExchange,
  TOKEN_EXCHANGE_GRANT_TYPE,
  TokenExchangeRequest,
  type TokenExchangeRequestInit,
  type TokenExchangeResponse,
  type TokenTypeIdentifier,
  TokenTypeIdentifiers,
} from './token/token-exchange.js'
