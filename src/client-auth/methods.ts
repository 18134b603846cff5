/**
 * Client authentication at the token endpoint (and at introspection, revocation, PAR), one
 * strategy per method.
 *
 * @see RFC 6749 §2.3, OpenID Connect Core §9, RFC 7523 §2.2
 */
import type { KeyObject } from 'node:crypto'
import { randomUUID } from 'node:crypto'
import { importJWK, type JWK, SignJWT } from 'jose'

/** How the client proves its identity. */
export type ClientAuthenticationMethod =
  | 'client_secret_basic'
  | 'client_secret_post'
  | 'client_secret_jwt'
  | 'private_key_jwt'
  | 'none'

/** The client's credentials, as every token-endpoint request takes them. */
export interface ClientCredentials {
  clientId?: string | undefined
  /** The client secret, for `client_secret_basic`, `client_secret_post` and `client_secret_jwt`. */
  clientSecret?: string | undefined
  /**
   * How to authenticate; default `client_secret_basic` when a secret is given, `private_key_jwt`
   * when a `privateKey` is, `none` otherwise.
   */
  clientAuthentication?: ClientAuthenticationMethod | undefined
  /** The private key for `private_key_jwt`: a private JWK (with `alg` or `kid` as needed) or a `KeyObject`. */
  privateKey?: JWK | KeyObject | undefined
  /**
   * The JWS algorithm of the client assertion (default: HS256 for `client_secret_jwt`; for
   * `private_key_jwt` the JWK's `alg`, else the one the key's type implies: ES256/384/512 by
   * curve, EdDSA, RS256).
   */
  clientAssertionAlg?: string | undefined
}

/** What a strategy may add to the outgoing request. */
export interface AuthenticatedRequest {
  readonly headers: Record<string, string>
  readonly body: URLSearchParams
}

/** One client-authentication method. `audience` is the endpoint (or issuer) the client talks to. */
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

/** Builds the RFC 7523 client assertion claims: `iss` = `sub` = client id, `aud` the endpoint. */
function assertion(clientId: string, audience: string): SignJWT {
  return new SignJWT({})
    .setIssuer(clientId)
    .setSubject(clientId)
    .setAudience(audience)
    .setJti(randomUUID())
    .setIssuedAt()
    .setExpirationTime('60s')
}

const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'

export const CLIENT_AUTH_STRATEGIES: Readonly<
  Record<ClientAuthenticationMethod, ClientAuthStrategy>
> = {
  client_secret_basic(credentials, request) {
    // RFC 6749 §2.3.1: both parts are form-urlencoded before the Basic encoding, so a secret with
    // ':', '%', '+' or spaces survives the trip.
    const secret = requireSecret(credentials, 'client_secret_basic')
    const pair = `${formUrlEncode(credentials.clientId)}:${formUrlEncode(secret)}`
    request.headers.authorization = `Basic ${Buffer.from(pair).toString('base64')}`
  },
  client_secret_post(credentials, request) {
    request.body.set('client_id', credentials.clientId)
    request.body.set('client_secret', requireSecret(credentials, 'client_secret_post'))
  },
  async client_secret_jwt(credentials, request, audience) {
    const secret = new TextEncoder().encode(requireSecret(credentials, 'client_secret_jwt'))
    const alg = credentials.clientAssertionAlg ?? 'HS256'
    const jwt = await assertion(credentials.clientId, audience)
      .setProtectedHeader({ alg })
      .sign(secret)
    request.body.set('client_id', credentials.clientId)
    request.body.set('client_assertion_type', ASSERTION_TYPE)
    request.body.set('client_assertion', jwt)
  },
  async private_key_jwt(credentials, request, audience) {
    const key = credentials.privateKey
    if (key === undefined) throw new TypeError('private_key_jwt needs a privateKey')
    const jwk = isKeyObject(key) ? undefined : key
    const alg = credentials.clientAssertionAlg ?? defaultSigningAlg(key)
    const signingKey = jwk ? await importJWK(jwk, alg) : key
    const header = jwk?.kid === undefined ? { alg } : { alg, kid: jwk.kid }
    const jwt = await assertion(credentials.clientId, audience)
      .setProtectedHeader(header)
      .sign(signingKey as KeyObject)
    request.body.set('client_id', credentials.clientId)
    request.body.set('client_assertion_type', ASSERTION_TYPE)
    request.body.set('client_assertion', jwt)
  },
  none(credentials, request) {
    request.body.set('client_id', credentials.clientId)
  },
}

const CURVE_ALGS: Readonly<Record<string, string>> = {
  'P-256': 'ES256',
  'P-384': 'ES384',
  'P-521': 'ES512',
  prime256v1: 'ES256',
  secp384r1: 'ES384',
  secp521r1: 'ES512',
  Ed25519: 'EdDSA',
  Ed448: 'EdDSA',
  ed25519: 'EdDSA',
  ed448: 'EdDSA',
}

/**
 * The JWS algorithm of a private key when the caller names none: the JWK's `alg`, else the one
 * its type and curve imply (RFC 7518 §3.1, RFC 8037 §3.1); RS256 for RSA.
 */
function defaultSigningAlg(key: JWK | KeyObject): string {
  if (!isKeyObject(key)) return key.alg ?? CURVE_ALGS[key.crv ?? ''] ?? 'RS256'
  const type = key.asymmetricKeyType
  const curve = type === 'ec' ? key.asymmetricKeyDetails?.namedCurve : type
  return CURVE_ALGS[curve ?? ''] ?? (type === 'rsa-pss' ? 'PS256' : 'RS256')
}

function isKeyObject(key: JWK | KeyObject): key is KeyObject {
  return typeof (key as KeyObject).export === 'function'
}

/** The method to use when the caller did not say. */
export function defaultMethod(credentials: ClientCredentials): ClientAuthenticationMethod {
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
  const strategy = Object.hasOwn(CLIENT_AUTH_STRATEGIES, method)
    ? CLIENT_AUTH_STRATEGIES[method]
    : undefined
  if (!strategy) throw new TypeError(`unknown clientAuthentication "${String(method)}"`)
  await strategy({ ...credentials, clientId }, request, audience)
}
