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

/** The OAuth error members of a JSON body, when it has a string `error`. */
export function oauthError(
  body: unknown,
): { error: string; extra: { errorDescription?: string; errorUri?: string } } | undefined {
  if (body === null || typeof body !== 'object') return undefined
  const { error, error_description, error_uri } = body as JsonObject
  if (typeof error !== 'string' || error.length === 0) return undefined
  const extra: { errorDescription?: string; errorUri?: string } = {}
  if (typeof error_description === 'string') extra.errorDescription = error_description
  if (typeof error_uri === 'string') extra.errorUri = error_uri
  return { error, extra }
}
