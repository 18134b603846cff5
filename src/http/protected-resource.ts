/**
 * The one protected-resource request (RFC 6750 §2.1, RFC 9449 §7): an access token in the
 * `Authorization` header, `Bearer` or the decorator's scheme (DPoP with its proof), and one more
 * attempt when the decorator asks for it (a `use_dpop_nonce` answer). `createAuthorizedFetch`,
 * `createDpopFetch`, `getUserInfo` and the registration management requests all go through it.
 */
import type { OutboundTarget, RequestDecorator } from './decorator.js'
import { isFailure } from './json.js'
import type { RequestFailure } from './result.js'

/** What one call of a protected resource needs. */
export interface ProtectedCall<R extends Response | RequestFailure> {
  /** The method and absolute URL, as they go on the wire. */
  readonly htm: string
  readonly htu: string | URL
  readonly token: string
  readonly decorator?: RequestDecorator | undefined
  /**
   * Sends one attempt with these headers (the caller adds its own); `last` is true for the last
   * attempt (a request body read once can then be sent as is).
   */
  readonly transmit: (headers: Record<string, string>, last: boolean) => Promise<R>
  /** The request can be sent twice (its body is replayable). Default true. */
  readonly replayable?: boolean | undefined
}

/**
 * Sends the call with `Authorization: <scheme> <token>` and the decorator's headers; when the
 * decorator asks for it (and the request can be repeated), sends it once more with fresh ones.
 * A second request for a retry is returned as it is.
 */
export async function callProtectedResource<R extends Response | RequestFailure>(
  call: ProtectedCall<R>,
): Promise<R> {
  const { decorator, token } = call
  const replayable = call.replayable ?? true
  const target: OutboundTarget = { htm: call.htm, htu: call.htu, accessToken: token }
  const attempt = async (last: boolean): Promise<R> => {
    const headers: Record<string, string> = {
      authorization: `${decorator?.scheme ?? 'Bearer'} ${token}`,
      ...(decorator === undefined ? {} : await decorator.headers(target)),
    }
    return call.transmit(headers, last)
  }
  if (decorator === undefined) return attempt(true)
  const first = await attempt(!replayable)
  if (isFailure(first) || !(await decorator.retry(target, first)) || !replayable) return first
  await first.body?.cancel().catch(() => {})
  const second = await attempt(true)
  if (!isFailure(second)) await decorator.retry(target, second)
  return second
}
