/**
 * The one sign path: every JWT the library writes (DPoP proofs, client assertions, request
 * objects) is a compact JWS made here, with a key resolved by `keys.ts`.
 */
import { backend } from '#crypto-backend'
import { encodeBase64url, utf8 } from './encoding.js'
import type { SigningKey } from './keys.js'

/**
 * Signs `payload` as a compact JWS. The header gets the key's `alg`; the caller adds `typ`,
 * `kid`, `jwk` and anything else (members set to `undefined` are left out).
 */
export async function signJwt(
  header: Readonly<Record<string, unknown>>,
  payload: Readonly<Record<string, unknown>>,
  key: SigningKey,
): Promise<string> {
  const fullHeader = { alg: key.alg, ...header }
  const signingInput = `${encodeBase64url(JSON.stringify(fullHeader))}.${encodeBase64url(JSON.stringify(payload))}`
  const signature = await backend.sign(key.alg, key.handle, utf8(signingInput))
  return `${signingInput}.${encodeBase64url(signature)}`
}
