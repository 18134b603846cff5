/**
 * `createTlsFetch`: the public face of the `#tls-transport` seam, and the one place requests
 * get a `fetch` that presents a client certificate.
 */
import { createTlsFetch as createForRuntime } from '#tls-transport'
import type { TlsClientOptions } from './tls-options.js'

/** TLS fetches by configuration object: a `tls` option reused across calls reuses its agent. */
const fetches = new WeakMap<TlsClientOptions, typeof fetch>()

/**
 * A `fetch` whose HTTPS connections present a client certificate (RFC 8705 mutual TLS) and
 * trust the given certificate authorities. Token requests build one themselves from their `tls`
 * option; use this one for what comes after: calling an API with a certificate-bound access
 * token, or discovery and key sets at a provider whose certificate a private CA signed
 * (`createTlsFetch({ ca })`, passed as `fetch`).
 *
 * Node.js (and Bun, Deno) only: other runtimes cannot present a client certificate from code.
 *
 * @example
 * ```ts
 * const mtlsFetch = createTlsFetch({ cert: clientPem, key: clientKeyPem, ca: corporateCaPem })
 * const accounts = await mtlsFetch('https://api.bank.example/accounts', {
 *   headers: { authorization: `Bearer ${token.access_token}` },
 * })
 * ```
 * @see RFC 8705 §3 (certificate-bound access tokens)
 * @throws TypeError when `cert` comes without `key` (or the reverse) or a value is not PEM;
 *   {@link ConfigurationError} on a runtime without `node:https`.
 */
export function createTlsFetch(tls: TlsClientOptions): typeof fetch {
  if (tls !== null && typeof tls === 'object') {
    const known = fetches.get(tls)
    if (known !== undefined) return known
  }
  const created = createForRuntime(tls)
  fetches.set(tls, created)
  return created
}
