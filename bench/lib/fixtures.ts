/**
 * Keys, access-token-shaped JWTs, and a local provider (discovery + JWKS over HTTP on
 * 127.0.0.1) for the benchmarks.
 */
import {
  createSecretKey,
  generateKeyPairSync,
  type KeyObject,
  randomBytes,
  randomUUID,
} from 'node:crypto'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { type JWK, SignJWT } from 'jose'

export const ALGS = ['RS256', 'PS256', 'ES256', 'EdDSA'] as const
export type Alg = (typeof ALGS)[number] | 'HS256'
export const AUDIENCE = 'my-api'

export interface AlgKey {
  readonly alg: Alg
  readonly kid: string
  readonly privateKey: KeyObject | Uint8Array
  readonly publicKey: KeyObject
  readonly publicJwk: JWK
  /** PEM of the public key (or the secret), for libraries that take one. */
  readonly pem: string | Buffer
}

export function makeKey(alg: Alg): AlgKey {
  const kid = `${alg.toLowerCase()}-1`
  if (alg === 'HS256') {
    const secret = randomBytes(32)
    const key = createSecretKey(secret)
    return {
      alg,
      kid,
      privateKey: secret,
      publicKey: key,
      publicJwk: { kty: 'oct', k: secret.toString('base64url'), kid, alg },
      pem: secret,
    }
  }
  const pair =
    alg === 'ES256'
      ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
      : alg === 'EdDSA'
        ? generateKeyPairSync('ed25519')
        : generateKeyPairSync('rsa', { modulusLength: 2048 })
  const publicJwk = { ...(pair.publicKey.export({ format: 'jwk' }) as JWK), kid, alg, use: 'sig' }
  return {
    alg,
    kid,
    privateKey: pair.privateKey,
    publicKey: pair.publicKey,
    publicJwk,
    pem: pair.publicKey.export({ format: 'pem', type: 'spki' }) as string,
  }
}

/** `count` distinct tokens shaped like real access tokens. */
export async function makeTokens(
  key: AlgKey,
  issuer: string,
  count: number,
  kid = key.kid,
): Promise<string[]> {
  const now = Math.floor(Date.now() / 1000)
  const tokens: string[] = []
  for (let i = 0; i < count; i++) {
    tokens.push(
      await new SignJWT({
        scope: 'api:read api:write',
        client_id: 'bench-client',
      })
        .setProtectedHeader({ alg: key.alg, kid, typ: 'at+jwt' })
        .setIssuer(issuer)
        .setAudience(AUDIENCE)
        .setSubject(`user-${i}`)
        .setIssuedAt(now - 10)
        .setNotBefore(now - 10)
        .setExpirationTime(now + 3600)
        .setJti(randomUUID())
        .sign(key.privateKey),
    )
  }
  return tokens
}

export interface LocalProvider {
  readonly issuer: string
  readonly counts: { discovery: number; jwks: number }
  setDelay(ms: number): void
  setKeys(keys: readonly JWK[]): void
  close(): Promise<void>
}

/** Serves discovery and a JWKS on 127.0.0.1, counting requests, with an optional delay. */
export async function startLocalProvider(keys: readonly JWK[]): Promise<LocalProvider> {
  let published = keys
  let delay = 0
  const counts = { discovery: 0, jwks: 0 }
  let issuer = ''
  const server: Server = createServer((req, res) => {
    const send = (body: unknown) => {
      const json = JSON.stringify(body)
      setTimeout(() => {
        res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'max-age=3600' })
        res.end(json)
      }, delay)
    }
    if (req.url === '/.well-known/openid-configuration') {
      counts.discovery++
      send({
        issuer,
        authorization_endpoint: `${issuer}/authorize`,
        token_endpoint: `${issuer}/token`,
        jwks_uri: `${issuer}/jwks`,
        response_types_supported: ['code'],
        subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: ['RS256', 'PS256', 'ES256', 'EdDSA'],
      })
    } else if (req.url === '/jwks') {
      counts.jwks++
      send({ keys: published })
    } else {
      res.writeHead(404).end()
    }
  })
  server.keepAliveTimeout = 60_000
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    issuer,
    counts,
    setDelay: (ms) => {
      delay = ms
    },
    setKeys: (next) => {
      published = next
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
