/**
 * Client authentication at the token endpoint (and at introspection, revocation, PAR), one
 * strategy per method.
 *
 * @see RFC 6749 §2.3, OpenID Connect Core §9, RFC 7523 §2.2 and §3, RFC 8705 §2
 */
import type { TlsClientOptions } from '../http/tls-options.js'
import { encodeBase64 } from '../kernel/encoding.js'
import type { PrivateKeyInput } from '../kernel/types.js'
import { hmacAssertion, JWT_BEARER_ASSERTION_TYPE, privateKeyAssertion } from './assertion.js'

/** How the client proves its identity. */
export type ClientAuthenticationMethod =
  | 'client_secret_basic'
  | 'client_secret_post'
  | 'client_secret_jwt'
  | 'private_key_jwt'
  | 'tls_client_auth'
  | 'self_signed_tls_client_auth'
  | 'none'

/** The client's credentials, as every token-endpoint request takes them. */
export interface ClientCredentials {
  clientId?: string | undefined
  /** The client secret, for `client_secret_basic`, `client_secret_post` and `client_secret_jwt`. */
  clientSecret?: string | undefined
  /**
   * How to authenticate: a method's name, or a function that adds your own authentication to
   * the request (a {@link ClientAuthStrategy}: a header, form fields, an assertion signed by a
   * key service). Default `client_secret_basic` when a secret is given, `private_key_jwt` when a
   * `privateKey` is, `none` otherwise.
   *
   * @example
   * ```ts
   * clientAuthentication: async (client, request, audience) => {
   *   request.body.set('client_id', client.clientId)
   *   request.body.set('client_assertion_type', 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer')
   *   request.body.set('client_assertion', await myKms.signAssertion({ sub: client.clientId, aud: audience }))
   * }
   * ```
   */
  clientAuthentication?: ClientAuthenticationMethod | ClientAuthStrategy | undefined
  /**
   * The private key for `private_key_jwt`: a private JWK (its `kid` goes into the assertion's
   * header), a private `KeyObject` (Node.js) or a private `CryptoKey`.
   */
  privateKey?: PrivateKeyInput | undefined
  /**
   * The JWS algorithm of the client assertion. Default for `client_secret_jwt`: HS256; for
   * `private_key_jwt`: the JWK's `alg`, else what the key type implies (RSA → RS256,
   * P-256 → ES256, P-384 → ES384, P-521 → ES512, Ed25519 → EdDSA).
   */
  clientAssertionAlg?: string | undefined
  /**
   * The `aud` of the client assertion. Default: the URL of the endpoint being called, the value
   * OpenID Connect Core §9 recommends and the only party that receives the assertion. Set it to
   * the issuer identifier for providers that want that (Auth0; the RFC 7523 update).
   */
  clientAssertionAudience?: string | readonly string[] | undefined
  /**
   * A TLS client certificate (PEM `cert` and `key`) presented on the connection, and the CAs to
   * trust for the server (`ca`). Required by `tls_client_auth` (a certificate the provider's CA
   * issued) and `self_signed_tls_client_auth` (a certificate registered in the client's JWKS),
   * RFC 8705 §2; with any other method, it binds the tokens to the certificate when the provider
   * issues certificate-bound tokens (§3). Send such requests to the provider's
   * `mtlsEndpointAliases` when it has them. Node.js (and Bun, Deno) only: elsewhere it is a
   * `ConfigurationError`. Not combinable with a custom `fetch`.
   */
  tls?: TlsClientOptions | undefined
}

/** What a strategy may add to the outgoing request. */
export interface AuthenticatedRequest {
  readonly headers: Record<string, string>
  readonly body: URLSearchParams
}

/**
 * One client-authentication method: adds to the outgoing request's headers and form body.
 * `audience` is the endpoint the client talks to (the default `aud` of a client assertion).
 */
export type ClientAuthStrategy = (
  credentials: ClientCredentials & { clientId: string },
  request: AuthenticatedRequest,
  audience: string,
) => void | Promise<void>

/** `application/x-www-form-urlencoded` encoding of one value (RFC 6749 Appendix B). */
export function formUrlEncode(value: string): string {
  return new URLSearchParams([['', value]]).toString().slice(1)
}

function requireSecret(credentials: ClientCredentials, method: string): string {
  if (typeof credentials.clientSecret !== 'string' || credentials.clientSecret.length === 0) {
    throw new TypeError(`${method} needs a clientSecret`)
  }
  return credentials.clientSecret
}

function assertionClaims(credentials: ClientCredentials & { clientId: string }, audience: string) {
  return {
    clientId: credentials.clientId,
    audience: credentials.clientAssertionAudience ?? audience,
    now: Math.floor(Date.now() / 1000),
  }
}

function sendAssertion(request: AuthenticatedRequest, clientId: string, assertion: string): void {
  // RFC 7521 §4.2: client_id is optional beside an assertion; sending it lets the server find
  // the client before it parses the JWT, and every server we know accepts it.
  request.body.set('client_id', clientId)
  request.body.set('client_assertion_type', JWT_BEARER_ASSERTION_TYPE)
  request.body.set('client_assertion', assertion)
}

/** The strategies, by method name. */
export const CLIENT_AUTH_STRATEGIES: Readonly<
  Record<ClientAuthenticationMethod, ClientAuthStrategy>
> = {
  client_secret_basic(credentials, request) {
    // RFC 6749 §2.3.1: both parts are form-urlencoded before the Basic encoding, so a secret with
    // ':', '%', '+' or spaces survives the trip.
    const secret = requireSecret(credentials, 'client_secret_basic')
    const pair = `${formUrlEncode(credentials.clientId)}:${formUrlEncode(secret)}`
    request.headers.authorization = `Basic ${encodeBase64(pair)}`
  },
  client_secret_post(credentials, request) {
    request.body.set('client_id', credentials.clientId)
    request.body.set('client_secret', requireSecret(credentials, 'client_secret_post'))
  },
  async client_secret_jwt(credentials, request, audience) {
    const secret = requireSecret(credentials, 'client_secret_jwt')
    const jwt = await hmacAssertion(
      assertionClaims(credentials, audience),
      secret,
      credentials.clientAssertionAlg,
    )
    sendAssertion(request, credentials.clientId, jwt)
  },
  async private_key_jwt(credentials, request, audience) {
    const key = credentials.privateKey
    if (key === undefined || key === null) {
      throw new TypeError('private_key_jwt needs a privateKey')
    }
    const jwt = await privateKeyAssertion(
      assertionClaims(credentials, audience),
      key,
      credentials.clientAssertionAlg,
    )
    sendAssertion(request, credentials.clientId, jwt)
  },
  tls_client_auth(credentials, request) {
    requireCertificate(credentials, 'tls_client_auth')
    // RFC 8705 §2: the certificate authenticates; client_id says who claims it.
    request.body.set('client_id', credentials.clientId)
  },
  self_signed_tls_client_auth(credentials, request) {
    requireCertificate(credentials, 'self_signed_tls_client_auth')
    request.body.set('client_id', credentials.clientId)
  },
  none(credentials, request) {
    request.body.set('client_id', credentials.clientId)
  },
}

function requireCertificate(credentials: ClientCredentials, method: string): void {
  const tls = credentials.tls
  if (tls === undefined || tls === null || tls.cert === undefined || tls.key === undefined) {
    throw new TypeError(`${method} needs tls: { cert, key } (the client certificate, PEM)`)
  }
}

/** The method to use (a name, or the caller's own function); a default when the caller did not say. */
export function defaultMethod(
  credentials: ClientCredentials,
): ClientAuthenticationMethod | ClientAuthStrategy {
  if (credentials.clientAuthentication) return credentials.clientAuthentication
  if (credentials.clientSecret !== undefined) return 'client_secret_basic'
  if (credentials.privateKey !== undefined) return 'private_key_jwt'
  return 'none'
}

/**
 * Applies the client's authentication method to a request.
 *
 * @throws TypeError when the method is unknown or its credentials are missing.
 */
export async function authenticateClient(
  credentials: ClientCredentials,
  request: AuthenticatedRequest,
  audience: string,
): Promise<void> {
  const clientId = credentials.clientId
  if (typeof clientId !== 'string' || clientId.length === 0) {
    throw new TypeError('clientId is required')
  }
  const method = defaultMethod(credentials)
  const strategy =
    typeof method === 'function'
      ? method
      : Object.hasOwn(CLIENT_AUTH_STRATEGIES, method)
        ? CLIENT_AUTH_STRATEGIES[method]
        : undefined
  if (!strategy) throw new TypeError(`unknown clientAuthentication "${String(method)}"`)
  await strategy({ ...credentials, clientId }, request, audience)
}
