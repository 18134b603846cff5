/**
 * The backchannel authentication endpoint of OpenID Connect Client-Initiated Backchannel
 * Authentication (CIBA Core §7.1, §7.3): a client asks the provider to authenticate a user on
 * the user's own device (a phone app), and gets an `auth_req_id` to collect the tokens with.
 */
import {
  type AuthorizationDetail,
  appendAuthorizationDetails,
} from '../../authorization/authorization-details.js'
import {
  type AuthenticatedRequestInit,
  sendAuthenticatedPost,
} from '../../client-auth/authenticated-post.js'
import { errorResponseFailure, isFailure, oauthError, readJsonObject } from '../../http/json.js'
import { failure, type NoFailure, type RequestFailure } from '../../http/result.js'

/** CIBA Core §7.3: the polling interval when the provider sends none. */
export const DEFAULT_CIBA_POLL_INTERVAL_SECONDS = 5

/** The grant type of the CIBA token request (CIBA Core §10.1). */
export const CIBA_GRANT_TYPE = 'urn:openid:params:grant-type:ciba'

/** The result of {@link requestBackchannelAuthentication}. */
export type BackchannelAuthenticationResponse =
  | ({
      readonly isSuccessful: true
      /** Pass it to `pollBackchannelAuthenticationToken`. Never show it. */
      readonly authReqId: string
      /** Lifetime of the request in seconds. */
      readonly expiresIn: number
      /** Seconds to wait between polls (the provider's, else 5). */
      readonly interval: number
      readonly raw: Readonly<Record<string, unknown>>
      readonly httpStatus: number
    } & NoFailure)
  | (RequestFailure & { readonly authReqId?: undefined })

/** What {@link requestBackchannelAuthentication} takes (CIBA Core §7.1), besides the client credentials. */
export interface BackchannelAuthenticationRequestInit extends AuthenticatedRequestInit {
  /** Scopes; `openid` is added when missing (CIBA Core §7.1 requires it). */
  scope?: string | readonly string[] | undefined
  /** Who to authenticate: exactly one of `loginHint`, `loginHintToken`, `idTokenHint`. */
  loginHint?: string | undefined
  loginHintToken?: string | undefined
  idTokenHint?: string | undefined
  /** A short message shown on both devices, so the user knows the two belong together. */
  bindingMessage?: string | undefined
  /** A secret the user knows, when the provider asks for one. */
  userCode?: string | undefined
  /** Seconds the client wants the request to stay valid. */
  requestedExpiry?: number | undefined
  /**
   * For ping (and push) mode: the bearer token the provider will present when it notifies the
   * client; check it with `processBackchannelNotification`. Use a fresh random value each time.
   */
  clientNotificationToken?: string | undefined
  acrValues?: string | readonly string[] | undefined
  /** RFC 9396 details of what the user is asked to approve. */
  authorizationDetails?: readonly AuthorizationDetail[] | undefined
  /** Resource indicators (RFC 8707). */
  resource?: string | readonly string[] | undefined
}

/** A CIBA authentication request; a plain object works as well. */
// The interface gives the class its fields, so they are exactly the init type's and the class
// stays without behaviour; instances carry only the members that were passed.
export interface BackchannelAuthenticationRequest extends BackchannelAuthenticationRequestInit {}
// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: the fields come from the interface by design.
export class BackchannelAuthenticationRequest {
  constructor(init: BackchannelAuthenticationRequestInit) {
    Object.assign(this, init)
  }
}

const joined = (value: string | readonly string[] | undefined): string | undefined =>
  typeof value === 'string' ? value : value?.join(' ')

/**
 * The request's form parameters (without client authentication).
 *
 * @throws TypeError when not exactly one hint is given, or a value has the wrong type.
 */
export function backchannelAuthenticationForm(
  request: BackchannelAuthenticationRequestInit,
): URLSearchParams {
  const hints = [request.loginHint, request.loginHintToken, request.idTokenHint].filter(
    (hint) => hint !== undefined,
  )
  if (hints.length !== 1 || typeof hints[0] !== 'string' || hints[0] === '') {
    throw new TypeError('give exactly one of loginHint, loginHintToken and idTokenHint')
  }
  const scopes = (joined(request.scope) ?? '').split(' ').filter(Boolean)
  if (!scopes.includes('openid')) scopes.unshift('openid')
  const body = new URLSearchParams({ scope: scopes.join(' ') })
  const set = (name: string, value: string | undefined): void => {
    if (value !== undefined) body.set(name, value)
  }
  set('login_hint', request.loginHint)
  set('login_hint_token', request.loginHintToken)
  set('id_token_hint', request.idTokenHint)
  set('binding_message', request.bindingMessage)
  set('user_code', request.userCode)
  set('client_notification_token', request.clientNotificationToken)
  set('acr_values', joined(request.acrValues))
  if (request.requestedExpiry !== undefined) {
    if (!(Number.isInteger(request.requestedExpiry) && request.requestedExpiry > 0)) {
      throw new TypeError('requestedExpiry must be a whole number of seconds > 0')
    }
    body.set('requested_expiry', String(request.requestedExpiry))
  }
  const resources =
    typeof request.resource === 'string' ? [request.resource] : (request.resource ?? [])
  for (const resource of resources) body.append('resource', resource)
  appendAuthorizationDetails(body, request.authorizationDetails)
  return body
}

/**
 * Asks the provider to authenticate a user on their own device (CIBA Core §7.1). Then collect
 * the tokens with `pollBackchannelAuthenticationToken` (poll mode, or ping mode with the
 * notification as its wake-up).
 *
 * @example
 * ```ts
 * const started = await requestBackchannelAuthentication({
 *   address: disco.backchannelAuthenticationEndpoint, clientId, clientSecret,
 *   loginHint: 'alice', scope: 'openid', bindingMessage: 'W4SCT',
 * })
 * if (started.isSuccessful) console.log(`Check your phone (code W4SCT), expires in ${started.expiresIn} s`)
 * ```
 * @see OpenID Connect CIBA Core 1.0 §7.1, §7.3, §13
 * @throws TypeError when `address` or `clientId` is missing, or the hints are not exactly one.
 */
export function requestBackchannelAuthentication(
  request: BackchannelAuthenticationRequestInit,
): Promise<BackchannelAuthenticationResponse> {
  const form = backchannelAuthenticationForm(request)
  return send(request, form)
}

async function send(
  request: BackchannelAuthenticationRequestInit,
  form: URLSearchParams,
): Promise<BackchannelAuthenticationResponse> {
  const response = await sendAuthenticatedPost(request, form)
  if (isFailure(response)) return response
  return processBackchannelAuthenticationResponse(response)
}

/**
 * The process step: an authentication response to its result. `auth_req_id` and a positive
 * `expires_in` are required; `interval` defaults to 5 seconds.
 *
 * @see CIBA Core §7.3, §13
 */
export async function processBackchannelAuthenticationResponse(
  response: Response,
): Promise<BackchannelAuthenticationResponse> {
  if (response.status !== 200) {
    return errorResponseFailure(response, 'the backchannel authentication endpoint')
  }
  const json = await readJsonObject(response, 'the backchannel authentication response')
  if (isFailure(json)) return json
  const oauth = oauthError(json)
  if (oauth) return failure('protocol', oauth.error, { httpStatus: 200, ...oauth.extra })
  const invalid = (what: string): RequestFailure =>
    failure('invalid_response', `the backchannel authentication response ${what}`, {
      httpStatus: 200,
    })
  if (typeof json.auth_req_id !== 'string' || json.auth_req_id.length === 0) {
    return invalid('has no auth_req_id')
  }
  const expiresIn = json.expires_in
  if (typeof expiresIn !== 'number' || !Number.isFinite(expiresIn) || expiresIn <= 0) {
    return invalid('has no valid expires_in')
  }
  const interval = json.interval ?? DEFAULT_CIBA_POLL_INTERVAL_SECONDS
  if (typeof interval !== 'number' || !Number.isFinite(interval) || interval < 0) {
    return invalid('has an invalid interval')
  }
  return {
    isSuccessful: true,
    authReqId: json.auth_req_id,
    expiresIn,
    interval,
    raw: json,
    httpStatus: 200,
  }
}
