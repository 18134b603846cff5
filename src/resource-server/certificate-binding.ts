/**
 * Certificate-bound access tokens at the resource server (RFC 8705 §3): a token whose
 * `cnf` holds `x5t#S256` is accepted only over a connection that presented that certificate.
 * Framework-free: adapters supply the certificate (from the TLS socket, or from a header a
 * trusted proxy sets); this module decides.
 *
 * @see RFC 8705 §3, §3.1; RFC 9440 (the `Client-Cert` header)
 */
import { TokenValidationError } from '../errors.js'
import { sha256Base64url } from '../kernel/digest.js'
import { decodeBase64url } from '../kernel/encoding.js'
import type { Claims } from '../kernel/jws.js'

/** A client certificate as adapters hand it over: DER bytes, or PEM text. */
export type ClientCertificate = string | Uint8Array

/** The `mtls` option of the resource server, when it is more than `true`. */
export interface MtlsOptions {
  /**
   * The header in which a TLS-terminating proxy you trust passes the client certificate:
   * RFC 9440 `Client-Cert` (`:base64 DER:`), a URL-encoded PEM (nginx
   * `$ssl_client_escaped_cert`, AWS ALB), a PEM or base64 DER. Required by the web adapter;
   * Express and Fastify read the TLS socket unless it is set.
   * @remarks **Risk:** the proxy must strip this header from what clients send, or anyone can
   * claim any certificate.
   */
  readonly certificateHeader?: string | undefined
}

/** The resolved `mtls` setting. */
export interface MtlsSettings {
  /** Lower-cased header name, when the certificate comes from a proxy header. */
  readonly header: string | undefined
}

/**
 * Resolves the `mtls` option (`undefined`/`false`: off).
 *
 * @throws TypeError for a malformed option.
 */
export function resolveMtls(option: boolean | MtlsOptions | undefined): MtlsSettings | undefined {
  if (option === undefined || option === false) return undefined
  if (option === true) return { header: undefined }
  if (option === null || typeof option !== 'object') {
    throw new TypeError('mtls must be true or { certificateHeader }')
  }
  const header = option.certificateHeader
  if (header !== undefined && (typeof header !== 'string' || !/^[A-Za-z0-9-]+$/.test(header))) {
    throw new TypeError('mtls.certificateHeader must be a header name')
  }
  return { header: header?.toLowerCase() }
}

/** Headers longer than this are not certificates we accept (a chain of a few is ~8 KB). */
const MAX_HEADER_LENGTH = 16 * 1024

/**
 * The DER bytes of a certificate passed in a header by a proxy, or `undefined` when the value is
 * missing, too long or not one of the accepted encodings.
 */
export function certificateFromHeader(
  value: string | readonly string[] | undefined,
): Uint8Array | undefined {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_HEADER_LENGTH) {
    return undefined
  }
  let text = value.trim()
  // RFC 9440 §2.2: a structured-field byte sequence.
  if (text.length > 2 && text.startsWith(':') && text.endsWith(':'))
    return base64(text.slice(1, -1))
  if (text.includes('%')) {
    try {
      text = decodeURIComponent(text)
    } catch {
      return undefined
    }
  }
  return text.includes('-----BEGIN') ? pemToDer(text) : base64(text)
}

/** The DER of the first certificate of a PEM text. */
function pemToDer(pem: string): Uint8Array | undefined {
  const match = /-----BEGIN CERTIFICATE-----([A-Za-z0-9+/=\s]+)-----END CERTIFICATE-----/.exec(pem)
  return match ? base64(match[1]!.replace(/\s+/g, '')) : undefined
}

/** Standard base64 (padding optional) to bytes; `undefined` when it is not base64. */
function base64(text: string): Uint8Array | undefined {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text)) return undefined
  return decodeBase64url(text.replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_'))
}

/**
 * The RFC 8705 thumbprint of a certificate: base64url(SHA-256(DER)), as `cnf["x5t#S256"]`
 * carries it.
 *
 * @example
 * ```ts
 * certificateThumbprint(req.socket.getPeerCertificate().raw) // 'A4DtL2JmUMhAsvJj5tKyn64SqzmuXbMrJa0n761y5v0'
 * ```
 * @see RFC 8705 §3.1
 * @throws TypeError when PEM text holds no certificate.
 */
export function certificateThumbprint(certificate: ClientCertificate): string {
  const der = typeof certificate === 'string' ? pemToDer(certificate) : certificate
  if (der === undefined || der.length === 0) {
    throw new TypeError('the client certificate must be DER bytes or PEM text')
  }
  return sha256Base64url(der)
}

/** The `x5t#S256` confirmation of a token, if it has one (`null` when `cnf` holds a malformed one). */
function boundThumbprint(claims: Claims): string | undefined | null {
  const cnf = claims.cnf
  if (cnf === null || typeof cnf !== 'object') return undefined
  const value = (cnf as Record<string, unknown>)['x5t#S256']
  if (value === undefined) return undefined
  return typeof value === 'string' && value.length > 0 ? value : null
}

/**
 * Refuses a certificate-bound token (`cnf.x5t#S256`) unless mutual TLS is on and the
 * connection's certificate has that thumbprint; tokens without the binding pass untouched.
 *
 * @throws TokenValidationError (`claim_validation`, claim `x5t#S256`): 401 `invalid_token`.
 */
export function checkCertificateBinding(
  claims: Claims,
  certificate: ClientCertificate | undefined,
  mtls: MtlsSettings | undefined,
): void {
  const bound = boundThumbprint(claims)
  if (bound === undefined) return
  const refuse = (message: string) =>
    new TokenValidationError('claim_validation', message, { claim: 'x5t#S256' })
  if (bound === null) throw refuse('the token has a malformed cnf["x5t#S256"]')
  if (mtls === undefined) {
    throw refuse(
      'the token is bound to a client certificate (cnf.x5t#S256) and this API does not check certificates (mtls option off)',
    )
  }
  if (certificate === undefined) {
    throw refuse('the token is bound to a client certificate, and the request presented none')
  }
  let actual: string
  try {
    actual = certificateThumbprint(certificate)
  } catch {
    throw refuse('the client certificate of the request cannot be read')
  }
  if (actual !== bound) {
    throw refuse(
      'the token is bound to another client certificate than the one this request presented',
    )
  }
}

/**
 * The client certificate of a Node.js TLS socket (`getPeerCertificate(true).raw`), if the
 * client presented one. For adapters; `socket` is typed loosely so this module stays free of
 * `node:` imports.
 */
export function socketCertificate(socket: unknown): Uint8Array | undefined {
  const peer = (socket as { getPeerCertificate?: (detailed: boolean) => unknown } | undefined)
    ?.getPeerCertificate
  if (typeof peer !== 'function') return undefined
  const raw = (peer.call(socket, true) as { raw?: unknown } | null)?.raw
  return raw instanceof Uint8Array && raw.length > 0 ? raw : undefined
}
