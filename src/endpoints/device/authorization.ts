/**
 * The device authorization endpoint (RFC 8628 §3.1, §3.2): a device without a browser asks for
 * a device code and a user code, and shows the user where to enter it.
 */
import {
  type AuthenticatedRequestInit,
  sendAuthenticatedPost,
} from '../../client-auth/authenticated-post.js'
import { errorResponseFailure, isFailure, oauthError, readJsonObject } from '../../http/json.js'
import { failure, type NoFailure, type RequestFailure } from '../../http/result.js'

/** RFC 8628 §3.2: the polling interval when the server sends none. */
export const DEFAULT_DEVICE_POLL_INTERVAL_SECONDS = 5

/** The result of {@link requestDeviceAuthorization}. */
export type DeviceAuthorizationResponse =
  | ({
      readonly isSuccessful: true
      /** For the device only: pass it to `pollDeviceToken`. Never show it. */
      readonly deviceCode: string
      /** Show it to the user. */
      readonly userCode: string
      /** Where the user enters `userCode` (show it, or a QR code of `verificationUriComplete`). */
      readonly verificationUri: string
      /** The same page with the user code filled in, when the server offers one. */
      readonly verificationUriComplete?: string
      /** Lifetime of both codes in seconds. */
      readonly expiresIn: number
      /** Seconds to wait between polls (the server's, else 5). */
      readonly interval: number
      readonly raw: Readonly<Record<string, unknown>>
      readonly httpStatus: number
    } & NoFailure)
  | (RequestFailure & { readonly deviceCode?: undefined })

/** What `requestDeviceAuthorization` takes (RFC 8628 §3.1), besides the client credentials. */
export interface DeviceAuthorizationRequestInit extends AuthenticatedRequestInit {
  /** Scopes: a space-delimited string or a list. */
  scope?: string | readonly string[] | undefined
  /** Resource indicators (RFC 8707). */
  resource?: string | readonly string[] | undefined
}

/** A device authorization request, for readers coming from py-identity-model; a plain object works as well. */
// The interface gives the class its fields, so they are exactly the init type's and the class
// stays without behaviour; instances carry only the members that were passed.
export interface DeviceAuthorizationRequest extends DeviceAuthorizationRequestInit {}
// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: the fields come from the interface by design.
export class DeviceAuthorizationRequest {
  constructor(init: DeviceAuthorizationRequestInit) {
    Object.assign(this, init)
  }
}

/**
 * Starts the device flow. Show the user `userCode` and `verificationUri` (or
 * `verificationUriComplete`), then call `pollDeviceToken` with `deviceCode` and `interval`.
 * A public client (no secret) sends its `client_id` (`clientAuthentication: 'none'`).
 *
 * @example
 * ```ts
 * const device = await requestDeviceAuthorization({ address: disco.deviceAuthorizationEndpoint, clientId: 'my-cli', scope: 'openid offline_access' })
 * if (device.isSuccessful) console.log(`Open ${device.verificationUri} and enter ${device.userCode}`)
 * ```
 * @see RFC 8628 §3.1, §3.2
 * @throws TypeError when `address` or `clientId` is missing.
 */
export async function requestDeviceAuthorization(
  request: DeviceAuthorizationRequestInit,
): Promise<DeviceAuthorizationResponse> {
  const body = new URLSearchParams()
  const scope = typeof request.scope === 'string' ? request.scope : request.scope?.join(' ')
  if (scope) body.set('scope', scope)
  const resources =
    typeof request.resource === 'string' ? [request.resource] : (request.resource ?? [])
  for (const resource of resources) body.append('resource', resource)
  const response = await sendAuthenticatedPost(request, body)
  if (isFailure(response)) return response
  return processDeviceAuthorizationResponse(response)
}

/**
 * The process step: a device authorization response to its result. `device_code`, `user_code`,
 * `verification_uri` (or Google's `verification_url`) and a positive `expires_in` are required.
 *
 * @example
 * ```ts
 * const result = await processDeviceAuthorizationResponse(responseFromYourOwnFetch)
 * if (result.isSuccessful) console.log(result.userCode, result.interval)
 * ```
 * @see RFC 8628 §3.2
 */
export async function processDeviceAuthorizationResponse(
  response: Response,
): Promise<DeviceAuthorizationResponse> {
  if (response.status !== 200) {
    return errorResponseFailure(response, 'the device authorization endpoint')
  }
  const json = await readJsonObject(response, 'the device authorization response')
  if (isFailure(json)) return json
  const oauth = oauthError(json)
  if (oauth) return failure('protocol', oauth.error, { httpStatus: 200, ...oauth.extra })
  const invalid = (what: string): RequestFailure =>
    failure('invalid_response', `the device authorization response ${what}`, { httpStatus: 200 })
  const { device_code, user_code, verification_uri_complete } = json
  const verificationUri = json.verification_uri ?? json.verification_url
  if (typeof device_code !== 'string' || device_code.length === 0)
    return invalid('has no device_code')
  if (typeof user_code !== 'string' || user_code.length === 0) return invalid('has no user_code')
  if (typeof verificationUri !== 'string' || !URL.canParse(verificationUri)) {
    return invalid('has no valid verification_uri')
  }
  if (verification_uri_complete !== undefined && typeof verification_uri_complete !== 'string') {
    return invalid('has a verification_uri_complete that is not a string')
  }
  const expiresIn = seconds(json.expires_in)
  if (expiresIn === undefined || expiresIn <= 0) return invalid('has no valid expires_in')
  let interval = DEFAULT_DEVICE_POLL_INTERVAL_SECONDS
  if (json.interval !== undefined) {
    const value = seconds(json.interval)
    if (value === undefined) return invalid('has an invalid interval')
    interval = value
  }
  return {
    isSuccessful: true,
    deviceCode: device_code,
    userCode: user_code,
    verificationUri,
    ...(verification_uri_complete === undefined
      ? {}
      : { verificationUriComplete: verification_uri_complete }),
    expiresIn,
    interval,
    raw: json,
    httpStatus: 200,
  }
}

/** A number of seconds (some servers send "5"), or undefined. */
function seconds(value: unknown): number | undefined {
  const number = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value
  return typeof number === 'number' && Number.isFinite(number) && number >= 0 ? number : undefined
}
