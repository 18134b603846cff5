/** Options every network call accepts. */
export interface NetworkOptions {
  /**
   * A `fetch` to use instead of the global one: for proxies, custom TLS (an undici `Agent` as
   * `dispatcher`), mTLS, or tests.
   */
  fetch?: typeof fetch | undefined
  /** Aborts the call; the request function then rejects with the signal's reason. */
  signal?: AbortSignal | undefined
  /** Timeout of each attempt in milliseconds (default 10 000). */
  timeoutMs?: number | undefined
}

/** Default per-attempt timeout. */
export const DEFAULT_TIMEOUT_MS = 10_000
/** The whole operation, retries included, stays under this. */
export const MAX_OPERATION_MS = 30_000
/** Responses larger than this are refused (`invalid_response`). */
export const DEFAULT_MAX_BODY_BYTES: number = 1024 * 1024
