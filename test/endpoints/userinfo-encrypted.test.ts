/**
 * The process step of encrypted UserInfo responses (OpenID Connect Core §5.3.2), with fixtures
 * encrypted by jose: an encrypted-only JSON answer (which the testbed provider never sends), a
 * nested JWT without a way to verify it, and a plain answer when encryption was expected.
 */
import { CompactEncrypt, exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose'
import { beforeAll, describe, expect, it } from 'vitest'
import { processUserInfoResponse } from '../../src/index.js'

let publicJwk: JWK
let privateJwk: JWK

beforeAll(async () => {
  const pair = await generateKeyPair('ECDH-ES', { crv: 'P-256', extractable: true })
  publicJwk = await exportJWK(pair.publicKey)
  privateJwk = await exportJWK(pair.privateKey)
})

const jwtResponse = (body: string) =>
  new Response(body, { status: 200, headers: { 'content-type': 'application/jwt' } })

async function encrypt(plaintext: string, cty?: string): Promise<string> {
  return new CompactEncrypt(new TextEncoder().encode(plaintext))
    .setProtectedHeader({ alg: 'ECDH-ES+A128KW', enc: 'A128GCM', ...(cty ? { cty } : {}) })
    .encrypt(publicJwk)
}

describe('encrypted UserInfo responses', () => {
  it('decrypts an encrypted-only JSON answer', async () => {
    const jwe = await encrypt(JSON.stringify({ sub: 'alice', email: 'a@example.test' }))
    const result = await processUserInfoResponse(jwtResponse(jwe), {
      decryptionKey: privateJwk,
      expectedSubject: 'alice',
    })
    expect(result).toMatchObject({ isSuccessful: true, claims: { email: 'a@example.test' } })
  })

  it('still checks the subject of a decrypted answer', async () => {
    const jwe = await encrypt(JSON.stringify({ sub: 'mallory' }))
    const result = await processUserInfoResponse(jwtResponse(jwe), {
      decryptionKey: privateJwk,
      expectedSubject: 'alice',
    })
    expect(result).toMatchObject({ isSuccessful: false, errorType: 'policy' })
  })

  it('refuses a nested signed JWT when no signedResponse says how to verify it', async () => {
    const signer = await generateKeyPair('ES256')
    const jws = await new SignJWT({ sub: 'alice' })
      .setProtectedHeader({ alg: 'ES256' })
      .sign(signer.privateKey)
    const result = await processUserInfoResponse(jwtResponse(await encrypt(jws, 'JWT')), {
      decryptionKey: privateJwk,
    })
    expect(result).toMatchObject({ isSuccessful: false, errorType: 'policy' })
  })

  it('refuses an encrypted answer without a decryption key, and a tampered one', async () => {
    const jwe = await encrypt(JSON.stringify({ sub: 'alice' }))
    const noKey = await processUserInfoResponse(jwtResponse(jwe))
    expect(noKey).toMatchObject({ isSuccessful: false, errorType: 'invalid_response' })
    const parts = jwe.split('.')
    parts[3] = `${parts[3]!.slice(0, -2)}${parts[3]!.endsWith('AA') ? 'BA' : 'AA'}`
    const tampered = await processUserInfoResponse(jwtResponse(parts.join('.')), {
      decryptionKey: privateJwk,
    })
    expect(tampered).toMatchObject({ isSuccessful: false, errorType: 'invalid_response' })
    expect((tampered as { cause?: { code?: string } }).cause?.code).toBe('decryption')
  })

  it('refuses a plain JSON answer when a decryption key is configured', async () => {
    const response = new Response('{"sub":"alice"}', {
      status: 200,
      headers: { 'content-type': 'application/json' },
    })
    const result = await processUserInfoResponse(response, { decryptionKey: privateJwk })
    expect(result).toMatchObject({ isSuccessful: false, errorType: 'policy' })
  })
})
