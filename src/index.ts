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
