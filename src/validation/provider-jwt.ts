/**
 * Verifying a JWT the provider issued to this client (an ID token, a logout token, a signed
 * UserInfo response) with `validateToken`: the provider's published keys, or, for an HMAC
 * algorithm, the client secret (OpenID Connect Core §10.1), which only the caller can enable.
 */
import { TokenValidationError } from '../errors.js'
import { isSymmetric } from '../kernel/algorithms.js'
import { encodeBase64url } from '../kernel/encoding.js'
import {
  type DecryptionKeyInput,
  decryptJwe,
  type JweHeader,
  plaintextText,
} from '../kernel/jwe.js'
import type { Claims, JwtHeader } from '../kernel/jws.js'
import type { TokenValidationConfigInit } from './config.js'
import { validateToken } from './validate-token.js'

/** Only the signature: every claim check off (they run in the second pass). */
const SIGNATURE_ONLY = {
  verifySignature: true,
  verifyIss: false,
  verifyAud: false,
  verifyExp: false,
  verifyNbf: false,
  verifyIat: false,
  requireExp: false,
  requireIat: false,
} as const

/**
 * Validates a provider-issued JWT. An asymmetric `alg` goes straight to `validateToken`. An HMAC
 * `alg` is refused unless `clientSecret` is given; then the secret's UTF-8 octets are the key:
 * in discovery mode the signature is checked with the secret and the claims (issuer from
 * discovery) in a second `validateToken` pass; with a static configuration the secret replaces
 * `key`.
 */
export async function validateProviderJwt(
  jwt: string,
  header: JwtHeader,
  config: TokenValidationConfigInit,
  clientSecret: string | undefined,
  discoDocAddress: string | undefined,
  what: string,
): Promise<Claims> {
  if (!isSymmetric(header.alg)) return validateToken(jwt, config, discoDocAddress)
  if (typeof clientSecret !== 'string' || clientSecret.length === 0) {
    throw new TokenValidationError(
      'unsupported_alg',
      `the ${what} is signed with ${header.alg} (HMAC); set clientSecret to verify it with the client secret (OpenID Connect Core §10.1), or register the client for an asymmetric algorithm`,
    )
  }
  const key = { kty: 'oct', k: encodeBase64url(clientSecret) }
  if (!config.performDisco) return validateToken(jwt, { ...config, key }, discoDocAddress)
  if (config.options?.verifySignature !== false) {
    await validateToken(jwt, {
      performDisco: false,
      key,
      algorithms: config.algorithms,
      options: SIGNATURE_ONLY,
    })
  }
  return validateToken(
    jwt,
    { ...config, options: { ...config.options, verifySignature: false } },
    discoDocAddress,
  )
}

/** How an encrypted provider JWT (ID token, UserInfo response) is decrypted. */
export interface DecryptionOptions {
  /** The client's private key(s) the provider encrypts to (a private JWK, KeyObject, CryptoKey, or a list or JWK Set). */
  readonly decryptionKey?: DecryptionKeyInput | undefined
  /** Allowed key-management `alg` values (default: every one the library supports). */
  readonly decryptionAlgorithms?: readonly string[] | undefined
  /** Allowed content-encryption `enc` values (default: every one the library supports). */
  readonly encryptionAlgorithms?: readonly string[] | undefined
}

/** What a decrypted provider JWT held: a nested signed JWT, or (UserInfo only) plain JSON. */
export type DecryptedContent =
  | { readonly kind: 'jws'; readonly jws: string; readonly header: JweHeader }
  | { readonly kind: 'json'; readonly json: Record<string, unknown>; readonly header: JweHeader }

/**
 * Decrypts an encrypted provider JWT with the client's key (OpenID Connect Core §10.2: sign,
 * then encrypt). A nested JWT is returned for the usual signature checks; plain JSON only where
 * the caller allows it (an encrypted but unsigned UserInfo response).
 *
 * @throws TokenValidationError as `decryptJwe`, and `malformed` when no `decryptionKey` is
 *   configured or the plaintext is neither a signed JWT nor (when allowed) a JSON object.
 */
export async function decryptProviderJwt(
  token: string,
  options: DecryptionOptions,
  what: string,
  allowJson: boolean,
): Promise<DecryptedContent> {
  if (options.decryptionKey === undefined) {
    throw new TokenValidationError(
      'malformed',
      `the ${what} is encrypted (JWE); set decryptionKey to the client's private encryption key`,
    )
  }
  const { header, plaintext } = await decryptJwe(token, options.decryptionKey, {
    algorithms: options.decryptionAlgorithms,
    encryptionAlgorithms: options.encryptionAlgorithms,
    what: `the ${what}`,
  })
  const text = plaintextText(plaintext, `the ${what}`).trim()
  if (/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(text)) {
    return { kind: 'jws', jws: text, header }
  }
  if (allowJson && text.startsWith('{')) {
    try {
      const json = JSON.parse(text) as unknown
      if (json !== null && typeof json === 'object' && !Array.isArray(json)) {
        return { kind: 'json', json: json as Record<string, unknown>, header }
      }
    } catch {
      // refused below, without quoting the plaintext
    }
  }
  throw new TokenValidationError(
    'malformed',
    allowJson
      ? `the decrypted ${what} is neither a signed JWT nor a JSON object`
      : `the decrypted ${what} is not a signed JWT (OpenID Connect Core §10.2: sign, then encrypt)`,
  )
}
