/**
 * The Node side's fixtures for the portable suite, made at run time: static keys with tokens
 * signed by jose (an independent implementation), a DPoP private key, and per runtime a fresh
 * sign-in at the testbed provider that stops at the client's callback (codes are single-use).
 * Everything is handed to the suite as one JSON object (suite/context.ts).
 */
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto'
import { CompactEncrypt, SignJWT } from 'jose'
import { clients, resources, type TestProvider } from '../../../testbed/provider.js'
import { REDIRECT_URI } from '../../support/sign-in.js'
import { makeKey, type TestKey, unsigned } from '../../support/tokens.js'
import { UserAgent } from '../../support/user-agent.js'
import { STATIC_ALGS } from '../suite/cases/static-keys.js'
import type {
  CodeFlowFixture,
  JweFixture,
  Jwk,
  PortableContext,
  RuntimeName,
  StaticAlg,
  StaticKeyFixture,
} from '../suite/context.js'

export { REDIRECT_URI }

const ISSUER = 'https://issuer.example.test'
const AUDIENCE = 'my-api'
/** The audience of the testbed's JWT access tokens (resource `https://api.example.test`). */
const PROVIDER_AUDIENCE = 'my-api'

/** What is the same for every runtime of one run. */
export interface SharedFixtures {
  readonly staticKeys: readonly StaticKeyFixture[]
  readonly dpopPrivateJwk: Jwk
  readonly jwe: JweFixture
}

export async function makeSharedFixtures(): Promise<SharedFixtures> {
  const staticKeys: StaticKeyFixture[] = []
  for (const alg of STATIC_ALGS) staticKeys.push(await staticFixture(alg))
  const dpop = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  return {
    staticKeys,
    dpopPrivateJwk: dpop.privateKey.export({ format: 'jwk' }) as Jwk,
    jwe: await jweFixture(),
  }
}

/** The pairs the portable suite decrypts on every runtime. */
export const JWE_PAIRS: readonly (readonly [string, string])[] = [
  ['RSA-OAEP-256', 'A128CBC-HS256'],
  ['RSA-OAEP-256', 'A256GCM'],
  ['ECDH-ES', 'A128GCM'],
  ['ECDH-ES', 'A256CBC-HS512'],
  ['ECDH-ES+A128KW', 'A128GCM'],
  ['ECDH-ES+A256KW', 'A256GCM'],
  ['ECDH-ES+A192KW', 'A192CBC-HS384'],
  ['RSA-OAEP-256', 'A192GCM'],
]

function withHeader(jwe: string, members: Record<string, unknown>): string {
  const parts = jwe.split('.')
  const header = JSON.parse(Buffer.from(parts[0]!, 'base64url').toString())
  parts[0] = Buffer.from(JSON.stringify({ ...header, ...members })).toString('base64url')
  return parts.join('.')
}

async function jweFixture(): Promise<JweFixture> {
  const signer = makeKey('RS256', 'sig-1')
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const other = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const now = Math.floor(Date.now() / 1000)
  const nonce = randomBytes(16).toString('base64url')
  const idToken = await sign(signer, {
    iss: ISSUER,
    sub: 'user-1',
    aud: 'jwe-client',
    nonce,
    iat: now,
    exp: now + 3600,
  })
  const encrypt = (alg: string, enc: string, key: unknown, extra: Record<string, unknown> = {}) =>
    new CompactEncrypt(new TextEncoder().encode(idToken))
      .setProtectedHeader({ alg, enc, cty: 'JWT', ...extra })
      .encrypt(key as Parameters<CompactEncrypt['encrypt']>[0])
  const tokens: Record<string, string> = {}
  for (const [alg, enc] of JWE_PAIRS) {
    tokens[`${alg} ${enc}`] = await encrypt(
      alg,
      enc,
      alg === 'RSA-OAEP-256' ? rsa.publicKey : ec.publicKey,
    )
  }
  const good = tokens['RSA-OAEP-256 A256GCM']!.split('.')
  const tag = Buffer.from(good[4]!, 'base64url')
  tag[0]! ^= 1
  good[4] = tag.toString('base64url')
  return {
    issuer: ISSUER,
    clientId: 'jwe-client',
    nonce,
    signingKey: signer.publicJwk as Jwk,
    rsaKey: rsa.privateKey.export({ format: 'jwk' }) as Jwk,
    ecKey: ec.privateKey.export({ format: 'jwk' }) as Jwk,
    tokens,
    tamperedTag: good.join('.'),
    otherKey: await encrypt('RSA-OAEP-256', 'A128CBC-HS256', other.publicKey),
    // jose no longer compresses: the header says zip, which must be refused before any crypto.
    zipped: withHeader(tokens['RSA-OAEP-256 A128CBC-HS256']!, { zip: 'DEF' }),
  }
}

/** The context for one runtime: shared fixtures plus a sign-in of its own. */
export async function makeContext(
  op: TestProvider,
  runtime: RuntimeName,
  shared: SharedFixtures,
  caseTimeoutMs = 15_000,
): Promise<PortableContext> {
  return {
    runtime,
    caseTimeoutMs,
    issuer: op.issuer,
    discoveryUrl: op.discoveryUrl,
    resource: resources.api,
    audience: PROVIDER_AUDIENCE,
    clients: {
      basic: clients.serviceBasic,
      post: clients.servicePost,
      readonly: clients.serviceReadonly,
    },
    staticKeys: shared.staticKeys,
    codeFlow: await signInForCode(op, `portable-${runtime}`),
    dpopPrivateJwk: shared.dpopPrivateJwk,
    jwe: shared.jwe,
  }
}

type Signer = TestKey | { readonly secret: Uint8Array; readonly alg: string; readonly kid: string }

async function sign(
  signer: Signer,
  claims: Record<string, unknown>,
  header: Record<string, unknown> = {},
): Promise<string> {
  const kid = 'secret' in signer ? signer.kid : signer.publicJwk.kid
  const key = 'secret' in signer ? signer.secret : signer.privateKey
  return new SignJWT(claims)
    .setProtectedHeader({ alg: signer.alg, ...(kid === undefined ? {} : { kid }), ...header })
    .sign(key)
}

async function staticFixture(alg: StaticAlg): Promise<StaticKeyFixture> {
  const kid = `${alg.toLowerCase()}-1`
  const now = Math.floor(Date.now() / 1000)
  // An hour of validity: the runtimes run within minutes of this.
  const claims = (overrides: Record<string, unknown> = {}) => ({
    iss: ISSUER,
    sub: 'user-1',
    aud: AUDIENCE,
    iat: now,
    nbf: now,
    exp: now + 3600,
    scope: 'api:read api:write',
    client_id: 'portable-client',
    jti: randomBytes(8).toString('hex'),
    ...overrides,
  })
  let signer: Signer
  let other: Signer
  let key: Jwk
  let mismatched: string
  if (alg === 'HS256') {
    const secret = randomBytes(32)
    signer = { secret, alg, kid }
    other = { secret: randomBytes(32), alg, kid }
    key = { kty: 'oct', k: secret.toString('base64url'), kid }
    // An RS256 token presented to the symmetric key.
    mismatched = await sign(makeKey('RS256', kid), claims())
  } else {
    signer = makeKey(alg, kid)
    other = makeKey(alg, kid)
    key = signer.publicJwk as Jwk
    // Algorithm confusion: HMAC keyed with the public key's JSON, under the public key's kid.
    mismatched = await sign(
      { secret: new TextEncoder().encode(JSON.stringify(key)), alg: 'HS256', kid },
      claims(),
    )
  }
  const good = await sign(signer, claims())
  const [header, , signature] = good.split('.')
  const forgedPayload = Buffer.from(JSON.stringify(claims({ sub: 'admin' }))).toString('base64url')
  return {
    alg,
    key,
    issuer: ISSUER,
    audience: AUDIENCE,
    tokens: {
      good,
      tampered: `${header}.${forgedPayload}.${signature}`,
      expired: await sign(signer, claims({ iat: now - 7200, nbf: now - 7200, exp: now - 3600 })),
      wrongAudience: await sign(signer, claims({ aud: 'other-api' })),
      wrongIssuer: await sign(signer, claims({ iss: 'https://other-issuer.example.test' })),
      algNone: unsigned({ alg: 'none', kid }, claims()),
      wrongKey: await sign(other, claims()),
      unknownKid: await sign(other, claims(), { kid: 'not-a-known-kid' }),
      mismatchedKeyType: mismatched,
    },
  }
}

/**
 * Signs `login` in at the provider for the public client, with PKCE made here with node:crypto
 * (not with the library under test), and stops at the redirect to the client's callback.
 */
export async function signInForCode(op: TestProvider, login: string): Promise<CodeFlowFixture> {
  const response = await fetch(op.discoveryUrl, { signal: AbortSignal.timeout(5000) })
  const { authorization_endpoint } = (await response.json()) as { authorization_endpoint: string }
  const codeVerifier = randomBytes(32).toString('base64url')
  const codeChallenge = createHash('sha256').update(codeVerifier).digest('base64url')
  const state = randomBytes(16).toString('base64url')
  const nonce = randomBytes(16).toString('base64url')
  const scope = 'openid profile'
  const url = new URL(authorization_endpoint)
  for (const [name, value] of Object.entries({
    response_type: 'code',
    client_id: clients.publicApp.clientId,
    redirect_uri: REDIRECT_URI,
    scope,
    state,
    nonce,
    code_challenge: codeChallenge,
    code_challenge_method: 'S256',
  })) {
    url.searchParams.set(name, value)
  }
  const outcome = await new UserAgent().run(url.href, {
    login,
    leaves: (next) => next.startsWith(REDIRECT_URI),
  })
  if (outcome.redirect === undefined) {
    throw new Error(`the sign-in did not reach the callback: ${outcome.visited.join(' → ')}`)
  }
  return {
    clientId: clients.publicApp.clientId,
    redirectUri: REDIRECT_URI,
    scope,
    state,
    nonce,
    codeVerifier,
    codeChallenge,
    callbackUrl: outcome.redirect,
    subject: login,
  }
}
