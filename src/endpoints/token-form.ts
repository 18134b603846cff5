/** The form both introspection (RFC 7662 §2.1) and revocation (RFC 7009 §2.1) send. */

/**
 * A `token_type_hint`: the registered values, or any other the server defines.
 *
 * @example
 * ```ts
 * await revokeToken({ ...client, token: refreshToken, tokenTypeHint: 'refresh_token' })
 * ```
 * @see RFC 7009 §2.1, RFC 7662 §2.1
 */
export type TokenTypeHint = 'access_token' | 'refresh_token' | (string & {})

/**
 * `token` and, when given, `token_type_hint`.
 *
 * @throws TypeError when `token` is missing or empty, or the hint is not a string.
 */
export function tokenForm(request: {
  readonly token?: string | undefined
  readonly tokenTypeHint?: TokenTypeHint | undefined
}): URLSearchParams {
  const { token, tokenTypeHint } = request
  if (typeof token !== 'string' || token.length === 0) throw new TypeError('token is required')
  const body = new URLSearchParams({ token })
  if (tokenTypeHint !== undefined) {
    if (typeof tokenTypeHint !== 'string' || tokenTypeHint.length === 0) {
      throw new TypeError('tokenTypeHint must be a non-empty string')
    }
    body.set('token_type_hint', tokenTypeHint)
  }
  return body
}
