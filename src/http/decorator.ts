/**
 * The seam of the outbound pipeline: something that adds headers to each attempt of a request
 * and reads each answer (a DPoP proof and its nonces, RFC 9449). The pipeline knows nothing of
 * what it adds: `client-auth`, the protected-resource request and the authorized fetch take a
 * decorator, and DPoP provides one (`dpop/decorator.ts`).
 */

/** One attempt of an outbound request, as a decorator sees it. */
export interface OutboundTarget {
  /** The method as it goes on the wire. */
  readonly htm: string
  /** The absolute URL. */
  readonly htu: string | URL
  /** The access token the request carries, if it calls a protected resource. */
  readonly accessToken?: string | undefined
}

/** Adds to a request and reads its answers; see the module comment. */
export interface RequestDecorator {
  /**
   * The `Authorization` scheme for an access token sent with this decorator (`DPoP` for a
   * DPoP-bound token, RFC 9449 §7.1), instead of `Bearer`.
   */
  readonly scheme: string
  /** The headers to add to one attempt. */
  headers(target: OutboundTarget): Promise<Readonly<Record<string, string>>>
  /**
   * Reads an answer (remembering what the server asked for, such as a nonce); resolves `true`
   * when the request should be sent once more with fresh headers (at most once per request).
   */
  retry(target: OutboundTarget, response: Response): Promise<boolean>
}
