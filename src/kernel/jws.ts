/**
 * Splitting and decoding a compact JWS (RFC 7515 §7.1) without trusting any of it yet.
 */
import { TokenValidationError } from '../errors.js'
import { decodeBase64url } from '../internal/base64url.js'

/** The JOSE header members validation reads (RFC 7515 §4.1); the rest stays available. */
export interface JwtHeader {
  readonly alg: string
  readonly kid?: string
  readonly typ?: string
  readonly crit?: readonly string[]
  readonly [member: string]: unknown
}

/**
 * The claims of a verified token. Registered claims are typed; every other claim is `unknown`
 * until you check it.
 *
 * @see RFC 7519 §4.1, RFC 9068 §2.2, OpenID Connect Core §2
 */
export interface Claims {
  readonly iss?: string
  readonly sub?: string
  readonly aud?: string | readonly string[]
  readonly exp?: number
  readonly nbf?: number
  readonly iat?: number
  readonly jti?: string
  readonly nonce?: string
  readonly azp?: string
  readonly client_id?: string
  /** Space-delimited scopes (RFC 8693 §4.2, RFC 9068 §2.2.3). */
  readonly scope?: string
  /** Scopes as some providers (Entra ID, Okta) send them. */
  readonly scp?: string | readonly string[]
  readonly [claim: string]: unknown
}

export interface DecodedJwt {
  readonly header: JwtHeader
  readonly claims: Claims
  /** `BASE64URL(header) || '.' || BASE64URL(payload)`: what the signature covers. */
  readonly signingInput: string
  /** The signature segment as sent (base64url); decoded only when a key is tried. */
  readonly signaturePart: string
}

const BASE64URL = /^[A-Za-z0-9_-]*$/
const HEADER_CACHE_LIMIT = 1000
/**
 * Parsed headers by their encoded form. A provider signs every token with the same few headers,
 * so this saves a decode and a JSON parse per token; it is cleared when full so forged headers
 * cannot grow it.
 */
const headerCache = new Map<string, JwtHeader>()

function malformed(message: string, cause?: unknown): TokenValidationError {
  return new TokenValidationError('malformed', message, cause === undefined ? undefined : { cause })
}

/**
 * Decodes a compact JWS. Throws `malformed` for anything that is not three base64url segments
 * with a JSON-object header and payload, `alg_none` for an unsigned token.
 */
export function decodeJwt(token: unknown): DecodedJwt {
  if (typeof token !== 'string' || token.length === 0) {
    throw malformed('the token is not a non-empty string')
  }
  const first = token.indexOf('.')
  const second = first === -1 ? -1 : token.indexOf('.', first + 1)
  if (second === -1 || token.indexOf('.', second + 1) !== -1) {
    throw malformed(
      token.split('.').length === 5
        ? 'the token is a JWE (encrypted); only signed JWTs are supported'
        : 'the token is not a compact JWS (three dot-separated segments)',
    )
  }
  const header = decodeHeader(token.slice(0, first))
  // The payload is decoded leniently: the signature covers its exact text, so a payload that is
  // not canonical base64url cannot pass verification unless its issuer signed it that way.
  let claims: unknown
  try {
    claims = JSON.parse(Buffer.from(token.slice(first + 1, second), 'base64url').toString('utf8'))
  } catch (error) {
    throw malformed('the token payload is not JSON', error)
  }
  if (claims === null || typeof claims !== 'object' || Array.isArray(claims)) {
    throw malformed('the token payload is not a JSON object')
  }
  const signaturePart = token.slice(second + 1)
  if (!BASE64URL.test(signaturePart)) throw malformed('the token signature is not base64url')
  return { header, claims: claims as Claims, signingInput: token.slice(0, second), signaturePart }
}

function decodeHeader(encoded: string): JwtHeader {
  const cached = headerCache.get(encoded)
  if (cached) return cached
  const bytes = decodeBase64url(encoded)
  if (bytes === undefined) throw malformed('the token header is not base64url')
  let header: unknown
  try {
    header = JSON.parse(bytes.toString('utf8'))
  } catch (error) {
    throw malformed('the token header is not JSON', error)
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) {
    throw malformed('the token header is not a JSON object')
  }
  const { alg, kid, typ, crit } = header as Record<string, unknown>
  if (typeof alg !== 'string') throw malformed('the token header has no "alg"')
  if (kid !== undefined && typeof kid !== 'string')
    throw malformed('the token "kid" is not a string')
  if (typ !== undefined && typeof typ !== 'string')
    throw malformed('the token "typ" is not a string')
  if (crit !== undefined) {
    // RFC 7515 §4.1.11: a recipient must reject a token whose critical extensions it does not
    // understand, and we implement none.
    throw malformed(
      `the token names critical header extensions we do not support: ${JSON.stringify(crit)}`,
    )
  }
  if (headerCache.size >= HEADER_CACHE_LIMIT) headerCache.clear()
  headerCache.set(encoded, Object.freeze(header) as JwtHeader)
  return header as JwtHeader
}
