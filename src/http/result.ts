/**
 * The result shape shared by every request function: a discriminated union on `isSuccessful`.
 * Request functions resolve to it and do not reject for protocol, HTTP or network failures.
 */

/**
 * Why a request failed.
 * - `network`: the connection failed (refused, reset, DNS).
 * - `timeout`: no answer within `timeoutMs`.
 * - `http`: a non-success status without an OAuth error body.
 * - `invalid_json`: the body is not JSON.
 * - `invalid_response`: JSON that breaks the spec, a body over the size cap, an unexpected redirect.
 * - `protocol`: the server answered with an OAuth error (`error` is its code).
 * - `policy`: a security policy rejected the answer (issuer mismatch, plain HTTP ...).
 */
export type ErrorType =
  | 'network'
  | 'timeout'
  | 'http'
  | 'invalid_json'
  | 'invalid_response'
  | 'protocol'
  | 'policy'

/** The failure half of every request result. */
export interface RequestFailure {
  readonly isSuccessful: false
  /** A readable description, or the OAuth `error` code when `errorType` is `'protocol'`. */
  readonly error: string
  readonly errorType: ErrorType
  readonly httpStatus?: number
  /** The OAuth `error_description`, when the server sent one. */
  readonly errorDescription?: string
  /** The OAuth `error_uri`, when the server sent one. */
  readonly errorUri?: string
  /** Seconds to wait before trying again, when the server sent `Retry-After` (RFC 9110 §10.2.3). */
  readonly retryAfter?: number
  /** The underlying error (a network error, a JSON syntax error), for diagnostics. */
  readonly cause?: unknown
}

export function failure(
  errorType: ErrorType,
  error: string,
  extra?: {
    httpStatus?: number | undefined
    errorDescription?: string | undefined
    errorUri?: string | undefined
    retryAfter?: number | undefined
    cause?: unknown
  },
): RequestFailure {
  const result: {
    isSuccessful: false
    error: string
    errorType: ErrorType
    httpStatus?: number
    errorDescription?: string
    errorUri?: string
    retryAfter?: number
    cause?: unknown
  } = { isSuccessful: false, error, errorType }
  if (extra?.httpStatus !== undefined) result.httpStatus = extra.httpStatus
  if (extra?.errorDescription !== undefined) result.errorDescription = extra.errorDescription
  if (extra?.errorUri !== undefined) result.errorUri = extra.errorUri
  if (extra?.retryAfter !== undefined) result.retryAfter = extra.retryAfter
  if (extra?.cause !== undefined) result.cause = extra.cause
  return result
}

/**
 * The failure members, absent on success, so that `result.error` or `result.errorType` reads
 * without narrowing first (it is `undefined` on success).
 */
export interface NoFailure {
  readonly error?: undefined
  readonly errorType?: undefined
  readonly errorDescription?: undefined
  readonly errorUri?: undefined
  readonly retryAfter?: undefined
  readonly cause?: undefined
}

/**
 * True when a failure means the server cannot answer properly right now (unreachable, timed out,
 * 5xx, 408, 429, garbage, `temporarily_unavailable`, `server_error`): worth a 503 and a retry,
 * unlike a refusal or a policy violation, which retrying will not change.
 */
export function isUnavailable(failure: RequestFailure): boolean {
  const status = failure.httpStatus
  return (
    failure.errorType === 'network' ||
    failure.errorType === 'timeout' ||
    failure.errorType === 'invalid_json' ||
    failure.errorType === 'invalid_response' ||
    failure.error === 'temporarily_unavailable' ||
    failure.error === 'server_error' ||
    (status !== undefined && (status >= 500 || status === 408 || status === 429))
  )
}
