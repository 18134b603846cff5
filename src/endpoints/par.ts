/**
 * Pushed authorization requests (RFC 9126): the client posts the authorization request to the
 * provider over the back channel, authenticated, and sends the browser to the authorization
 * endpoint with only `client_id` and the `request_uri` it got back. Optionally as a signed
 * request object (RFC 9101), DPoP-bound (RFC 9449 §10), and under the FAPI 2.0 profile.
 *
 * @see RFC 9126 §2, RFC 9101 §5, RFC 9449 §10
 */
import {
  type AuthorizationRequestInit,
  buildAuthorizationParameters,
} from '../authorization/authorization-request.js'
import { type RequestObjectOptions, signRequestObject } from '../authorization/request-object.js'
import {
  type AuthenticatedRequestInit,
  sendAuthenticatedPost,
} from '../client-auth/authenticated-post.js'
import { optionalDpopDecorator } from '../dpop/decorator.js'
import type { DpopHandle } from '../dpop/handle.js'
import {
  assertCompliant,
  checkProfile,
  FAPI2_SIGNING_ALGORITHMS,
  fapiClientViolations,
  fapiResult,
  validateFapiAuthorizationRequest,
} from '../fapi/profile.js'
import { errorResponseFailure, isFailure, readJsonObject } from '../http/json.js'
import { failure, type NoFailure, type RequestFailure } from '../http/result.js'
import { parseHttpUrl } from '../internal/url.js'

/** What {@link pushAuthorizationRequest} takes. */
export interface PushedAuthorizationRequestInit
  extends Omit<AuthorizationRequestInit, 'clientId' | 'parameters'>,
    AuthenticatedRequestInit {
  /** The provider's `pushed_authorization_request_endpoint` (or its mTLS alias). */
  address?: string | undefined
  /**
   * Send the parameters as a request object signed with the client's key (RFC 9101): the PAR
   * body then carries `request` (and client authentication) only.
   */
  requestObject?: RequestObjectOptions | undefined
  /**
   * Bind the authorization code to this DPoP key (RFC 9449 §10): the request carries a DPoP
   * proof and `dpop_jkt`, and the code can only be redeemed with the same handle.
   */
  dpop?: DpopHandle | undefined
}

/**
 * A pushed authorization request, for readers coming from py-identity-model; a plain object
 * works as well.
 */
// The interface gives the class its fields, so they are exactly the init type's and the class
// stays without behaviour; instances carry only the members that were passed.
export interface PushedAuthorizationRequest extends PushedAuthorizationRequestInit {}
// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: the fields come from the interface by design.
export class PushedAuthorizationRequest {
  constructor(init: PushedAuthorizationRequestInit) {
    Object.assign(this, init)
  }
}

/** A pushed request accepted: where to send the browser, and what to keep until the callback. */
export interface PushedAuthorizationSuccess extends NoFailure {
  readonly isSuccessful: true
  /** The authorization endpoint with only `client_id` and `request_uri`: send the browser here. */
  readonly url: string
  readonly state: string
  readonly nonce: string
  readonly codeVerifier: string
  readonly codeChallenge: string
  /** The provider's reference to the pushed request (single use). */
  readonly requestUri: string
  /** Seconds the `requestUri` stays valid. */
  readonly expiresIn: number
}

/** What the PAR endpoint answers on success (RFC 9126 §2.2). */
export interface PushedRequestUri extends NoFailure {
  readonly isSuccessful: true
  readonly requestUri: string
  readonly expiresIn: number
}

/** The result of {@link pushAuthorizationRequest}. */
export type PushedAuthorizationResponse = PushedAuthorizationSuccess | RequestFailure

/**
 * Pushes an authorization request (RFC 9126) and returns the URL to send the browser to. Takes
 * what `createAuthorizationRequest` takes, plus the PAR endpoint as `address` and the client's
 * credentials (every client authentication method, mTLS included). Never retried (a POST),
 * except once for a DPoP nonce.
 *
 * With `profile: 'fapi2'` the request is refused before anything is sent (`ConfigurationError`
 * naming each reason) unless it meets the FAPI 2.0 Security Profile: `private_key_jwt` or mTLS
 * client authentication, a DPoP handle or a TLS client certificate, `response_type=code`, an
 * `https` redirect URI, and PS256/ES256/EdDSA for a request object.
 *
 * @example
 * ```ts
 * const par = await pushAuthorizationRequest({
 *   address: disco.pushedAuthorizationRequestEndpoint, authorizationEndpoint: disco.authorizationEndpoint,
 *   clientId: 'web-app', clientSecret, redirectUri: 'https://app.example.com/callback', scope: 'openid',
 * })
 * if (par.isSuccessful) {
 *   session.signIn = { state: par.state, nonce: par.nonce, codeVerifier: par.codeVerifier }
 *   response.redirect(par.url)
 * }
 * ```
 * @see RFC 9126 §2.1 (request), §2.2 (response), §4 (authorization request); RFC 9101 §5
 * @throws TypeError for a missing or invalid `address`, `authorizationEndpoint`, `clientId`,
 *   `redirectUri`, credentials or key; `ConfigurationError` for a FAPI 2.0 violation.
 */
export async function pushAuthorizationRequest(
  request: PushedAuthorizationRequestInit,
): Promise<PushedAuthorizationResponse> {
  if (request === null || typeof request !== 'object') {
    throw new TypeError('pushAuthorizationRequest needs an options object')
  }
  const authorizationUrl = parseHttpUrl(request.authorizationEndpoint, 'authorizationEndpoint')
  parseHttpUrl(request.address, 'address')
  const clientId = request.clientId
  if (typeof clientId !== 'string' || clientId.length === 0) {
    throw new TypeError('clientId is required')
  }
  const dpop = request.dpop
  if (dpop !== undefined && (dpop === null || typeof dpop.proof !== 'function')) {
    throw new TypeError('dpop must be a handle from createDpop()')
  }
  const fapi = checkProfile(request.profile)
  if (fapi) checkFapi(request)

  // Authorization parameters only: client authentication adds the client's own fields.
  const { address: _a, authorizationEndpoint: _e, ...init } = request
  const built = buildAuthorizationParameters({ ...init, clientId })
  if (dpop !== undefined) built.parameters.set('dpop_jkt', dpop.thumbprint)
  let body = built.parameters
  if (request.requestObject !== undefined) {
    const signed = await signRequestObject(
      built.parameters,
      clientId,
      request.requestObject,
      fapi ? FAPI2_SIGNING_ALGORITHMS : undefined,
    )
    // RFC 9126 §3: the request object replaces the parameters, beside client_id.
    body = new URLSearchParams({ client_id: clientId, request: signed.jwt })
  }
  // The extra parameters are in `body` (or the request object) already.
  const response = await sendAuthenticatedPost(
    { ...request, parameters: undefined },
    body,
    optionalDpopDecorator(dpop),
  )
  if (isFailure(response)) return response
  const pushed = await processPushedAuthorizationResponse(response)
  if (!pushed.isSuccessful) return pushed
  authorizationUrl.searchParams.set('client_id', clientId)
  authorizationUrl.searchParams.set('request_uri', pushed.requestUri)
  const { state, nonce, codeVerifier, codeChallenge } = built
  return {
    isSuccessful: true,
    url: authorizationUrl.href,
    state,
    nonce,
    codeVerifier,
    codeChallenge,
    requestUri: pushed.requestUri,
    expiresIn: pushed.expiresIn,
  }
}

/**
 * The process step: 201 (or 200) with a JSON `request_uri` (string) and `expires_in` (positive
 * number) is success; an OAuth error body is a `protocol` failure; anything else `http`,
 * `invalid_json` or `invalid_response`.
 *
 * @see RFC 9126 §2.2, §2.3
 */
export async function processPushedAuthorizationResponse(
  response: Response,
): Promise<PushedRequestUri | RequestFailure> {
  if (response.status !== 201 && response.status !== 200) {
    return errorResponseFailure(response, 'the pushed authorization request endpoint')
  }
  const json = await readJsonObject(response, 'the pushed authorization response')
  if (isFailure(json)) return json
  const { request_uri: requestUri, expires_in: expiresIn } = json
  if (typeof requestUri !== 'string' || requestUri.length === 0) {
    return failure('invalid_response', 'the pushed authorization response has no request_uri', {
      httpStatus: response.status,
    })
  }
  if (typeof expiresIn !== 'number' || !(expiresIn > 0)) {
    return failure(
      'invalid_response',
      'the pushed authorization response has no positive expires_in',
      { httpStatus: response.status },
    )
  }
  return { isSuccessful: true, requestUri, expiresIn }
}

/** The FAPI 2.0 checks of a pushed request, before anything is signed or sent. */
function checkFapi(request: PushedAuthorizationRequestInit): void {
  const violations = [
    ...fapiClientViolations(request),
    ...validateFapiAuthorizationRequest({
      responseType: request.responseType ?? 'code',
      // The library always sends an S256 challenge.
      codeChallenge: 'S256',
      codeChallengeMethod: 'S256',
      redirectUri: request.redirectUri,
      usePar: true,
      algorithm: request.requestObject?.alg,
    }).violations,
  ]
  assertCompliant(fapiResult(violations), 'the pushed authorization request')
}
