/**
 * `#tls-transport` on runtimes without `node:https` (Workers, browsers, Vercel's Edge runtime):
 * a client certificate cannot be presented from code there.
 */
import { ConfigurationError } from '../../errors.js'
import type { TlsClientOptions } from '../tls-options.js'

export type { TlsClientOptions } from '../tls-options.js'

/**
 * Always throws: this runtime cannot open a TLS connection with a client certificate.
 *
 * @throws ConfigurationError with what to do instead.
 */
export function createTlsFetch(_tls: TlsClientOptions): typeof fetch {
  throw new ConfigurationError(
    'the tls option (client certificates, RFC 8705 mutual TLS) needs node:https (Node.js, Bun, Deno); on this runtime terminate mutual TLS in front of it, or pass a fetch whose connections present the certificate (Deno.createHttpClient, a Workers mTLS binding)',
  )
}
