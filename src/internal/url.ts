/** URL helpers shared by discovery, the HTTP layer and the policy checks. */

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost'])

/** True when `url` points at this machine (127.0.0.0/8, ::1 or `localhost`). */
export function isLoopback(url: URL): boolean {
  return LOOPBACK_HOSTS.has(url.hostname) || url.hostname.startsWith('127.')
}

/**
 * Parses an absolute http(s) URL given by the caller; a caller mistake is a `TypeError` at once.
 */
export function parseHttpUrl(value: unknown, what: string): URL {
  if (typeof value !== 'string' || value.length === 0) {
    throw new TypeError(`${what} must be a non-empty URL string`)
  }
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw new TypeError(`${what} is not a valid absolute URL: ${JSON.stringify(value)}`)
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new TypeError(`${what} must use https (or http on loopback), got ${url.protocol}`)
  }
  return url
}
