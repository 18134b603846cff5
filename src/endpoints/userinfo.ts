/**
 * The UserInfo endpoint (OpenID Connect Core §5.3): claims about the signed-in user, as JSON or
 * as a signed JWT.
 */
import { optionalDpopDecorator } from '../dpop/decorator.js'
import type { DpopHandle } from '../dpop/handle.js'
import { errorResponseFailure, isFailure, type JsonObject, readJsonObject } from '../http/json.js'
import type { NetworkOptions } from '../http/options.js'
import { callProtectedResource } from '../http/protected-resource.js'
import { failure, type NoFailure, type RequestFailure } from '../http/result.js'
import { send } from '../http/send.js'
import { parseBearerChallenge } from '../http/www-authenticate.js'
import { parseHttpUrl } from '../internal/url.js'
import { isCompactJwe } from '../kernel/jwe.js'
import { decodeJws } from '../kernel/jws.js'
import type { TokenValidationConfigInit } from '../validation/config.js'
import { validationFailure } from '../validation/failure.js'
import {
  type DecryptionOptions,
  decryptProviderJwt,
  validateProviderJwt,
} from '../validation/provider-jwt.js'

/** The standard claims (OpenID Connect Core §5.1), wire names; other claims stay `unknown`. */
export interface UserInfoClaims {
  readonly sub: string
  readonly name?: string
  readonly given_name?: string
  readonly family_name?: string
  readonly middle_name?: string
  readonly nickname?: string
  readonly preferred_username?: string
  readonly profile?: string
  readonly picture?: string
  readonly website?: string
  readonly email?: string
  readonly email_verified?: boolean
  readonly gender?: string
  readonly birthdate?: string
  readonly zoneinfo?: string
  readonly locale?: string
  readonly phone_number?: string
  readonly phone_number_verified?: boolean
  readonly address?: {
    readonly formatted?: string
    readonly street_address?: string
    readonly locality?: string
    readonly region?: string
    readonly postal_code?: string
    readonly country?: string
    readonly [member: string]: unknown
  }
  /** Seconds since the epoch. */
  readonly updated_at?: number
  readonly [claim: string]: unknown
}

/**
 * How to verify a signed UserInfo response (`application/jwt`, OpenID Connect Core §5.3.2):
 * the provider's keys (discovery, or a static `key`), `iss` = the provider, `aud` = `clientId`;
 * `exp` and `iat` are not required (checked when present).
 */
export interface UserInfoJwtValidation extends Omit<TokenValidationConfigInit, 'audience'> {
  /** Your client id: the response's `aud` must contain it. */
  clientId: string
  /** The discovery address, in discovery mode (`performDisco: true`). */
  discoDocAddress?: string | undefined
  /** The client secret, for an HMAC-signed response (OpenID Connect Core §10.1). */
  clientSecret?: string | undefined
}

/** The result of {@link getUserInfo}. */
export type UserInfoResponse =
  | ({
      readonly isSuccessful: true
      readonly claims: UserInfoClaims
      /** The claims as received (the JWT payload for a signed response). */
      readonly raw: Readonly<JsonObject>
      /** The signed (or encrypted) response itself, when the endpoint answered `application/jwt`. */
      readonly jwt?: string
      readonly httpStatus: number
    } & NoFailure)
  | (RequestFailure & {
      readonly claims?: undefined
      /** The `WWW-Authenticate` challenge of a 401 or 403, verbatim. */
      readonly wwwAuthenticate?: string
    })

/** What `getUserInfo` takes (OpenID Connect Core §5.3): the endpoint, the access token and the checks to apply. */
export interface UserInfoRequestInit extends NetworkOptions, DecryptionOptions {
  /** The `userinfo_endpoint`. */
  address?: string | undefined
  /** The access token (sent as `Authorization: Bearer`, or `DPoP` with `dpop`). */
  token?: string | undefined
  /**
   * The DPoP handle a DPoP-bound access token is bound to (RFC 9449 §7): the request then
   * carries `Authorization: DPoP <token>` with a proof, and a `use_dpop_nonce` answer is retried
   * once with the server's nonce.
   */
  dpop?: DpopHandle | undefined
  /**
   * The `sub` of the validated ID token: a UserInfo response about anyone else is refused
   * (`errorType: 'policy'`, OpenID Connect Core §5.3.2). Always pass it after a sign-in.
   */
  expectedSubject?: string | undefined
  /** Accept and verify a signed (`application/jwt`) response; without it one is refused. */
  signedResponse?: UserInfoJwtValidation | undefined
  /**
   * The client's private encryption key(s), for a client registered with
   * `userinfo_encrypted_response_alg` (OpenID Connect Core §5.3.2): the response is then a JWE
   * around a signed JWT (verified with `signedResponse`) or around the JSON claims. With a
   * `decryptionKey` set, a response that is not encrypted is refused (`policy`).
   */
  decryptionKey?: DecryptionOptions['decryptionKey']
}

/** A UserInfo request, for readers coming from py-identity-model; a plain object works as well. */
// The interface gives the class its fields, so they are exactly the init type's and the class
// stays without behaviour; instances carry only the members that were passed.
export interface UserInfoRequest extends UserInfoRequestInit {}
// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: the fields come from the interface by design.
export class UserInfoRequest {
  constructor(init: UserInfoRequestInit) {
    Object.assign(this, init)
  }
}

/** What the process step checks against. */
export interface UserInfoExpectations extends DecryptionOptions {
  readonly expectedSubject?: string | undefined
  readonly signedResponse?: UserInfoJwtValidation | undefined
}

/**
 * Fetches the claims of the user an access token was issued for: a GET with
 * `Authorization: Bearer` (or `DPoP` with a proof, for a DPoP-bound token and its `dpop` handle). The answer must carry `sub`, equal to `expectedSubject` when given;
 * a signed answer is verified with the provider's keys when `signedResponse` says how.
 *
 * @example
 * ```ts
 * const userInfo = await getUserInfo({
 *   address: disco.userinfoEndpoint, token: tokens.token.access_token, expectedSubject: idClaims.sub,
 * })
 * if (userInfo.isSuccessful) console.log(userInfo.claims.email)
 * else if (userInfo.httpStatus === 401) console.log('token refused:', userInfo.error, userInfo.wwwAuthenticate)
 * ```
 * @see OpenID Connect Core 1.0 §5.3, §5.3.2 (sub check, signed responses), RFC 6750 §2.1, §3
 * @throws TypeError when `address` or `token` is missing.
 */
export async function getUserInfo(request: UserInfoRequestInit): Promise<UserInfoResponse> {
  const url = parseHttpUrl(request.address, 'address')
  if (typeof request.token !== 'string' || request.token.length === 0) {
    throw new TypeError('token is required (the access token)')
  }
  const response = await callProtectedResource({
    htm: 'GET',
    htu: url,
    token: request.token,
    decorator: optionalDpopDecorator(request.dpop),
    transmit: (headers) =>
      send(
        {
          url,
          method: 'GET',
          headers: { accept: 'application/json, application/jwt', ...headers },
        },
        request,
      ),
  })
  if (isFailure(response)) return response
  return processUserInfoResponse(response, request)
}

/**
 * The process step: a UserInfo response to its result. A 401 or 403 keeps its
 * `WWW-Authenticate` challenge (its `error` becomes a `protocol` failure); a body without `sub`
 * is an `invalid_response`; a `sub` other than `expectedSubject` a `policy` failure; a signed
 * body that does not verify an `invalid_response` (the validation error as `cause`).
 *
 * @example
 * ```ts
 * const result = await processUserInfoResponse(new Response('{"sub":"alice"}'), { expectedSubject: 'alice' })
 * ```
 * @see OpenID Connect Core 1.0 §5.3.2, §5.3.3; RFC 6750 §3
 */
export async function processUserInfoResponse(
  response: Response,
  expectations: UserInfoExpectations = {},
): Promise<UserInfoResponse> {
  if (response.status !== 200) return errorFailure(response)
  const contentType = (response.headers.get('content-type') ?? '')
    .split(';')[0]!
    .trim()
    .toLowerCase()
  let claims: JsonObject
  let jwt: string | undefined
  if (contentType === 'application/jwt') {
    jwt = (await response.text()).trim()
    const opened = await openResponse(jwt, expectations)
    if (isFailure(opened)) return opened
    claims = opened
  } else if (expectations.decryptionKey !== undefined) {
    await response.body?.cancel().catch(() => {})
    return failure(
      'policy',
      'the UserInfo response is not encrypted, but a decryptionKey is configured: the provider should encrypt it (userinfo_encrypted_response_alg)',
      { httpStatus: 200 },
    )
  } else {
    const json = await readJsonObject(response, 'the UserInfo response')
    if (isFailure(json)) return json
    claims = json
  }
  if (typeof claims.sub !== 'string' || claims.sub.length === 0) {
    return failure('invalid_response', 'the UserInfo response has no "sub"', { httpStatus: 200 })
  }
  const expected = expectations.expectedSubject
  if (expected !== undefined && claims.sub !== expected) {
    return failure(
      'policy',
      `the UserInfo response is about subject ${claims.sub}, not the signed-in ${expected} (OpenID Connect Core §5.3.2): do not use it`,
      { httpStatus: 200 },
    )
  }
  return {
    isSuccessful: true,
    claims: claims as UserInfoClaims,
    raw: claims,
    ...(jwt === undefined ? {} : { jwt }),
    httpStatus: 200,
  }
}

async function errorFailure(response: Response): Promise<UserInfoResponse> {
  const header = response.headers.get('www-authenticate')
  const base = await errorResponseFailure(response, 'the UserInfo endpoint')
  if (header === null) return base
  const challenge = parseBearerChallenge(header)
  const error = challenge?.error
  if (error !== undefined && error.length > 0) {
    return {
      ...failure('protocol', error, {
        httpStatus: response.status,
        errorDescription: challenge?.error_description,
        errorUri: challenge?.error_uri,
      }),
      wwwAuthenticate: header,
    }
  }
  return { ...base, wwwAuthenticate: header }
}

/** An `application/jwt` answer: decrypted when it is a JWE, then verified when it is signed. */
async function openResponse(
  jwt: string,
  expectations: UserInfoExpectations,
): Promise<JsonObject | RequestFailure> {
  if (!isCompactJwe(jwt)) {
    if (expectations.decryptionKey !== undefined) {
      return failure(
        'policy',
        'the UserInfo response is not encrypted, but a decryptionKey is configured: the provider should encrypt it (userinfo_encrypted_response_alg)',
        { httpStatus: 200 },
      )
    }
    return verifySigned(jwt, expectations.signedResponse)
  }
  let content: Awaited<ReturnType<typeof decryptProviderJwt>>
  try {
    content = await decryptProviderJwt(jwt, expectations, 'UserInfo response', true)
  } catch (error) {
    return validationFailure(error, 'the encrypted UserInfo response')
  }
  return content.kind === 'json'
    ? content.json
    : verifySigned(content.jws, expectations.signedResponse)
}

async function verifySigned(
  jwt: string,
  validation: UserInfoJwtValidation | undefined,
): Promise<JsonObject | RequestFailure> {
  if (validation === undefined) {
    return failure(
      'policy',
      'the UserInfo endpoint answered with a signed JWT, but no signedResponse validation is configured to verify it',
      { httpStatus: 200 },
    )
  }
  const { clientId, discoDocAddress, clientSecret, ...config } = validation
  if (typeof clientId !== 'string' || clientId.length === 0) {
    throw new TypeError(
      'signedResponse.clientId is required: the audience of the signed UserInfo response',
    )
  }
  try {
    const header = decodeJws(jwt).header
    return await validateProviderJwt(
      jwt,
      header,
      {
        ...config,
        audience: clientId,
        options: {
          ...config.options,
          verifyIss: true,
          verifyAud: true,
          requireExp: false,
          requireIat: false,
        },
      },
      clientSecret,
      discoDocAddress,
      'UserInfo response',
    )
  } catch (error) {
    return validationFailure(error, 'the signed UserInfo response')
  }
}
