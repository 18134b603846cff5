/**
 * The `tls` option of requests that present a client certificate (RFC 8705 mutual TLS), in a
 * module of its own so public types never point into the `#tls-transport` seam.
 */

/**
 * A client certificate and the trust it needs, PEM text (or DER/PEM bytes), as RFC 8705 mutual
 * TLS wants them.
 */
export interface TlsClientOptions {
  /** The client certificate (PEM; a chain may follow it). */
  readonly cert?: string | Uint8Array | undefined
  /** Its private key (PEM). Never logged, never put in an error message. */
  readonly key?: string | Uint8Array | undefined
  /**
   * The certificate authorities to trust for the server's certificate instead of the system
   * ones (PEM, or several). Default: the platform's trust store.
   */
  readonly ca?: string | Uint8Array | readonly (string | Uint8Array)[] | undefined
}
