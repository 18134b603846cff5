/**
 * A `fetch` that calls an API with the manager's token, and recovers once from a refused token.
 */
import type { GetAccessTokenOptions } from './token-manager.js'

/** Anything that hands out access tokens the way {@link TokenManager} does. */
export interface AccessTokenSource {
  getAccessToken(options?: GetAccessTokenOptions): Promise<string>
}

/** What {@link createAuthorizedFetch} takes besides the manager. */
export interface AuthorizedFetchOptions {
  /** The `fetch` that calls the API (default: the global one). */
  fetch?: typeof fetch | undefined
}

/** The `fetch` returned by {@link createAuthorizedFetch}. */
export type AuthorizedFetch = (
  input: string | URL | Request,
  init?: RequestInit,
) => Promise<Response>

/**
 * Wraps `fetch` so that every call carries `Authorization: Bearer <token>` from `manager` (any
 * `Authorization` header given is replaced). When the API answers 401, the token is reported as
 * refused, renewed once (however many calls saw the 401 at the same time), and the call is sent
 * once more with the new token; a second 401 is returned as it is.
 *
 * The call is repeated only when its body can be sent twice: no body, a string,
 * `URLSearchParams`, `FormData`, a `Blob`, an `ArrayBuffer` or a typed array, or a `Request`
 * (cloned before the first attempt). A `ReadableStream` or async-iterable body is not replayable:
 * then the 401 is returned as it is, and the token is still renewed for the next call.
 *
 * @example
 * ```ts
 * const api = createAuthorizedFetch(manager)
 * const response = await api('https://api.example.com/orders', { method: 'POST', body: JSON.stringify(order) })
 * ```
 * @see RFC 6750 §2.1 (the Authorization request header), §3.1 (`invalid_token`)
 * @throws {@link TokenUnavailableError} (rejects) when no token can be had.
 */
export function createAuthorizedFetch(
  manager: AccessTokenSource,
  options: AuthorizedFetchOptions = {},
): AuthorizedFetch {
  if (manager === null || typeof manager?.getAccessToken !== 'function') {
    throw new TypeError(
      'createAuthorizedFetch needs a TokenManager (or an object with getAccessToken)',
    )
  }
  return async (input, init) => {
    const doFetch = options.fetch ?? globalThis.fetch
    const signal = init?.signal ?? (input instanceof Request ? input.signal : undefined)
    const hasRequestBody =
      input instanceof Request && input.body !== null && init?.body === undefined
    const spare = hasRequestBody ? (input as Request).clone() : undefined
    const replayable = hasRequestBody || isReplayable(init?.body)

    const token = await manager.getAccessToken({ signal: signal ?? undefined })
    const response = await doFetch(input, withToken(input, init, token))
    if (response.status !== 401) return response

    if (!replayable) {
      // The body is gone; at least the next call gets a renewed token.
      void manager.getAccessToken({ rejectedToken: token }).catch(() => {})
      return response
    }
    const renewed = await manager.getAccessToken({
      rejectedToken: token,
      signal: signal ?? undefined,
    })
    await response.body?.cancel().catch(() => {})
    const retryInput = spare ?? input
    return doFetch(retryInput, withToken(retryInput, init, renewed))
  }
}

function withToken(
  input: string | URL | Request,
  init: RequestInit | undefined,
  token: string,
): RequestInit {
  const headers = new Headers(
    init?.headers ?? (input instanceof Request ? input.headers : undefined),
  )
  headers.set('authorization', `Bearer ${token}`)
  return { ...init, headers }
}

function isReplayable(body: RequestInit['body']): boolean {
  return (
    body === undefined ||
    body === null ||
    typeof body === 'string' ||
    body instanceof URLSearchParams ||
    body instanceof FormData ||
    body instanceof Blob ||
    body instanceof ArrayBuffer ||
    ArrayBuffer.isView(body)
  )
}
