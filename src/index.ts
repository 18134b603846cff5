/**
 * identity-model: OAuth 2.0 and OpenID Connect for TypeScript on Node.js.
 *
 * Named exports only, grouped by feature.
 *
 * @packageDocumentation
 */

// Errors, and the result shape shared by every request function

export {
  ConfigurationError,
  IdentityModelError,
  type IdentityModelErrorCode,
  ProviderUnavailableError,
  TokenUnavailableError,
  TokenValidationError,
  type TokenValidationErrorCode,
} from './errors.js'
export type { NetworkOptions } from './http/options.js'
export { type ErrorType, isUnavailable, type RequestFailure } from './http/result.js'

// Discovery, and the cache of provider metadata (discovery documents and key sets)

export type { DiscoveryDocument } from './discovery/document.js'
export {
  type DiscoveryDocumentResponse,
  type DiscoverySuccess,
  processDiscoveryResponse,
} from './discovery/fetch-document.js'
export type { DiscoveryPolicy } from './discovery/policy.js'
export {
  DiscoveryDocumentRequest,
  type DiscoveryDocumentRequestInit,
  getDiscoveryDocument,
} from './provider/get-discovery-document.js'
export {
  ProviderCache,
  type ProviderCacheEvent,
  type ProviderCacheOptions,
} from './provider/provider-cache.js'

// JWKS

export {
  getJwks,
  JwksRequest,
  type JwksRequestInit,
  type JwksResponse,
  processJwksResponse,
} from './jwks/get-jwks.js'
export type { JsonWebKey, JsonWebKeySet } from './jwks/key-set.js'

// Token validation: access tokens, ID tokens, logout tokens

export {
  type Claims,
  decodeUnverifiedJwt,
  type JwtHeader,
  type UnverifiedJwt,
} from './kernel/jws.js'
export {
  TokenValidationConfig,
  type TokenValidationConfigInit,
  type ValidationOptions,
} from './validation/config.js'
export {
  type IdTokenClaims,
  IdTokenValidationConfig,
  type IdTokenValidationConfigInit,
  validateIdToken,
} from './validation/id-token.js'
export {
  BACKCHANNEL_LOGOUT_EVENT,
  type LogoutTokenClaims,
  type LogoutTokenValidationConfigInit,
  validateLogoutToken,
} from './validation/logout-token.js'
export {
  createLogoutReplayCache,
  type LogoutReplayCacheOptions,
  type LogoutReplayCheck,
} from './validation/replay-checks.js'
export { validateToken } from './validation/validate-token.js'
export {
  VerifiedTokenCache,
  type VerifiedTokenCacheOptions,
} from './validation/verified-token-cache.js'

// Client authentication

export {
  type AuthenticatedRequestInit,
  type ExtraParameters,
  type PreparedPost,
  prepareAuthenticatedPost,
  sendAuthenticatedPost,
} from './client-auth/authenticated-post.js'
export type {
  AuthenticatedRequest,
  ClientAuthenticationMethod,
  ClientAuthStrategy,
  ClientCredentials,
} from './client-auth/methods.js'
export type { OutboundTarget, RequestDecorator } from './http/decorator.js'

// Token endpoint: one module per grant, and the token response they share

export {
  DEVICE_CODE_GRANT_TYPE,
  DeviceTokenRequest,
  type DeviceTokenRequestInit,
  type PollDeviceTokenInit,
  pollDeviceToken,
  requestDeviceToken,
} from './endpoints/device/token.js'
export {
  AuthorizationCodeTokenRequest,
  type AuthorizationCodeTokenRequestInit,
  authorizationCodeGrant,
  requestAuthorizationCodeToken,
} from './token/authorization-code.js'
export {
  ClientCredentialsTokenRequest,
  type ClientCredentialsTokenRequestInit,
  clientCredentialsGrant,
  requestClientCredentialsToken,
} from './token/client-credentials.js'
export {
  createJwtBearerAssertion,
  JWT_BEARER_GRANT_TYPE,
  type JwtBearerAssertionInit,
  JwtBearerTokenRequest,
  type JwtBearerTokenRequestInit,
  requestJwtBearerToken,
} from './token/jwt-bearer.js'
export {
  RefreshTokenRequest,
  type RefreshTokenRequestInit,
  refreshTokenGrant,
  requestRefreshToken,
} from './token/refresh.js'
export {
  createSingleFlightRefresh,
  type SingleFlightRefresh,
  type SingleFlightRefreshOptions,
} from './token/refresh-single-flight.js'
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
  tokenExchangeGrant,
} from './token/token-exchange.js'
export { requestToken, type TokenRequestInit } from './token/token-request.js'
export {
  processTokenResponse,
  type TokenResponse,
  type TokenSet,
  type TokenSuccess,
} from './token/token-response.js'

// Authorization requests (code flow with PKCE) and RP-initiated logout

export {
  type AuthorizationDetail,
  serializeAuthorizationDetails,
} from './authorization/authorization-details.js'
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
export { createEndSessionUrl, type EndSessionUrlInit } from './endpoints/end-session.js'

// Other endpoints: UserInfo, introspection, revocation, device authorization, registration

export {
  BackchannelAuthenticationRequest,
  type BackchannelAuthenticationRequestInit,
  type BackchannelAuthenticationResponse,
  CIBA_GRANT_TYPE,
  processBackchannelAuthenticationResponse,
  requestBackchannelAuthentication,
} from './endpoints/ciba/authentication.js'
export {
  type BackchannelNotification,
  type BackchannelTokenRequestInit,
  type PollBackchannelTokenInit,
  pollBackchannelAuthenticationToken,
  processBackchannelNotification,
  requestBackchannelAuthenticationToken,
} from './endpoints/ciba/token.js'
export {
  DeviceAuthorizationRequest,
  type DeviceAuthorizationRequestInit,
  type DeviceAuthorizationResponse,
  processDeviceAuthorizationResponse,
  requestDeviceAuthorization,
} from './endpoints/device/authorization.js'
export type { TokenIntrospectionSuccess } from './endpoints/introspection.js'
export {
  type IntrospectionClaims,
  introspectToken,
  type JwtIntrospectionExpectations,
  processIntrospectionResponse,
  processJwtIntrospectionResponse,
  TOKEN_INTROSPECTION_JWT_TYPE,
  TokenIntrospectionRequest,
  type TokenIntrospectionRequestInit,
  type TokenIntrospectionResponse,
} from './endpoints/introspection.js'
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
export {
  processRevocationResponse,
  revokeToken,
  TokenRevocationRequest,
  type TokenRevocationRequestInit,
  type TokenRevocationResponse,
} from './endpoints/revocation.js'
export type { TokenTypeHint } from './endpoints/token-form.js'
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
  getProtectedResourceMetadata,
  type ProtectedResourceMetadataDocument,
  type ProtectedResourceMetadataRequestInit,
  type ProtectedResourceMetadataResponse,
  processProtectedResourceMetadataResponse,
  protectedResourceMetadataUrl,
} from './resource-server/resource-metadata-client.js'

// Token manager, authorized fetch and the stores behind them (Redis: `identity-model/redis`)

export { MemoryStore, type MemoryStoreOptions } from './cache/memory-store.js'
export type { CacheStore, StoreLock } from './cache/store.js'
export {
  type AccessTokenSource,
  type AuthorizedFetch,
  type AuthorizedFetchOptions,
  createAuthorizedFetch,
} from './token-manager/authorized-fetch.js'
export {
  type GetAccessTokenOptions,
  TokenManager,
  type TokenManagerEvent,
  type TokenManagerOptions,
} from './token-manager/token-manager.js'
export {
  type GetUserAccessTokenOptions,
  type SignOutResult,
  type UserAccessTokenResult,
  type UserTokenEvent,
  type UserTokenFailure,
  UserTokenManager,
  type UserTokenManagerOptions,
} from './token-manager/user-token-manager.js'

// DPoP (RFC 9449): keys and proofs, DPoP-bound tokens (`dpop` on every token request), resource
// calls with proofs, and proof validation for servers

export { dpopDecorator } from './dpop/decorator.js'
export { type CreateDpopOptions, createDpop, type DpopHandle } from './dpop/handle.js'
export {
  DPOP_ALGORITHMS,
  type DpopAlgorithm,
  type DpopKeyPair,
  type DpopPrivateKey,
  dpopThumbprint,
  type GenerateDpopKeyPairOptions,
  generateDpopKeyPair,
  type PublicJwk,
} from './dpop/keys.js'
export {
  createDpopProof,
  DPOP_PROOF_TYPE,
  type DpopProofClaims,
  type DpopProofInit,
  dpopAccessTokenHash,
} from './dpop/proof.js'
export {
  createDpopNonces,
  type DpopNonceSource,
  type DpopNonces,
  type DpopNoncesOptions,
} from './dpop/server-nonces.js'
export { createDpopFetch, type DpopFetchOptions } from './token-manager/dpop-fetch.js'
export {
  type DpopProofClaimsSet,
  type DpopProofValidationOptions,
  type ValidatedDpopProof,
  validateDpopProof,
} from './validation/dpop-proof.js'
export {
  createDpopReplayCache,
  type DpopReplayCacheOptions,
  type DpopReplayCheck,
  type DpopReplayContext,
} from './validation/replay-checks.js'

// Resource-server core (adapters: `identity-model/express`, `/fastify`, `/web`, `/hono`)

export {
  authenticateBearer,
  type BearerAuthenticator,
  type BearerAuthOptions,
  type BearerOutcome,
  type BearerRefusal,
  type BearerSuccess,
  createBearerAuthenticator,
  type DpopAuthOptions,
  extractBearerToken,
  extractDpopToken,
  tokenScopes,
} from './resource-server/authenticate.js'
export {
  type BearerMethod,
  type BearerRequestParts,
  type Extraction,
  extractToken,
} from './resource-server/extract.js'
export {
  type ClaimValue,
  createScopeGuard,
  type GuardDenial,
  type GuardOptions,
  type ScopeGuardOptions,
} from './resource-server/guards.js'
export {
  IntrospectionCache,
  type IntrospectionCacheOptions,
  type IntrospectionEntry,
} from './resource-server/introspection-cache.js'
export type { IntrospectionOptions } from './resource-server/introspection-strategy.js'
export {
  type IssuerOptions,
  type IssuerResolver,
  type MultiTenantIssuerOptions,
  multiTenantIssuer,
} from './resource-server/issuers.js'
export {
  PROTECTED_RESOURCE_WELL_KNOWN,
  type ProtectedResourceMetadata,
  type ProtectedResourceMetadataInit,
  protectedResourceMetadata,
} from './resource-server/metadata.js'

// High-security profiles: PAR (RFC 9126), signed request objects (RFC 9101), JARM, mutual TLS
// (RFC 8705: client authentication, certificate-bound tokens), the FAPI 2.0 Security Profile

export { type JarmResponseOptions, processJarmResponse } from './authorization/jarm.js'
export type { RequestObjectOptions } from './authorization/request-object.js'
export {
  createSignedAuthorizationRequest,
  type SignedAuthorizationRequestInit,
} from './authorization/signed-authorization-request.js'
export {
  PushedAuthorizationRequest,
  type PushedAuthorizationRequestInit,
  type PushedAuthorizationResponse,
  type PushedAuthorizationSuccess,
  processPushedAuthorizationResponse,
  pushAuthorizationRequest,
} from './endpoints/par.js'
export {
  FAPI2_CLIENT_AUTH_METHODS,
  FAPI2_SIGNING_ALGORITHMS,
  type FapiAuthorizationRequestInput,
  type FapiClientConfigInput,
  type FapiDiscoveryInput,
  type FapiValidationResult,
  type SecurityProfile,
  validateFapiAuthorizationRequest,
  validateFapiClientConfig,
  validateFapiDiscovery,
} from './fapi/profile.js'
export { createTlsFetch } from './http/tls-fetch.js'
export type { TlsClientOptions } from './http/tls-options.js'
export {
  type ClientCertificate,
  certificateThumbprint,
  type MtlsOptions,
} from './resource-server/certificate-binding.js'
