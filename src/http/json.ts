/** Reading JSON bodies and OAuth error bodies (RFC 6749 §5.2) from buffered responses. */
import { failure, type RequestFailure } from './result.js'
import { parseRetryAfter } from './send.js'

export type JsonObject = Record<string, unknown>

/** Parses the body as a JSON object, or returns an `invalid_json` failure. */
export async function readJsonObject(
  response: Response,
  what: string,
): Promise<JsonObject | RequestFailure> {
  const text = await response.text()
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    // The SyntaxError is not kept as the cause: its message quotes the body around the error,
    // and a body can carry a token or a secret.
    return failure('invalid_json', `${what} is not valid JSON (HTTP ${response.status})`, {
      httpStatus: response.status,
    })
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return failure('invalid_json', `${what} is JSON but not an object (HTTP ${response.status})`, {
      httpStatus: response.status,
    })
  }
  return value as JsonObject
}

export function isFailure(value: unknown): value is RequestFailure {
  return (value as { isSuccessful?: unknown } | null)?.isSuccessful === false
}

/**
 * Turns a non-success response into a failure: an OAuth error body (`error`, `error_description`,
 * `error_uri`) becomes `errorType: 'protocol'`; anything else `errorType: 'http'`. A
 * `Retry-After` header becomes `retryAfter` (seconds).
 */
export async function errorResponseFailure(
  response: Response,
  what: string,
): Promise<RequestFailure> {
  const status = response.status
  const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'))
  const retryAfter = retryAfterMs === undefined ? undefined : Math.ceil(retryAfterMs / 1000)
  const text = await response.text()
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch {
    body = undefined
  }
  const oauth = oauthError(body)
  if (oauth) {
    return failure('protocol', oauth.error, { httpStatus: status, retryAfter, ...oauth.extra })
  }
  return failure(
    'http',
    `${what} answered HTTP ${status}${response.statusText ? ` ${response.statusText}` : ''}`,
    { httpStatus: status, retryAfter },
  )
}

/**
 * The OAuth error members of a JSON body, when it has a string `error`. They are the provider's
 * text and end up in logs: control characters (a forged line break in a log) become spaces, and
 * each member is cut to a bounded length (RFC 6749 §5.2 allows printable ASCII only).
 */
export function oauthError(
  body: unknown,
): { error: string; extra: { errorDescription?: string; errorUri?: string } } | undefined {
  if (body === null || typeof body !== 'object') return undefined
  const { error, error_description, error_uri } = body as JsonObject
  if (typeof error !== 'string' || error.length === 0) return undefined
  const extra: { errorDescription?: string; errorUri?: string } = {}
  if (typeof error_description === 'string') {
    extra.errorDescription = loggable(error_description, MAX_DESCRIPTION)
  }
  if (typeof error_uri === 'string') extra.errorUri = loggable(error_uri, MAX_DESCRIPTION)
  return { error: loggable(error, MAX_ERROR_CODE), extra }
}

const MAX_ERROR_CODE = 100
const MAX_DESCRIPTION = 500

/** Control characters as spaces, at most `max` characters (an ellipsis marks a cut). */
function loggable(value: string, max: number): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are the target.
  const clean = value.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, ' ')
  return clean.length <= max ? clean : `${clean.slice(0, max - 1)}…`
}
