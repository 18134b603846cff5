/**
 * The seam for TLS client certificates (RFC 8705 mutual TLS) and private certificate
 * authorities. The package's `imports` map (`#tls-transport`) picks `node.ts` on Node.js (and Bun
 * and Deno, which implement `node:https`) and `unsupported.ts` elsewhere: Workers and browsers
 * cannot present a client certificate from code.
 */

import type { TlsClientOptions } from '../tls-options.js'

export type { TlsClientOptions } from '../tls-options.js'

/**
 * A `fetch` whose HTTPS connections present `tls.cert` and trust `tls.ca`.
 *
 * @throws ConfigurationError on runtimes that cannot present a client certificate from code.
 */
export declare function createTlsFetch(tls: TlsClientOptions): typeof fetch
