/**
 * `createDpopFetch`: calls a protected resource with a DPoP-bound access token (RFC 9449 §7).
 */
import type { DpopHandle } from '../dpop/handle.js'
import {
  type AccessTokenSource,
  type AuthorizedFetch,
  authorizedFetch,
} from './authorized-fetch.js'

/** What {@link createDpopFetch} takes besides the handle: where the token comes from. */
export interface DpopFetchOptions {
  /** The DPoP-bound access token, or a function that returns the current one. */
  accessToken?: string | (() => string | Promise<string>) | undefined
  /**
   * A source of tokens instead, such as a `TokenManager` whose request has this `dpop`: a token
   * the API refuses (401) is then renewed once.
   */
  tokenSource?: AccessTokenSource | undefined
  /** The `fetch` that calls the API (default: the global one). */
  fetch?: typeof fetch | undefined
}

/**
 * Wraps `fetch` for a DPoP-bound token: every call carries `Authorization: DPoP <token>` (not
 * Bearer) and a `DPoP` proof for its method and URL, with `ath` = the token's hash. When the API
 * asks for a nonce (401, `WWW-Authenticate: DPoP error="use_dpop_nonce"`, `DPoP-Nonce`), the
 * call is sent once more with it, and the nonce is used for the next calls to that origin.
 * Bodies are replayed as with `createAuthorizedFetch`.
 *
 * @example
 * ```ts
 * const dpop = await createDpop()
 * const token = await requestClientCredentialsToken({ ...client, dpop })
 * if (!token.isSuccessful) throw new Error(token.error)
 * const api = createDpopFetch(dpop, { accessToken: token.token.access_token })
 * const orders = await api('https://api.example.com/orders')
 *
 * // or, renewing tokens before they expire:
 * const manager = new TokenManager({ request: { ...client, dpop } })
 * const managed = createDpopFetch(dpop, { tokenSource: manager }) // = createAuthorizedFetch(manager)
 * ```
 * @see RFC 9449 §7.1 (the DPoP authentication scheme), §9 (resource server nonces)
 * @throws TypeError at once without a handle, or with neither or both of `accessToken` and
 *   `tokenSource`; the returned fetch throws TypeError for a relative URL.
 */
export function createDpopFetch(dpop: DpopHandle, options: DpopFetchOptions): AuthorizedFetch {
  if (dpop === null || typeof dpop?.proof !== 'function') {
    throw new TypeError('createDpopFetch needs a handle from createDpop()')
  }
  if (options === null || typeof options !== 'object') {
    throw new TypeError('createDpopFetch needs { accessToken } or { tokenSource }')
  }
  const { accessToken, tokenSource } = options
  if ((accessToken === undefined) === (tokenSource === undefined)) {
    throw new TypeError('createDpopFetch takes either accessToken or tokenSource')
  }
  if (tokenSource !== undefined) {
    if (tokenSource === null || typeof tokenSource.getAccessToken !== 'function') {
      throw new TypeError('tokenSource needs a getAccessToken() method (a TokenManager)')
    }
    return authorizedFetch(tokenSource, { fetch: options.fetch, dpop }, true)
  }
  if (typeof accessToken === 'string' && accessToken.length === 0) {
    throw new TypeError('accessToken must be a non-empty string')
  }
  if (typeof accessToken !== 'string' && typeof accessToken !== 'function') {
    throw new TypeError('accessToken must be a string or a function returning one')
  }
  const fixed: AccessTokenSource = {
    getAccessToken: async () =>
      typeof accessToken === 'string' ? accessToken : await accessToken(),
  }
  return authorizedFetch(fixed, { fetch: options.fetch, dpop }, false)
}
