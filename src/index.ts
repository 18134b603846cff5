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
