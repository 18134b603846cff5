/**
 * Recognising a server's request for a DPoP nonce (RFC 9449 §8, §9): `use_dpop_nonce` with a
 * `DPoP-Nonce` header, from an authorization server (400 and a JSON error body) or a protected
 * resource (401 and a `WWW-Authenticate: DPoP` challenge).
 */
import { parseBearerChallenge } from '../http/www-authenticate.js'
import { isNonce } from './proof.js'

/** The error code of a nonce request (RFC 9449 §8, §9). */
export const USE_DPOP_NONCE = 'use_dpop_nonce'

/**
 * The nonce a response asks the client to retry with, or `undefined` when it is not a
 * `use_dpop_nonce` answer carrying a valid `DPoP-Nonce`: a 401 with a
 * `WWW-Authenticate: DPoP error="use_dpop_nonce"` challenge, or a 400 whose JSON error is
 * `use_dpop_nonce`. Only a 400's body is read (from a clone, so the response stays readable).
 *
 * @see RFC 9449 §8 (authorization server: 400), §9 (resource server: 401)
 */
export async function nonceRequested(response: Response): Promise<string | undefined> {
  if (response.status !== 400 && response.status !== 401) return undefined
  const nonce = response.headers.get('dpop-nonce')
  if (!isNonce(nonce)) return undefined
  const challenge = parseBearerChallenge(response.headers.get('www-authenticate'), 'DPoP')
  if (challenge?.error === USE_DPOP_NONCE) return nonce
  if (response.status !== 400) return undefined
  try {
    const body = (await response.clone().json()) as { error?: unknown } | null
    return body?.error === USE_DPOP_NONCE ? nonce : undefined
  } catch {
    return undefined
  }
}
