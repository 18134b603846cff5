/**
 * One verify function per library, each configured the way its documentation recommends for an
 * API checking access tokens, each checking the same claims (signature, iss, aud, exp, nbf).
 */
import { constants, createHmac, timingSafeEqual, verify } from 'node:crypto'
import { auth } from 'express-oauth2-jwt-bearer'
import { createVerifier } from 'fast-jwt'
import { createLocalJWKSet, jwtVerify } from 'jose'
import jsonwebtoken from 'jsonwebtoken'
import jwksRsa from 'jwks-rsa'
import { ProviderCache, validateToken } from '../../src/index.js'
import { type AlgKey, AUDIENCE } from './fixtures.js'

export type Verify = (token: string) => unknown

/** The floor: `crypto.verify` alone on a pre-imported key over pre-split input. */
export function rawSync(key: AlgKey, tokens: readonly string[]): Verify {
  const parts = preSplit(tokens)
  const params = verifyParams(key)
  if (key.alg === 'HS256') {
    return (token) => {
      const [data, signature] = parts.get(token)!
      const mac = createHmac('sha256', key.publicKey).update(data).digest()
      return timingSafeEqual(mac, signature)
    }
  }
  return (token) => {
    const [data, signature] = parts.get(token)!
    return verify(params.hash, data, params.key, signature)
  }
}

/** `crypto.verify` on the libuv thread pool (callback form), same pre-split input. */
export function rawAsync(
  key: AlgKey,
  tokens: readonly string[],
): (token: string) => Promise<boolean> {
  const parts = preSplit(tokens)
  const params = verifyParams(key)
  return (token) =>
    new Promise((resolve, reject) => {
      const [data, signature] = parts.get(token)!
      verify(params.hash, data, params.key, signature, (error, ok) =>
        error ? reject(error) : resolve(ok),
      )
    })
}

/**
 * What any JWT library must do at the least, with nothing checked: split the token, decode and
 * parse its header and payload, decode the signature, and `crypto.verify` it on the libuv thread
 * pool (callback form). The floor a validator measured against `rawAsync` can reach.
 */
export function bareAsync(key: AlgKey): (token: string) => Promise<unknown> {
  const params = verifyParams(key)
  return (token) => {
    const first = token.indexOf('.')
    const second = token.indexOf('.', first + 1)
    const header = JSON.parse(Buffer.from(token.slice(0, first), 'base64url').toString())
    const claims = JSON.parse(Buffer.from(token.slice(first + 1, second), 'base64url').toString())
    const data = Buffer.from(token.slice(0, second), 'latin1')
    const signature = Buffer.from(token.slice(second + 1), 'base64url')
    return new Promise((resolve, reject) => {
      verify(params.hash, data, params.key, signature, (error, ok) =>
        error || !ok || header.alg !== key.alg
          ? reject(error ?? new Error('refused'))
          : resolve(claims),
      )
    })
  }
}

/** Signing input and signature bytes of each token, prepared outside the measured loop. */
function preSplit(tokens: readonly string[]): Map<string, readonly [Buffer, Buffer]> {
  return new Map(
    tokens.map((token) => {
      const dot = token.lastIndexOf('.')
      return [
        token,
        [Buffer.from(token.slice(0, dot)), Buffer.from(token.slice(dot + 1), 'base64url')] as const,
      ]
    }),
  )
}

function verifyParams(key: AlgKey) {
  switch (key.alg) {
    case 'PS256':
      return {
        hash: 'sha256',
        key: {
          key: key.publicKey,
          padding: constants.RSA_PKCS1_PSS_PADDING,
          saltLength: constants.RSA_PSS_SALTLEN_DIGEST,
        },
      }
    case 'ES256':
      return { hash: 'sha256', key: { key: key.publicKey, dsaEncoding: 'ieee-p1363' as const } }
    case 'EdDSA':
      return { hash: null, key: key.publicKey }
    default:
      return { hash: 'sha256', key: key.publicKey }
  }
}

/** identity-model: discovery mode (warm cache) for asymmetric keys, static key for HS256. */
export function ours(
  key: AlgKey,
  issuer: string,
  cache = new ProviderCache(),
): (token: string) => Promise<unknown> {
  if (key.alg === 'HS256') {
    const config = { performDisco: false, key: key.publicJwk as never, issuer, audience: AUDIENCE }
    return (token) => validateToken(token, config)
  }
  const config = { performDisco: true, audience: AUDIENCE, cache }
  return (token) => validateToken(token, config, issuer)
}

/** jose: `jwtVerify` with `createLocalJWKSet`. */
export function jose(key: AlgKey, issuer: string): (token: string) => Promise<unknown> {
  if (key.alg === 'HS256') {
    const secret = key.privateKey as Uint8Array
    return (token) =>
      jwtVerify(token, secret, { issuer, audience: AUDIENCE, algorithms: ['HS256'] })
  }
  const jwks = createLocalJWKSet({ keys: [key.publicJwk] })
  return (token) => jwtVerify(token, jwks, { issuer, audience: AUDIENCE, algorithms: [key.alg] })
}

/** fast-jwt: a synchronous `createVerifier` with the key. */
export function fastJwt(key: AlgKey, issuer: string): Verify {
  return createVerifier({
    key: key.pem,
    algorithms: [key.alg],
    allowedIss: issuer,
    allowedAud: AUDIENCE,
  })
}

/** jsonwebtoken with jwks-rsa (keys fetched from the local provider and cached). */
export function jsonwebtokenJwks(
  key: AlgKey,
  issuer: string,
): ((token: string) => Promise<unknown>) | undefined {
  if (key.alg === 'EdDSA') return undefined // jsonwebtoken does not support EdDSA
  if (key.alg === 'HS256') {
    return async (token) =>
      jsonwebtoken.verify(token, key.pem as Buffer, {
        algorithms: ['HS256'],
        issuer,
        audience: AUDIENCE,
      })
  }
  const client = jwksRsa({ jwksUri: `${issuer}/jwks`, cache: true, rateLimit: false })
  return async (token) => {
    const signingKey = await client.getSigningKey(key.kid)
    return jsonwebtoken.verify(token, signingKey.getPublicKey(), {
      algorithms: [key.alg as 'RS256'],
      issuer,
      audience: AUDIENCE,
    })
  }
}

/** express-oauth2-jwt-bearer's `auth()` middleware, called with a minimal request. */
export function auth0Bearer(
  key: AlgKey,
  issuer: string,
): ((token: string) => Promise<unknown>) | undefined {
  if (key.alg === 'HS256') return undefined // needs a secret-mode setup; not an access-token case
  const middleware = auth({ issuerBaseURL: issuer, audience: AUDIENCE, tokenSigningAlg: key.alg })
  return (token) =>
    new Promise((resolve, reject) => {
      const headers = { authorization: `Bearer ${token}`, host: '127.0.0.1' }
      const req = {
        headers,
        query: {},
        method: 'GET',
        protocol: 'http',
        url: '/api',
        get: (name: string) => headers[name.toLowerCase() as keyof typeof headers],
        is: () => false,
      } as never
      middleware(req, {} as never, (error?: unknown) =>
        error ? reject(error) : resolve((req as { auth?: unknown }).auth),
      )
    })
}
