/**
 * Collecting the tokens of a CIBA request (CIBA Core §10): one token request, the polling
 * helper (poll mode, over the same loop as the device flow), and the ping notification check.
 */

import { failure, type NoFailure, type RequestFailure } from '../../http/result.js'
import { timingSafeEqual, utf8 } from '../../kernel/encoding.js'
import { requestToken, type TokenRequestInit } from '../../token/token-request.js'
import type { TokenResponse } from '../../token/token-response.js'
import { checkInterval, pollForToken } from '../device/poll.js'
import { CIBA_GRANT_TYPE, DEFAULT_CIBA_POLL_INTERVAL_SECONDS } from './authentication.js'

/** What {@link requestBackchannelAuthenticationToken} takes, besides the client credentials. */
export interface BackchannelTokenRequestInit extends TokenRequestInit {
  /** The `authReqId` from `requestBackchannelAuthentication`. */
  authReqId?: string | undefined
}

/** What {@link pollBackchannelAuthenticationToken} takes. */
export interface PollBackchannelTokenInit extends BackchannelTokenRequestInit {
  /** Seconds between polls: the `interval` of the authentication response (default 5). */
  interval?: number | undefined
  /** The `expiresIn` of the authentication response: polling stops when it has passed. */
  expiresIn?: number | undefined
  /**
   * Ping mode: settles when the provider's notification for this request has arrived (see
   * {@link processBackchannelNotification}); the first token request waits for it instead of
   * the interval (or until `expiresIn`). Poll mode: leave it out.
   */
  notification?: PromiseLike<unknown> | undefined
}

function cibaGrant(request: BackchannelTokenRequestInit): URLSearchParams {
  if (typeof request.authReqId !== 'string' || request.authReqId.length === 0) {
    throw new TypeError('authReqId is required')
  }
  return new URLSearchParams({ grant_type: CIBA_GRANT_TYPE, auth_req_id: request.authReqId })
}

/**
 * One CIBA token request. Until the user answers, the result is a `protocol` failure with
 * `authorization_pending` (or `slow_down`); {@link pollBackchannelAuthenticationToken} loops.
 *
 * @example
 * ```ts
 * const result = await requestBackchannelAuthenticationToken({ address: disco.tokenEndpoint, clientId, clientSecret, authReqId })
 * ```
 * @see CIBA Core §10.1, §11
 * @throws TypeError when `address`, `clientId` or `authReqId` is missing.
 */
export function requestBackchannelAuthenticationToken(
  request: BackchannelTokenRequestInit,
): Promise<TokenResponse> {
  return requestToken(request, cibaGrant(request))
}

/**
 * Waits for the user to answer on their device, then resolves to the tokens, or to the failure
 * that ended it: `access_denied` (the user said no), `expired_token` (as `errorType: 'protocol'`),
 * or a `timeout` failure once `expiresIn` has passed. Poll mode polls every `interval` seconds
 * (`slow_down` adds 5); ping mode waits for `notification` first. Validate the `id_token` of the
 * answer with `validateIdToken` (`nonce: undefined`: CIBA has none).
 *
 * @example
 * ```ts
 * const tokens = await pollBackchannelAuthenticationToken({
 *   address: disco.tokenEndpoint, clientId, clientSecret,
 *   authReqId: started.authReqId, interval: started.interval, expiresIn: started.expiresIn,
 * })
 * if (tokens.isSuccessful) console.log('approved')
 * else if (tokens.error === 'access_denied') console.log('the user said no')
 * ```
 * @see CIBA Core §7.3, §10.2, §11
 * @throws TypeError when `address`, `clientId` or `authReqId` is missing, or `interval` is not a
 *   number of seconds >= 0.
 */
export async function pollBackchannelAuthenticationToken(
  request: PollBackchannelTokenInit,
): Promise<TokenResponse> {
  cibaGrant(request)
  const { interval, expiresIn, notification, ...tokenRequest } = request
  return pollForToken(() => requestBackchannelAuthenticationToken(tokenRequest), {
    interval: checkInterval(interval ?? DEFAULT_CIBA_POLL_INTERVAL_SECONDS),
    expiresIn,
    signal: request.signal,
    firstWait: notification,
    expiredMessage: `the authentication request expired (after ${expiresIn} s) before the user answered; start again`,
  })
}

/** A checked ping notification: which request it is about. */
export type BackchannelNotification =
  | ({ readonly isSuccessful: true; readonly authReqId: string } & NoFailure)
  | (RequestFailure & { readonly authReqId?: undefined })

/** The most bytes of a notification body read. */
const MAX_NOTIFICATION_BYTES = 4096

/**
 * Checks a ping notification the provider POSTed to the client's notification endpoint (CIBA
 * Core §10.2): `Authorization: Bearer` must carry the `clientNotificationToken` sent with the
 * request (compared in constant time), and the JSON body an `auth_req_id`. Answer the provider
 * 204 on success, 401 otherwise; then call `pollBackchannelAuthenticationToken` (or settle the
 * promise passed as its `notification`).
 *
 * @example
 * ```ts
 * const ping = processBackchannelNotification(req.headers.authorization, body, expectedToken)
 * if (ping.isSuccessful) notified.resolve(ping.authReqId)
 * ```
 * @see CIBA Core §10.2
 */
export function processBackchannelNotification(
  authorization: string | null | undefined,
  body: string,
  clientNotificationToken: string,
): BackchannelNotification {
  if (typeof clientNotificationToken !== 'string' || clientNotificationToken === '') {
    throw new TypeError('clientNotificationToken is required: the one sent with the request')
  }
  const match = /^Bearer +(\S+)$/i.exec(authorization ?? '')
  if (match === null || !timingSafeEqual(utf8(match[1]!), utf8(clientNotificationToken))) {
    return failure('policy', 'the notification does not carry the client notification token', {
      httpStatus: 401,
    })
  }
  if (typeof body !== 'string' || body.length > MAX_NOTIFICATION_BYTES) {
    return failure('invalid_response', 'the notification body is missing or too long')
  }
  let json: unknown
  try {
    json = JSON.parse(body)
  } catch {
    return failure('invalid_json', 'the notification body is not JSON')
  }
  const authReqId = (json as { auth_req_id?: unknown } | null)?.auth_req_id
  if (typeof authReqId !== 'string' || authReqId.length === 0) {
    return failure('invalid_response', 'the notification has no auth_req_id')
  }
  return { isSuccessful: true, authReqId }
}
