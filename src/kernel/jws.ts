/**
 * The one compact-JWS decoder (RFC 7515 §7.1): split, decode and parse a JWS without trusting
 * any of it yet. Every JWT the library reads (access tokens, ID tokens, logout tokens, DPoP
 * proofs, signed UserInfo, JARM responses, JWT introspection responses) starts here.
 */
import { TokenValidationError } from '../errors.js'
import { decodeBase64urlText, isBase64url } from './encoding.js'

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

/** A decoded (not yet verified) compact JWS. */
export interface DecodedJws {
  readonly header: JwtHeader
  readonly claims: Claims
  /** `BASE64URL(header) || '.' || BASE64URL(payload)`: what the signature covers. */
  readonly signingInput: string
  /** The encoded header, the key of the header cache. */
  readonly encodedHeader: string
  /** The signature segment as sent (base64url); decoded only when a key is tried. */
  readonly signaturePart: string
}

/** Headers longer than this (encoded) are never cached: a provider's are ~100 characters. */
const CACHEABLE_HEADER_LENGTH = 1024
const HEADER_CACHE_ENTRIES = 256
/**
 * Parsed headers of tokens that verified, by their encoded form. A provider signs every token
 * with the same few headers, so this saves a decode and a JSON parse per token. Only headers of
 * verified tokens enter it (see {@link rememberHeader}), and only short ones, so forged tokens
 * can neither fill it nor pin memory: at most 256 KB, whatever arrives.
 */
const headerCache = new Map<string, JwtHeader>()

function malformed(message: string, cause?: unknown): TokenValidationError {
  return new TokenValidationError('malformed', message, cause === undefined ? undefined : { cause })
}

/**
 * Decodes a compact JWS. Throws `malformed` for anything that is not three base64url segments
 * with a JSON-object header and payload. `alg` must be a string; what it names is checked by the
 * verify path.
 */
export function decodeJws(token: unknown): DecodedJws {
  if (typeof token !== 'string' || token.length === 0) {
    throw malformed('the token is not a non-empty string')
  }
  const first = token.indexOf('.')
  const second = first === -1 ? -1 : token.indexOf('.', first + 1)
  if (second === -1 || token.indexOf('.', second + 1) !== -1) {
    throw malformed(
      countDots(token) === 4
        ? 'the token is a JWE (encrypted); decrypt it first or use a signed JWT'
        : 'the token is not a compact JWS (three dot-separated segments)',
    )
  }
  const encodedHeader = token.slice(0, first)
  const header = headerCache.get(encodedHeader) ?? decodeHeader(encodedHeader)
  const claims = parseObject(token.slice(first + 1, second), 'payload')
  const signaturePart = token.slice(second + 1)
  if (!isBase64url(signaturePart)) throw malformed('the token signature is not base64url')
  return {
    header,
    claims: claims as Claims,
    signingInput: token.slice(0, second),
    encodedHeader,
    signaturePart,
  }
}

/** What {@link decodeUnverifiedJwt} gives: copies of a JWT's header and claims. */
export interface UnverifiedJwt {
  readonly header: JwtHeader
  readonly claims: Claims
}

/**
 * Decodes a JWT **without verifying anything**: its header and claims, for display, debugging or
 * routing (which issuer to ask). Never base a decision on them: use `validateToken`,
 * `validateIdToken` and the other validators for that. Same decoder as every validator.
 *
 * @example
 * ```ts
 * const { header, claims } = decodeUnverifiedJwt(token)
 * console.log(header.kid, claims.iss)
 * ```
 * @throws {@link TokenValidationError} with code `malformed` for anything that is not a compact
 *   JWS with JSON-object header and payload (a JWE says so).
 */
export function decodeUnverifiedJwt(token: string): UnverifiedJwt {
  const { header, claims } = decodeJws(token)
  // Copies: the header may be the shared cached object.
  return { header: { ...header }, claims: { ...claims } }
}

/** Counts the dots of a string (stops at 5: only "3 segments" and "5 segments" matter). */
function countDots(token: string): number {
  let count = 0
  for (let at = token.indexOf('.'); at !== -1 && count < 5; at = token.indexOf('.', at + 1)) {
    count++
  }
  return count
}

/** Remembers the header of a token that verified, so the next token with it skips a parse. */
export function rememberHeader(jws: DecodedJws): void {
  if (jws.encodedHeader.length > CACHEABLE_HEADER_LENGTH || headerCache.has(jws.encodedHeader)) {
    return
  }
  if (headerCache.size >= HEADER_CACHE_ENTRIES) {
    headerCache.delete(headerCache.keys().next().value as string)
  }
  headerCache.set(jws.encodedHeader, jws.header)
}

function parseObject(encoded: string, part: 'header' | 'payload'): Record<string, unknown> {
  // Strict on every runtime: only the base64url alphabet, no padding (Node's own decoder would
  // skip anything else; the Web one would throw).
  const text = decodeBase64urlText(encoded)
  if (text === undefined) throw malformed(`the token ${part} is not base64url`)
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (error) {
    throw malformed(`the token ${part} is not JSON`, error)
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw malformed(`the token ${part} is not a JSON object`)
  }
  return value as Record<string, unknown>
}

function decodeHeader(encoded: string): JwtHeader {
  const header = parseObject(encoded, 'header')
  const { alg, kid, typ, crit } = header
  if (typeof alg !== 'string') throw malformed('the token header has no "alg"')
  if (kid !== undefined && typeof kid !== 'string') {
    throw malformed('the token "kid" is not a string')
  }
  if (typ !== undefined && typeof typ !== 'string') {
    throw malformed('the token "typ" is not a string')
  }
  if (crit !== undefined) {
    // RFC 7515 §4.1.11: a recipient must reject a token whose critical extensions it does not
    // understand, and we implement none.
    throw malformed(
      `the token names critical header extensions we do not support: ${JSON.stringify(crit).slice(0, 100)}`,
    )
  }
  return Object.freeze(header) as JwtHeader
}
