/** URL helpers shared by discovery, the HTTP layer and the policy checks. */

const LOOPBACK_HOSTS = new Set(['[::1]', 'localhost'])
const LOOPBACK_V4 = /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/

/**
 * True when `url` points at this machine: an IPv4 address in 127.0.0.0/8 (the URL parser has
 * already normalised it to four decimal parts), ::1 or `localhost`. A DNS name that merely starts
 * with "127." is not loopback.
 */
export function isLoopback(url: URL): boolean {
  return LOOPBACK_HOSTS.has(url.hostname) || LOOPBACK_V4.test(url.hostname)
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
