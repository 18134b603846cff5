/**
 * A `fetch` that calls an API with the manager's token, and recovers once from a refused token;
 * with DPoP, it sends the token with a proof and recovers once from a nonce request too.
 */
import { dpopDecorator } from '../dpop/decorator.js'
import type { DpopHandle } from '../dpop/handle.js'
import { nonceRequested } from '../dpop/nonce-challenge.js'
import type { RequestDecorator } from '../http/decorator.js'
import { callProtectedResource } from '../http/protected-resource.js'
import type { GetAccessTokenOptions } from './token-manager.js'

/** Anything that hands out access tokens the way {@link TokenManager} does. */
export interface AccessTokenSource {
  getAccessToken(options?: GetAccessTokenOptions): Promise<string>
  /**
   * The DPoP handle the tokens are bound to, if they are (a `TokenManager` whose request has
   * `dpop` exposes it): calls then use the DPoP scheme with a proof instead of Bearer.
   */
  readonly dpop?: DpopHandle | undefined
}

/** What {@link createAuthorizedFetch} takes besides the manager. */
export interface AuthorizedFetchOptions {
  /** The `fetch` that calls the API (default: the global one). */
  fetch?: typeof fetch | undefined
  /** The DPoP handle the tokens are bound to (default: the source's own `dpop`). */
  dpop?: DpopHandle | undefined
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
 * With DPoP-bound tokens (the manager's request has `dpop`, or `options.dpop`), every call carries
 * `Authorization: DPoP <token>` and a `DPoP` proof for its method and URL with the token's hash
 * (`ath`); a 401 `use_dpop_nonce` is retried once with the API's nonce, which is remembered for
 * the next calls to that origin.
 *
 * The call is repeated only when its body can be sent twice: no body, a string,
 * `URLSearchParams`, `FormData`, a `Blob`, an `ArrayBuffer` or a typed array, or a `Request`
 * (cloned before each attempt). A `ReadableStream` or async-iterable body is not replayable:
 * then the 401 is returned as it is, and the token is still renewed (or the nonce remembered)
 * for the next call.
 *
 * @example
 * ```ts
 * const api = createAuthorizedFetch(manager)
 * const response = await api('https://api.example.com/orders', { method: 'POST', body: JSON.stringify(order) })
 * ```
 * @see RFC 6750 §2.1 (the Authorization request header), §3.1 (`invalid_token`); RFC 9449 §7.1
 *   (the DPoP scheme), §9 (resource server nonces)
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
  return authorizedFetch(manager, options, true)
}

/**
 * The shared implementation; `renewable` is false for a fixed token, which asking again would
 * not change.
 */
export function authorizedFetch(
  source: AccessTokenSource,
  options: AuthorizedFetchOptions,
  renewable: boolean,
): AuthorizedFetch {
  const dpop = options.dpop ?? source.dpop
  const decorator: RequestDecorator | undefined =
    dpop === undefined ? undefined : dpopDecorator(dpop)
  return async (input, init) => {
    const doFetch = options.fetch ?? globalThis.fetch
    const signal = init?.signal ?? (input instanceof Request ? input.signal : undefined)
    const hasRequestBody =
      input instanceof Request && input.body !== null && init?.body === undefined
    const replayable = hasRequestBody || isReplayable(init?.body)
    const target = decorator === undefined ? undefined : requestTarget(input, init)

    /**
     * One protected-resource call, with its nonce retry when the body can be sent again;
     * `finalCall` when no call follows it (a `Request` body is then sent as is the last time).
     */
    const call = (token: string, finalCall: boolean): Promise<Response> =>
      callProtectedResource({
        htm: target?.htm ?? 'GET',
        htu: target?.htu ?? '',
        token,
        decorator,
        replayable,
        transmit: (added, last) => {
          // A Request body is read once: every attempt but the last sends a copy.
          const sent = hasRequestBody && !(last && finalCall) ? (input as Request).clone() : input
          const headers = new Headers(
            init?.headers ?? (input instanceof Request ? input.headers : undefined),
          )
          for (const [name, value] of Object.entries(added)) headers.set(name, value)
          return doFetch(sent, { ...init, headers })
        },
      })

    let token = await source.getAccessToken({ signal: signal ?? undefined })
    const response = await call(token, !renewable)
    // A nonce request says nothing about the token: never renew it for one (the pipeline retried
    // it once already, or could not, and the nonce is remembered for the next call).
    if (response.status !== 401 || !renewable || (await asksForNonce(decorator, response))) {
      return response
    }
    if (!replayable) {
      // The body is gone; at least the next call gets a renewed token.
      void source.getAccessToken({ rejectedToken: token }).catch(() => {})
      return response
    }
    token = await source.getAccessToken({ rejectedToken: token, signal: signal ?? undefined })
    await response.body?.cancel().catch(() => {})
    return call(token, true)
  }
}

/** A 401 that asks for a DPoP nonce (not a refused token). */
async function asksForNonce(
  decorator: RequestDecorator | undefined,
  response: Response,
): Promise<boolean> {
  if (decorator === undefined) return false
  return (await nonceRequested(response)) !== undefined
}

/** The method and URL a proof must name: as `fetch` will send them. */
function requestTarget(
  input: string | URL | Request,
  init: RequestInit | undefined,
): { htm: string; htu: string } {
  const method = init?.method ?? (input instanceof Request ? input.method : 'GET')
  // fetch upper-cases these six methods (and sends any other as given).
  const upper = method.toUpperCase()
  const htm = NORMALISED_METHODS.has(upper) ? upper : method
  const raw = input instanceof Request ? input.url : input instanceof URL ? input.href : input
  try {
    return { htm, htu: new URL(raw).href }
  } catch {
    throw new TypeError('a DPoP-bound call needs an absolute URL')
  }
}

const NORMALISED_METHODS = new Set(['DELETE', 'GET', 'HEAD', 'OPTIONS', 'POST', 'PUT'])

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
