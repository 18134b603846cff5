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
// Resource-server middleware core (adapters live in subpaths). Issue 5 added everything from
// createBearerAuth to protectedResourceMetadata: the core behind identity-model/express,
// /fastify and /web, its guards, several issuers, introspection of opaque tokens, RFC 9728.
export {
  authenticateBearer,
  type BearerAuth,
  type BearerAuthenticator,
  type BearerAuthOptions,
  type BearerOutcome,
  type BearerRefusal,
  createBearerAuth,
  createBearerAuthenticator,
  extractBearerToken,
  type Refuser,
  tokenScopes,
} from './middleware/core.js'
export {
  type BearerMethod,
  type BearerRequestParts,
  type Extraction,
  extractToken,
} from './middleware/extract.js'
export {
  type ClaimValue,
  createGuard,
  type Guard,
  type GuardDenial,
  type GuardOptions,
} from './middleware/guards.js'
export type { IntrospectionOptions } from './middleware/introspection.js'
export {
  IntrospectionCache,
  type IntrospectionCacheOptions,
  type IntrospectionEntry,
} from './middleware/introspection-cache.js'
export {
  type IssuerOptions,
  type IssuerResolver,
  type MultiTenantIssuerOptions,
  multiTenantIssuer,
} from './middleware/issuers.js'
export {
  PROTECTED_RESOURCE_WELL_KNOWN,
  type ProtectedResourceMetadata,
  type ProtectedResourceMetadataInit,
  protectedResourceMetadata,
} from './middleware/resource-metadata.js'
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

// ---------------------------------------------------------------------------------------------
// Web-app sign-in flows (issue 4): authorization code with PKCE, refresh, UserInfo, device
// authorization, ID and logout tokens, logout.
// ---------------------------------------------------------------------------------------------

export {
  type AuthorizationRequest,
  type AuthorizationRequestInit,
  createAuthorizationRequest,
  type SpaceDelimited,
} from './authorization/authorization-request.js'
export {
  type AuthorizationResponse,
  type AuthorizationResponseInput,
  type AuthorizationResponseOptions,
  type AuthorizationServerIssuer,
  type AuthorizationSuccess,
  parseAuthorizationResponse,
} from './authorization/authorization-response.js'
export { createCodeChallenge, createCodeVerifier } from './authorization/pkce.js'
export {
  DeviceAuthorizationRequest,
  type DeviceAuthorizationRequestInit,
  type DeviceAuthorizationResponse,
  processDeviceAuthorizationResponse,
  requestDeviceAuthorization,
} from './endpoints/device-authorization.js'
export { createEndSessionUrl, type EndSessionUrlInit } from './endpoints/end-session.js'
export {
  getUserInfo,
  processUserInfoResponse,
  type UserInfoClaims,
  type UserInfoExpectations,
  type UserInfoJwtValidation,
  UserInfoRequest,
  type UserInfoRequestInit,
  type UserInfoResponse,
} from './endpoints/userinfo.js'
export {
  AuthorizationCodeTokenRequest,
  type AuthorizationCodeTokenRequestInit,
  requestAuthorizationCodeToken,
} from './token/authorization-code.js'
export {
  DEVICE_CODE_GRANT_TYPE,
  DeviceTokenRequest,
  type DeviceTokenRequestInit,
  type PollDeviceTokenInit,
  pollDeviceToken,
  requestDeviceToken,
} from './token/device.js'
export {
  RefreshTokenRequest,
  type RefreshTokenRequestInit,
  requestRefreshToken,
} from './token/refresh.js'
export {
  createSingleFlightRefresh,
  type SingleFlightRefresh,
  type SingleFlightRefreshOptions,
} from './token/refresh-single-flight.js'
export {
  type IdTokenClaims,
  IdTokenValidationConfig,
  type IdTokenValidationConfigInit,
  validateIdToken,
} from './validation/id-token.js'
export {
  createLogoutReplayCache,
  type LogoutReplayCacheOptions,
  type LogoutReplayCheck,
} from './validation/logout-replay.js'
export {
  BACKCHANNEL_LOGOUT_EVENT,
  type LogoutTokenClaims,
  type LogoutTokenValidationConfigInit,
  validateLogoutToken,
} from './validation/logout-token.js'

// ---------------------------------------------------------------------------------------------
// Token manager and shared cache (issue 6): one client-credentials token per distinct request,
// renewed before expiry, shared across processes through a store (`identity-model/redis`).
// ---------------------------------------------------------------------------------------------

export { TokenUnavailableError } from './errors.js'
export { MemoryStore, type MemoryStoreOptions } from './store/memory-store.js'
export type { CacheStore, StoreLock } from './store/store.js'
export {
  type AccessTokenSource,
  type AuthorizedFetch,
  type AuthorizedFetchOptions,
  createAuthorizedFetch,
} from './token-manager/authorized-fetch.js'
export {
  type GetAccessTokenOptions,
  TokenManager,
  type TokenManagerOptions,
} from './token-manager/token-manager.js'
