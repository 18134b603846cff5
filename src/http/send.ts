/**
 * The only place in the library that calls `fetch`. Every request gets a timeout and a response
 * size cap; redirects are refused rather than followed silently; only idempotent GETs are retried
 * (on a network error, a timeout, 408, 429, 502, 503 or 504), honouring `Retry-After`, with
 * jittered backoff, and the whole operation stays under {@link MAX_OPERATION_MS}.
 *
 * The answer is a fully buffered `Response`, so the process steps of each endpoint read it
 * synchronously-sized and can be unit-tested with a `new Response(...)` fixture.
 */

import { raceSignal } from '../internal/abort.js'
import { sleep } from '../internal/sleep.js'
import {
  DEFAULT_MAX_BODY_BYTES,
  DEFAULT_TIMEOUT_MS,
  MAX_OPERATION_MS,
  type NetworkOptions,
} from './options.js'
import { failure, type RequestFailure } from './result.js'

export interface HttpRequest {
  readonly url: string | URL
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE'
  readonly headers?: Readonly<Record<string, string>>
  readonly body?: string
}

export interface SendOptions extends NetworkOptions {
  /** Responses larger than this many bytes fail with `invalid_response`. */
  maxBodyBytes?: number | undefined
  /** Retries for a GET (default 2); ignored for other methods, which are never retried. */
  maxRetries?: number | undefined
  /**
   * Nobody awaits this request (a background refresh): the waits between retries do not keep a
   * Node.js process alive.
   */
  background?: boolean | undefined
}

const RETRYABLE_STATUS = new Set([408, 429, 502, 503, 504])
const BACKOFF_BASE_MS = 100
const MAX_RETRY_AFTER_MS = 10_000

/**
 * Sends one request. Resolves to a buffered `Response` (any status except a redirect) or a
 * {@link RequestFailure}; rejects only with the caller's abort reason.
 */
export async function send(
  request: HttpRequest,
  options: SendOptions = {},
): Promise<Response | RequestFailure> {
  if (options.signal?.aborted) throw options.signal.reason
  const started = Date.now()
  const retries = request.method === 'GET' ? (options.maxRetries ?? 2) : 0
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS
  let attempt = 0
  for (;;) {
    const remaining = MAX_OPERATION_MS - (Date.now() - started)
    const result = await attemptOnce(request, options, Math.min(timeoutMs, remaining))
    const delay = attempt < retries ? retryDelay(result, attempt) : undefined
    if (delay === undefined || Date.now() - started + delay + timeoutMs / 10 > MAX_OPERATION_MS) {
      return result
    }
    attempt++
    await sleep(delay, options.signal, options.background === true)
  }
}

/**
 * In a browser (a page or a web worker), requests carry only what the library sends: no cookies
 * and no HTTP authentication of the browser's own. It also keeps a 401 with a `Basic` challenge
 * (RFC 6749 §5.2 `invalid_client`) from a same-origin token endpoint from opening the browser's
 * login prompt, which would leave the call hanging. Other runtimes have no ambient credentials
 * (and Cloudflare Workers refuse the `credentials` member), so it is set only here.
 */
const IN_BROWSER =
  typeof (globalThis as { document?: unknown }).document === 'object' ||
  typeof (globalThis as { importScripts?: unknown }).importScripts === 'function'

async function attemptOnce(
  request: HttpRequest,
  options: SendOptions,
  timeoutMs: number,
): Promise<Response | RequestFailure> {
  const target = describe(request)
  if (hasCredentials(request.url)) {
    // fetch refuses such a URL anyway, with a message (and a cause) that repeats it whole.
    return failure(
      'policy',
      `${target}: the URL carries credentials (user:password@), which are never sent; pass client credentials as options instead`,
    )
  }
  const timeout = AbortSignal.timeout(Math.max(1, timeoutMs))
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout
  const doFetch = options.fetch ?? globalThis.fetch
  const headers: Record<string, string> = { accept: 'application/json', ...request.headers }
  try {
    const init: RequestInit = { method: request.method, headers, redirect: 'manual', signal }
    if (request.body !== undefined) init.body = request.body
    if (IN_BROWSER) init.credentials = 'omit'
    // Raced against the signal: a custom fetch that ignores it must not defeat the timeout.
    const response = await raceSignal(doFetch(request.url, init), signal)
    if (response.status >= 300 && response.status < 400) {
      await response.body?.cancel().catch(() => {})
      const location = response.headers.get('location')
      return failure(
        'invalid_response',
        `${target} answered with a redirect (${response.status}${location ? ` to ${safeUrl(location)}` : ''}); redirects are not followed`,
        { httpStatus: response.status },
      )
    }
    const body = await readCapped(response, options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES, signal)
    if (typeof body === 'number') {
      return failure(
        'invalid_response',
        `${target} answered with a body over the ${body}-byte size cap`,
        { httpStatus: response.status },
      )
    }
    return new Response(nullBodyStatus(response.status) ? null : body, {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
    })
  } catch (error) {
    if (options.signal?.aborted) throw options.signal.reason
    if (timeout.aborted) {
      return failure('timeout', `${target} timed out after ${timeoutMs} ms`, { cause: error })
    }
    return failure('network', `${target} failed: ${networkReason(error)}`, { cause: error })
  }
}

/** Reads the body, giving up once it passes `max` bytes (returns `max` then). */
async function readCapped(
  response: Response,
  max: number,
  signal: AbortSignal,
): Promise<Uint8Array | number> {
  const declared = Number(response.headers.get('content-length'))
  if (declared > max) {
    await response.body?.cancel().catch(() => {})
    return max
  }
  if (!response.body) return new Uint8Array(0)
  const reader = response.body.getReader()
  const chunks: Uint8Array[] = []
  let total = 0
  for (;;) {
    const { done, value } = await raceSignal(reader.read(), signal).catch(async (error) => {
      await reader.cancel().catch(() => {})
      throw error
    })
    if (done) break
    total += value.byteLength
    if (total > max) {
      await reader.cancel().catch(() => {})
      return max
    }
    chunks.push(value)
  }
  if (chunks.length === 1) return chunks[0]!
  const body = new Uint8Array(total)
  let offset = 0
  for (const chunk of chunks) {
    body.set(chunk, offset)
    offset += chunk.byteLength
  }
  return body
}

function retryDelay(result: Response | RequestFailure, attempt: number): number | undefined {
  const backoff = BACKOFF_BASE_MS * 2 ** attempt * (0.5 + Math.random() / 2)
  if (!(result instanceof Response)) {
    return result.errorType === 'network' || result.errorType === 'timeout' ? backoff : undefined
  }
  if (!RETRYABLE_STATUS.has(result.status)) return undefined
  const retryAfter = parseRetryAfter(result.headers.get('retry-after'))
  if (retryAfter === undefined) return backoff
  return retryAfter <= MAX_RETRY_AFTER_MS ? retryAfter : undefined
}

/** `Retry-After` as milliseconds: delta-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function parseRetryAfter(value: string | null): number | undefined {
  if (value === null) return undefined
  const trimmed = value.trim()
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000
  // Every HTTP-date form starts with the day name; Date.parse alone would read "-3" or "1.5"
  // as a date in the past, i.e. "retry at once".
  if (!/^[A-Za-z]/.test(trimmed)) return undefined
  const date = Date.parse(trimmed)
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now())
}

function nullBodyStatus(status: number): boolean {
  return status === 204 || status === 205 || status === 304
}

/** `METHOD origin/path`: what failure messages call a request (see {@link safeUrl}). */
function describe(request: HttpRequest): string {
  return `${request.method} ${safeUrl(String(request.url))}`
}

/**
 * A URL as messages and diagnostics may show it: without credentials (`user:password@`), query
 * string or fragment, any of which could carry something private.
 */
export function safeUrl(url: string): string {
  const cut = url.search(/[?#]/)
  const path = cut === -1 ? url : url.slice(0, cut)
  return path.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/]*@/i, '$1')
}

function hasCredentials(url: string | URL): boolean {
  let parsed: URL
  try {
    parsed = typeof url === 'string' ? new URL(url) : url
  } catch {
    return false
  }
  return parsed.username !== '' || parsed.password !== ''
}

function networkReason(error: unknown): string {
  const cause = (error as { cause?: unknown })?.cause
  const source = cause instanceof Error ? cause : error
  if (source instanceof Error) {
    const code = (source as { code?: unknown }).code
    return typeof code === 'string' && !source.message.includes(code)
      ? `${code} ${source.message}`
      : source.message
  }
  return String(source)
}
