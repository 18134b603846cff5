/**
 * The token endpoint's answer (RFC 6749 §5.1, §5.2), shared by every grant.
 */
import {
  type AuthorizationDetail,
  authorizationDetailsProblem,
} from '../authorization/authorization-details.js'
import { errorResponseFailure, isFailure, oauthError, readJsonObject } from '../http/json.js'
import { failure, type NoFailure, type RequestFailure } from '../http/result.js'

/** A successful token response, with its wire names. Extra members are kept. */
export interface TokenSet {
  readonly access_token: string
  readonly token_type: string
  /** Lifetime of the access token in seconds. */
  readonly expires_in?: number
  readonly refresh_token?: string
  readonly scope?: string
  readonly id_token?: string
  /** RFC 8693 §2.2.1. */
  readonly issued_token_type?: string
  /** RFC 9396 §7: what the access token is authorized for. */
  readonly authorization_details?: readonly AuthorizationDetail[]
  readonly [member: string]: unknown
}

/** A successful token response: the token set with its wire names, and the HTTP status. */
export interface TokenSuccess extends NoFailure {
  readonly isSuccessful: true
  readonly token: TokenSet
  readonly httpStatus: number
}

/** The result of every token request. */
export type TokenResponse = TokenSuccess | (RequestFailure & { readonly token?: undefined })

/**
 * The process step of every grant: a token-endpoint response to a {@link TokenResponse}. An
 * OAuth error body (also one sent with status 200, as some providers do) becomes
 * `errorType: 'protocol'`; a 200 without `access_token` or `token_type` is an `invalid_response`.
 *
 * @see RFC 6749 §5.1, §5.2
 */
export async function processTokenResponse(response: Response): Promise<TokenResponse> {
  if (response.status !== 200) return errorResponseFailure(response, 'the token endpoint')
  const json = await readJsonObject(response, 'the token response')
  if (isFailure(json)) return json
  const oauth = oauthError(json)
  if (oauth) return failure('protocol', oauth.error, { httpStatus: 200, ...oauth.extra })
  if (typeof json.access_token !== 'string' || json.access_token.length === 0) {
    return failure('invalid_response', 'the token response has no access_token', {
      httpStatus: 200,
    })
  }
  if (typeof json.token_type !== 'string') {
    return failure('invalid_response', 'the token response has no token_type', { httpStatus: 200 })
  }
  const expiresIn = json.expires_in
  if (expiresIn !== undefined) {
    // Some providers send "3600"; a number is what RFC 6749 §5.1 means.
    const seconds =
      typeof expiresIn === 'string' && /^\d+$/.test(expiresIn) ? Number(expiresIn) : expiresIn
    if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 0) {
      return failure('invalid_response', 'the token response has an invalid expires_in', {
        httpStatus: 200,
      })
    }
    json.expires_in = seconds
  }
  if (json.authorization_details !== undefined) {
    const problem = authorizationDetailsProblem(json.authorization_details)
    if (problem !== undefined) {
      return failure('invalid_response', `the token response's authorization_details ${problem}`, {
        httpStatus: 200,
      })
    }
  }
  return { isSuccessful: true, token: json as unknown as TokenSet, httpStatus: 200 }
}
