/**
 * `validateIdToken`: every rule of OpenID Connect Core §3.1.3.7 on top of `validateToken`.
 *
 * @see OpenID Connect Core 1.0 §2, §3.1.3.7, §3.1.3.8, §12.2
 */
import { TokenValidationError } from '../errors.js'
import { checkProfile, FAPI2_SIGNING_ALGORITHMS, type SecurityProfile } from '../fapi/profile.js'
import { checkedLeeway, checkedNow, claimError as fail } from '../kernel/claims.js'
import { isCompactJwe } from '../kernel/jwe.js'
import { type Claims, decodeJws } from '../kernel/jws.js'
import { checkTyp, OTHER_JWT_TYPES } from '../kernel/typ.js'
import { DEFAULT_LEEWAY_SECONDS, type TokenValidationConfigInit } from './config.js'
import { type DecryptionOptions, decryptProviderJwt, validateProviderJwt } from './provider-jwt.js'
import { leftHalfHash } from './token-hash.js'

/** The claims of a validated ID token (OpenID Connect Core §2); other claims stay `unknown`. */
export interface IdTokenClaims extends Claims {
  readonly iss: string
  readonly sub: string
  readonly aud: string | readonly string[]
  readonly exp: number
  readonly iat: number
  /** When the user authenticated (seconds since the epoch). */
  readonly auth_time?: number
  readonly nonce?: string
  readonly acr?: string
  readonly amr?: readonly string[]
  readonly azp?: string
  readonly at_hash?: string
  readonly c_hash?: string
  /** The provider's session id (Front- and Back-Channel Logout). */
  readonly sid?: string
}

/**
 * What {@link validateIdToken} checks against: a `TokenValidationConfig` plus the client's view.
 * `audience` is ignored (the audience of an ID token is `clientId`); `verifyIss`, `verifyAud`,
 * `requireExp` and `requireIat` are always on.
 */
export interface IdTokenValidationConfigInit extends TokenValidationConfigInit, DecryptionOptions {
  /** Your client id: the ID token's `aud` must contain it, and `azp`, when present, equal it. */
  clientId: string
  /**
   * The `nonce` sent in the authorization request (from `createAuthorizationRequest`). Required
   * as a key so it cannot be forgotten: pass `undefined` explicitly only for an ID token that
   * answers no authorization request (a refresh, OpenID Connect Core §12.2).
   */
  nonce: string | undefined
  /** The `max_age` sent in the authorization request: `auth_time` is then required and checked. */
  maxAge?: number | undefined
  /** Require `auth_time` even without `maxAge` (you asked for it in the `claims` parameter). */
  requireAuthTime?: boolean | undefined
  /** The access token issued with the ID token: checked against `at_hash` when the token has one. */
  accessToken?: string | undefined
  /** The authorization code: checked against `c_hash` when the token has one (hybrid flow). */
  code?: string | undefined
  /**
   * Audiences besides `clientId` you trust in a multi-audience ID token. When set, any other
   * audience rejects the token (§3.1.3.7 rule 3); unset, other audiences are tolerated as long as
   * `azp` names your client.
   */
  trustedAudiences?: readonly string[] | undefined
  /**
   * The client secret, to verify HS256/HS384/HS512 ID tokens with (OpenID Connect Core §10.1).
   * Set it only for a client registered with an HMAC `id_token_signed_response_alg`; without it
   * an HMAC-signed ID token is refused (`unsupported_alg`).
   */
  clientSecret?: string | undefined
  /**
   * The client's private encryption key(s), for a client registered with
   * `id_token_encrypted_response_alg` (OpenID Connect Core §10.2): the ID token is then a JWE
   * (RSA-OAEP-256, ECDH-ES, ECDH-ES+A128KW/A192KW/A256KW; A*GCM, A*CBC-HS*) around the signed
   * token, which is validated as usual. With a `decryptionKey` set, an ID token that is not
   * encrypted is refused (`malformed`): the provider was told to encrypt it.
   */
  decryptionKey?: DecryptionOptions['decryptionKey']
  /**
   * `'fapi2'`: accept only the FAPI 2.0 algorithms (PS256, ES256, EdDSA) unless `algorithms`
   * narrows them further.
   */
  profile?: SecurityProfile | undefined
}

/**
 * ID token validation settings, for readers coming from py-identity-model; a plain object of the
 * same shape works everywhere it does.
 */
// The interface gives the class its fields (see TokenValidationConfig).
export interface IdTokenValidationConfig extends IdTokenValidationConfigInit {}
// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: the fields come from the interface by design.
export class IdTokenValidationConfig {
  constructor(init: IdTokenValidationConfigInit) {
    Object.assign(this, init)
  }
}

/**
 * Validates an ID token and resolves to its claims. On top of `validateToken` (signature with
 * the provider's keys, key rotation, `alg: none` refused, `iss`, `exp`, `iat` required, `nbf`),
 * it applies OpenID Connect Core §3.1.3.7:
 * `aud` contains `clientId`; several audiences need `azp`; `azp`, when present, is `clientId`;
 * `nonce` equals the one sent; `sub` is present; `auth_time` is present and recent enough when
 * `maxAge` (or `requireAuthTime`) is given; `at_hash` and `c_hash`, when present, match the
 * `accessToken` and `code` given. An HMAC-signed ID token is verified with `clientSecret` only.
 * An encrypted ID token (a JWE, OpenID Connect Core §10.2) is decrypted with `decryptionKey`
 * first.
 *
 * > **Warning:** always pass the `nonce` of the authorization request: it is what ties the
 * > ID token to this browser's sign-in and stops a stolen ID token being replayed.
 *
 * @example
 * ```ts
 * const claims = await validateIdToken(tokens.token.id_token!, {
 *   performDisco: true,
 *   clientId: 'web-app',
 *   nonce: session.signIn.nonce,
 *   accessToken: tokens.token.access_token,
 * }, 'https://id.example.com')
 * console.log(claims.sub, claims.auth_time)
 * ```
 * @see OpenID Connect Core 1.0 §3.1.3.7, §3.1.3.8 (at_hash), §10.1 (HMAC with the client secret)
 * @throws {@link TokenValidationError} (`claim` names the failing claim), as `validateToken`,
 *   and `decryption` for an encrypted ID token that does not decrypt with `decryptionKey`;
 *   {@link ProviderUnavailableError}; {@link ConfigurationError}; `TypeError` for a missing
 *   `clientId`, a missing `nonce` key or a bad `maxAge`.
 */
export async function validateIdToken(
  idToken: string,
  config: IdTokenValidationConfigInit,
  discoDocAddress?: string,
): Promise<IdTokenClaims> {
  if (config === null || typeof config !== 'object') {
    throw new TypeError('validateIdToken needs a config with clientId and nonce')
  }
  const { clientId, maxAge } = config
  if (typeof clientId !== 'string' || clientId.length === 0) {
    throw new TypeError('clientId is required: the ID token audience')
  }
  if (!('nonce' in config)) {
    throw new TypeError(
      'nonce is required: the nonce of the authorization request (nonce: undefined only for an ID token from a refresh)',
    )
  }
  if (maxAge !== undefined && !(Number.isFinite(maxAge) && maxAge >= 0)) {
    throw new TypeError('maxAge must be a number of seconds >= 0')
  }
  let jws = idToken
  if (isCompactJwe(idToken)) {
    jws = ((await decryptProviderJwt(idToken, config, 'ID token', false)) as { jws: string }).jws
  } else if (config.decryptionKey !== undefined) {
    throw new TokenValidationError(
      'malformed',
      'the ID token is not encrypted, but a decryptionKey is configured: the provider should encrypt it (id_token_encrypted_response_alg)',
    )
  }
  const header = decodeJws(jws).header
  checkTyp(header, { reject: OTHER_JWT_TYPES }, 'ID token')

  const {
    clientId: _clientId,
    maxAge: _maxAge,
    requireAuthTime,
    accessToken,
    code,
    trustedAudiences,
    clientSecret,
    decryptionKey: _decryptionKey,
    decryptionAlgorithms: _decryptionAlgorithms,
    encryptionAlgorithms: _encryptionAlgorithms,
    profile,
    ...base
  } = config
  if (checkProfile(profile)) {
    base.algorithms = (base.algorithms ?? FAPI2_SIGNING_ALGORITHMS).filter((alg) =>
      FAPI2_SIGNING_ALGORITHMS.includes(alg),
    )
  }
  const claims = await validateProviderJwt(
    jws,
    header,
    {
      ...base,
      audience: clientId,
      nonce: config.nonce,
      options: {
        ...config.options,
        verifyIss: true,
        verifyAud: true,
        requireExp: true,
        requireIat: true,
      },
    },
    clientSecret,
    discoDocAddress,
    'ID token',
  )

  if (typeof claims.sub !== 'string' || claims.sub.length === 0) {
    throw fail('sub', 'the ID token has no "sub" claim (OpenID Connect Core §2 requires it)')
  }
  checkAudience(claims, clientId, trustedAudiences)
  const now = checkedNow(config.currentDate)
  const leeway = checkedLeeway(config.leeway, DEFAULT_LEEWAY_SECONDS)
  checkAuthTime(claims, maxAge, requireAuthTime === true, now, leeway)
  checkHash(claims, 'at_hash', accessToken, header.alg, 'access token')
  checkHash(claims, 'c_hash', code, header.alg, 'authorization code')
  return claims as IdTokenClaims
}

/** §3.1.3.7 rules 3-5 (`aud` itself was checked by validateToken). */
function checkAudience(
  claims: Claims,
  clientId: string,
  trusted: readonly string[] | undefined,
): void {
  const audiences = typeof claims.aud === 'string' ? [claims.aud] : (claims.aud ?? [])
  if (trusted !== undefined) {
    const untrusted = audiences.filter((aud) => aud !== clientId && !trusted.includes(aud))
    if (untrusted.length > 0) {
      throw fail(
        'aud',
        `the ID token also names audiences you do not trust: ${untrusted.join(', ')}`,
      )
    }
  }
  if (claims.azp !== undefined && claims.azp !== clientId) {
    throw fail(
      'azp',
      `the ID token was issued to client ${String(claims.azp)} (azp), not ${clientId}`,
    )
  }
  if (audiences.length > 1 && claims.azp === undefined) {
    throw fail('azp', 'the ID token has several audiences but no "azp" naming the authorized party')
  }
}

/** §3.1.3.7 rule 13: `auth_time` with `max_age`. */
function checkAuthTime(
  claims: Claims,
  maxAge: number | undefined,
  required: boolean,
  now: number,
  leeway: number,
): void {
  const authTime = claims.auth_time
  if (authTime === undefined) {
    if (maxAge !== undefined || required) {
      throw fail(
        'auth_time',
        maxAge !== undefined
          ? 'the ID token has no "auth_time" although max_age was requested'
          : 'the ID token has no "auth_time", which was requested',
      )
    }
    return
  }
  if (typeof authTime !== 'number' || !Number.isFinite(authTime)) {
    throw fail('auth_time', 'the "auth_time" claim is not a number')
  }
  if (authTime > now + leeway) {
    throw fail(
      'auth_time',
      `the user authenticated ${Math.round(authTime - now)} s in the future (check the clock)`,
    )
  }
  if (maxAge !== undefined && now - leeway > authTime + maxAge) {
    throw fail(
      'auth_time',
      `the user authenticated ${Math.round(now - authTime)} s ago, longer than max_age ${maxAge} s: ask for a fresh sign-in`,
    )
  }
}

/** §3.1.3.8 / §3.3.2.11: the left-half hash claims, where the token and the value are both there. */
function checkHash(
  claims: Claims,
  name: 'at_hash' | 'c_hash',
  value: string | undefined,
  alg: string,
  what: string,
): void {
  const claimed = claims[name]
  if (claimed === undefined || value === undefined) return
  if (typeof claimed !== 'string') throw fail(name, `the "${name}" claim is not a string`)
  const expected = leftHalfHash(value, alg)
  if (expected === undefined) {
    throw fail(name, `cannot check "${name}": no hash is defined for algorithm ${alg}`)
  }
  if (claimed !== expected) {
    throw fail(name, `"${name}" does not match the ${what} issued with the ID token`)
  }
}
