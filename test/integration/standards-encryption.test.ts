/**
 * Encrypted ID tokens and UserInfo responses (OpenID Connect Core §10.2) against the real
 * provider: clients registered for RSA-OAEP-256 and ECDH-ES(+A256KW) encryption, signed in
 * through the provider's pages; the tokens from the code exchange and the refresh decrypt with
 * the client's key, and refuse another key or a tampered tag.
 */
import { generateKeyPairSync } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  type DiscoverySuccess,
  getDiscoveryDocument,
  getUserInfo,
  requestRefreshToken,
  TokenValidationError,
  validateIdToken,
} from '../../src/index.js'
import { startProvider, type TestProvider } from '../../testbed/provider.js'
import {
  type StandardsProfile,
  standardsClients,
  standardsProfile,
} from '../../testbed/standards.js'
import { REDIRECT_URI, signIn } from '../support/sign-in.js'

let op: TestProvider
let profile: StandardsProfile
let disco: DiscoverySuccess

beforeAll(async () => {
  profile = standardsProfile({ redirectUris: [REDIRECT_URI] })
  op = await startProvider({ ...profile.options, redirectUris: [REDIRECT_URI] })
  const result = await getDiscoveryDocument({ address: op.issuer, cache: false })
  if (!result.isSuccessful) throw new Error(result.error)
  disco = result
})
afterAll(async () => {
  await op?.stop()
})

const segments = (token: string) => token.split('.').length

/** Flips a bit of the authentication tag. */
function tamperTag(jwe: string): string {
  const parts = jwe.split('.')
  const tag = Buffer.from(parts[4]!, 'base64url')
  tag[0]! ^= 1
  parts[4] = tag.toString('base64url')
  return parts.join('.')
}

async function refused(promise: Promise<unknown>): Promise<TokenValidationError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(TokenValidationError)
  return error as TokenValidationError
}

describe('RSA-OAEP-256 + A128CBC-HS256 ID tokens, signed-then-encrypted UserInfo', () => {
  const client = standardsClients.encRsa

  it('decrypts and validates the ID token of the code exchange and of the refresh', async () => {
    const signedIn = await signIn(disco, client, { request: { scope: 'openid email' } })
    const idToken = signedIn.tokens.id_token!
    expect(segments(idToken)).toBe(5)
    const config = {
      performDisco: true,
      clientId: client.clientId,
      decryptionKey: profile.decryptionKeys.rsa,
      accessToken: signedIn.tokens.access_token,
    }
    const claims = await validateIdToken(idToken, { ...config, nonce: signedIn.nonce }, op.issuer)
    expect(claims.sub).toBe('alice')
    expect(claims.aud).toBe(client.clientId)

    const refreshed = await requestRefreshToken({
      address: disco.tokenEndpoint,
      ...client,
      refreshToken: signedIn.tokens.refresh_token!,
    })
    if (!refreshed.isSuccessful) throw new Error(refreshed.error)
    const again = refreshed.token.id_token!
    expect(segments(again)).toBe(5)
    const refreshedClaims = await validateIdToken(
      again,
      { ...config, accessToken: refreshed.token.access_token, nonce: undefined },
      op.issuer,
    )
    expect(refreshedClaims.sub).toBe('alice')
  })

  it('refuses the encrypted ID token without a key, with another key, and with a tampered tag', async () => {
    const signedIn = await signIn(disco, client)
    const idToken = signedIn.tokens.id_token!
    const base = { performDisco: true, clientId: client.clientId, nonce: signedIn.nonce }
    const noKey = await refused(validateIdToken(idToken, base, op.issuer))
    expect(noKey.code).toBe('malformed')
    expect(noKey.message).toMatch(/decryptionKey/)

    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({
      format: 'jwk',
    })
    const wrongKey = await refused(
      validateIdToken(idToken, { ...base, decryptionKey: other }, op.issuer),
    )
    const tampered = await refused(
      validateIdToken(
        tamperTag(idToken),
        { ...base, decryptionKey: profile.decryptionKeys.rsa },
        op.issuer,
      ),
    )
    expect(wrongKey.code).toBe('decryption')
    expect(tampered.code).toBe('decryption')
    expect(wrongKey.message).toBe(tampered.message)
    const ecKey = await refused(
      validateIdToken(idToken, { ...base, decryptionKey: profile.decryptionKeys.ecdh }, op.issuer),
    )
    expect(ecKey.code).toBe('key_not_found')
  })

  it('decrypts and verifies a UserInfo response that is signed, then encrypted', async () => {
    const signedIn = await signIn(disco, client, { request: { scope: 'openid email' } })
    const result = await getUserInfo({
      address: disco.userinfoEndpoint,
      token: signedIn.tokens.access_token,
      expectedSubject: 'alice',
      decryptionKey: profile.decryptionKeys.rsa,
      signedResponse: { performDisco: true, discoDocAddress: op.issuer, clientId: client.clientId },
    })
    if (!result.isSuccessful) throw new Error(result.error)
    expect(result.claims).toMatchObject({ sub: 'alice', email: 'alice@example.test' })
    expect(segments(result.jwt!)).toBe(5)

    const withoutKey = await getUserInfo({
      address: disco.userinfoEndpoint,
      token: signedIn.tokens.access_token,
      signedResponse: { performDisco: true, discoDocAddress: op.issuer, clientId: client.clientId },
    })
    expect(withoutKey).toMatchObject({ isSuccessful: false, errorType: 'invalid_response' })
  })
})

describe('ECDH-ES+A256KW + A256GCM ID tokens, signed-then-encrypted UserInfo (ECDH-ES + A128CBC-HS256)', () => {
  const client = standardsClients.encEcdh

  it('decrypts the ID token and the UserInfo response with the P-256 key', async () => {
    const signedIn = await signIn(disco, client, { request: { scope: 'openid email' } })
    const idToken = signedIn.tokens.id_token!
    const header = JSON.parse(Buffer.from(idToken.split('.')[0]!, 'base64url').toString())
    expect(header).toMatchObject({ alg: 'ECDH-ES+A256KW', enc: 'A256GCM' })
    const claims = await validateIdToken(
      idToken,
      {
        performDisco: true,
        clientId: client.clientId,
        nonce: signedIn.nonce,
        decryptionKey: profile.decryptionKeys.ecdh,
      },
      op.issuer,
    )
    expect(claims.sub).toBe('alice')

    const userInfo = await getUserInfo({
      address: disco.userinfoEndpoint,
      token: signedIn.tokens.access_token,
      expectedSubject: 'alice',
      decryptionKey: {
        keys: [{ ...profile.decryptionKeys.ecdh, alg: 'ECDH-ES', kid: 'enc-ecdh-direct' }],
      },
      signedResponse: { performDisco: true, discoDocAddress: op.issuer, clientId: client.clientId },
    })
    if (!userInfo.isSuccessful) throw new Error(`${userInfo.errorType}: ${userInfo.error}`)
    expect(userInfo.claims).toMatchObject({ sub: 'alice', email: 'alice@example.test' })
    const userInfoHeader = JSON.parse(
      Buffer.from(userInfo.jwt!.split('.')[0]!, 'base64url').toString(),
    )
    expect(userInfoHeader).toMatchObject({ alg: 'ECDH-ES', enc: 'A128CBC-HS256' })
  })

  it('refuses a plain ID token when a decryption key is configured', async () => {
    const signedIn = await signIn(disco, standardsClients.rar)
    const error = await refused(
      validateIdToken(
        signedIn.tokens.id_token!,
        {
          performDisco: true,
          clientId: standardsClients.rar.clientId,
          nonce: signedIn.nonce,
          decryptionKey: profile.decryptionKeys.ecdh,
        },
        op.issuer,
      ),
    )
    expect(error.code).toBe('malformed')
    expect(error.message).toMatch(/not encrypted/)
  })
})
