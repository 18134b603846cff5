/**
 * The device authorization grant's token requests (RFC 8628 §3.4, §3.5): one poll, and a
 * polling helper that honours `interval`, `slow_down` and an `AbortSignal`.
 */

import { requestToken, type TokenRequestInit } from '../../token/token-request.js'
import type { TokenResponse } from '../../token/token-response.js'
import { DEFAULT_DEVICE_POLL_INTERVAL_SECONDS } from './authorization.js'
import { checkInterval, pollForToken } from './poll.js'

/** RFC 8628 §3.4 grant type. */
export const DEVICE_CODE_GRANT_TYPE = 'urn:ietf:params:oauth:grant-type:device_code'

/** What `requestDeviceToken` takes (RFC 8628 §3.4), besides the client credentials every token request takes. */
export interface DeviceTokenRequestInit extends TokenRequestInit {
  /** The `deviceCode` from `requestDeviceAuthorization`. */
  deviceCode?: string | undefined
}

/** A device token request, for readers coming from py-identity-model; a plain object works as well. */
// The interface gives the class its fields, so they are exactly the init type's and the class
// stays without behaviour; instances carry only the members that were passed.
export interface DeviceTokenRequest extends DeviceTokenRequestInit {}
// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: the fields come from the interface by design.
export class DeviceTokenRequest {
  constructor(init: DeviceTokenRequestInit) {
    Object.assign(this, init)
  }
}

function deviceCodeGrant(request: DeviceTokenRequestInit): URLSearchParams {
  if (typeof request.deviceCode !== 'string' || request.deviceCode.length === 0) {
    throw new TypeError('deviceCode is required')
  }
  return new URLSearchParams({
    grant_type: DEVICE_CODE_GRANT_TYPE,
    device_code: request.deviceCode,
  })
}

/**
 * Polls the token endpoint once. While the user has not finished, the answer is a `protocol`
 * failure with `error: 'authorization_pending'` (or `'slow_down'`); {@link pollDeviceToken}
 * handles that loop for you.
 *
 * @example
 * ```ts
 * const result = await requestDeviceToken({ address: disco.tokenEndpoint, clientId: 'my-cli', deviceCode })
 * if (!result.isSuccessful && result.error === 'authorization_pending') // try again after `interval`
 * ```
 * @see RFC 8628 §3.4, §3.5
 * @throws TypeError when `address`, `clientId` or `deviceCode` is missing.
 */
export function requestDeviceToken(request: DeviceTokenRequestInit): Promise<TokenResponse> {
  return requestToken(request, deviceCodeGrant(request))
}

/** What `pollDeviceToken` takes: a device token request plus the polling interval and an `AbortSignal` (RFC 8628 §3.5). */
export interface PollDeviceTokenInit extends DeviceTokenRequestInit {
  /** Seconds between polls: the `interval` of the device authorization (default 5). */
  interval?: number | undefined
  /**
   * The `expiresIn` of the device authorization: polling stops when it has passed (a `timeout`
   * failure). Without it, polling goes on until the server answers `expired_token`.
   */
  expiresIn?: number | undefined
}

/**
 * Polls the token endpoint until the user approves or denies the device, the code expires or
 * `signal` aborts. It waits `interval` seconds before each poll; `authorization_pending` polls
 * again, `slow_down` adds 5 seconds to the interval for good (RFC 8628 §3.5); a network failure,
 * timeout or 5xx doubles the interval, up to three times in a row. Any other answer ends the
 * loop: the tokens, or the failure (`access_denied`, `expired_token` ... as `errorType:
 * 'protocol'`). When `expiresIn` has passed it resolves to a `timeout` failure.
 *
 * Aborting `signal` rejects with its reason, at once, whether waiting or polling.
 *
 * @example
 * ```ts
 * const device = await requestDeviceAuthorization({ address: disco.deviceAuthorizationEndpoint, clientId })
 * if (!device.isSuccessful) throw new Error(device.error)
 * console.log(`Open ${device.verificationUriComplete ?? device.verificationUri}, code ${device.userCode}`)
 * const tokens = await pollDeviceToken({
 *   address: disco.tokenEndpoint, clientId, deviceCode: device.deviceCode,
 *   interval: device.interval, expiresIn: device.expiresIn, signal: AbortSignal.timeout(10 * 60_000),
 * })
 * if (tokens.isSuccessful) console.log('signed in')
 * else if (tokens.error === 'access_denied') console.log('the user said no')
 * ```
 * @see RFC 8628 §3.4, §3.5
 * @throws TypeError when `address`, `clientId` or `deviceCode` is missing, or `interval` is not
 *   a number of seconds >= 0.
 */
export async function pollDeviceToken(request: PollDeviceTokenInit): Promise<TokenResponse> {
  deviceCodeGrant(request)
  return pollForToken(() => requestDeviceToken(request), {
    interval: checkInterval(request.interval ?? DEFAULT_DEVICE_POLL_INTERVAL_SECONDS),
    expiresIn: request.expiresIn,
    signal: request.signal,
    expiredMessage: `the device code expired (after ${request.expiresIn} s) before the user finished; start again`,
  })
}
