/**
 * Reading an RFC 6750 `WWW-Authenticate: Bearer` challenge (`error`, `error_description`,
 * `error_uri`), as a protected resource such as the UserInfo endpoint sends it.
 *
 * @see RFC 6750 §3, RFC 9110 §11.6.1
 */

const ANY_SCHEME = /(?:^|,)\s*(?:Bearer|DPoP)(?:\s+|$)/i
const SCHEMES = {
  Bearer: /(?:^|,)\s*Bearer(?:\s+|$)/i,
  DPoP: /(?:^|,)\s*DPoP(?:\s+|$)/i,
} as const

/**
 * The parameters of the first `Bearer` (or `DPoP`) challenge of a `WWW-Authenticate` value, or of
 * the first challenge of the one `scheme` given.
 */
export function parseBearerChallenge(
  header: string | null,
  scheme?: 'Bearer' | 'DPoP',
): Record<string, string> | undefined {
  if (header === null) return undefined
  // Look for the scheme outside quoted strings only: an error_description may say "DPoP".
  const masked = header.replace(/"(?:[^"\\]|\\.)*"?/g, (quoted) => ' '.repeat(quoted.length))
  const start = (scheme === undefined ? ANY_SCHEME : SCHEMES[scheme]).exec(masked)
  if (start === null) return undefined
  const params: Record<string, string> = {}
  // auth-param = token BWS "=" BWS ( token / quoted-string ); stop at the next scheme.
  const param = /\s*([!#$%&'*+.^_`|~0-9A-Za-z-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,"]+))\s*(,|$)/y
  param.lastIndex = start.index + start[0].length
  for (;;) {
    const match = param.exec(header)
    if (match === null) break
    const name = match[1]!.toLowerCase()
    if (!Object.hasOwn(params, name)) {
      params[name] = match[2] === undefined ? match[3]! : match[2].replace(/\\(.)/g, '$1')
    }
    if (match[4] === '') break
  }
  return params
}
