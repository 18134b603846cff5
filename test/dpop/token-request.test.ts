/** DPoP on token requests (RFC 9449 §5, §8): the proof header, nonces, one retry, every grant. */
import { generateKeyPairSync } from 'node:crypto'
import { decodeJwt, decodeProtectedHeader, type JWK } from 'jose'
import { describe, expect, it } from 'vitest'
import {
  createDpop,
  type DpopHandle,
  requestAuthorizationCodeToken,
  requestClientCredentialsToken,
  requestDeviceToken,
  requestRefreshToken,
  requestTokenExchange,
  TokenTypeIdentifiers,
} from '../../src/index.js'
import { fakeFetch, type Handler, json } from '../support/fake-fetch.js'

const TOKEN = 'https://as.example.com/token'
const issued = { access_token: 'at-1', token_type: 'DPoP', expires_in: 300 }
const client = { address: TOKEN, clientId: 'svc', clientSecret: 'secret' }

const nonceError = (nonce = 'n-1', status = 400) =>
  json(
    {
      error: 'use_dpop_nonce',
      error_description: 'Authorization server requires nonce in DPoP proof',
    },
    { status, headers: { 'dpop-nonce': nonce } },
  )

function endpoint(...answers: Handler[]) {
  let index = 0
  const fake = fakeFetch({
    [TOKEN]: (request) => {
      const answer = answers[Math.min(index++, answers.length - 1)]!
      return answer(request)
    },
  })
  const proof = (call: number) => fake.calls[call]?.headers.get('dpop') ?? ''
  return { fake, proof }
}

describe('token requests with dpop', () => {
  it('send a DPoP proof for POST to the token endpoint, beside client authentication', async () => {
    const dpop = await createDpop()
    const { fake, proof } = endpoint(() => json(issued))
    const response = await requestClientCredentialsToken({ ...client, dpop, fetch: fake.fetch })
    if (!response.isSuccessful) throw new Error(response.error)
    expect(response.token.token_type).toBe('DPoP')
    expect(fake.calls[0]?.headers.get('authorization')).toMatch(/^Basic /)
    expect(decodeProtectedHeader(proof(0))).toMatchObject({ typ: 'dpop+jwt', alg: 'ES256' })
    const payload = decodeJwt(proof(0))
    expect(payload).toMatchObject({ htm: 'POST', htu: TOKEN })
    expect(payload.ath).toBeUndefined()
    expect(payload.nonce).toBeUndefined()
  })

  it('send no DPoP header without dpop (bearer behaviour unchanged)', async () => {
    const { fake } = endpoint(() => json({ ...issued, token_type: 'Bearer' }))
    await requestClientCredentialsToken({ ...client, fetch: fake.fetch })
    expect(fake.calls[0]?.headers.has('dpop')).toBe(false)
  })

  it('retry use_dpop_nonce exactly once, with the nonce, a fresh proof and the same grant', async () => {
    const dpop = await createDpop()
    const { fake, proof } = endpoint(
      () => nonceError('n-1'),
      () => json(issued),
    )
    const response = await requestClientCredentialsToken({
      ...client,
      clientAuthentication: 'client_secret_post',
      scope: 'api:read',
      parameters: { extra: 'x' },
      dpop,
      fetch: fake.fetch,
    })
    expect(response.isSuccessful).toBe(true)
    expect(fake.calls).toHaveLength(2)
    expect(decodeJwt(proof(0)).nonce).toBeUndefined()
    expect(decodeJwt(proof(1)).nonce).toBe('n-1')
    expect(decodeJwt(proof(1)).jti).not.toBe(decodeJwt(proof(0)).jti)
    const [first, second] = await Promise.all(fake.calls.map((call) => call.clone().text()))
    expect(second).toBe(first)
    expect(new URLSearchParams(second).get('extra')).toBe('x')
    expect(dpop.nonceFor(TOKEN)).toBe('n-1')
  })

  it('use the remembered nonce up front on the next request', async () => {
    const dpop = await createDpop()
    const { fake, proof } = endpoint(
      () => nonceError('n-1'),
      () => json(issued),
    )
    await requestClientCredentialsToken({ ...client, dpop, fetch: fake.fetch })
    await requestRefreshToken({ ...client, refreshToken: 'rt', dpop, fetch: fake.fetch })
    expect(fake.calls).toHaveLength(3)
    expect(decodeJwt(proof(2)).nonce).toBe('n-1')
  })

  it('sign a fresh client assertion for the retry (its jti must not repeat)', async () => {
    const dpop = await createDpop()
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    const { fake } = endpoint(
      () => nonceError(),
      () => json(issued),
    )
    await requestClientCredentialsToken({
      address: TOKEN,
      clientId: 'svc',
      privateKey: privateKey.export({ format: 'jwk' }) as JWK,
      dpop,
      fetch: fake.fetch,
    })
    const assertions = await Promise.all(
      fake.calls.map(async (call) => new URLSearchParams(await call.clone().text())),
    )
    const jtis = assertions.map((form) => decodeJwt(form.get('client_assertion') ?? '').jti)
    expect(jtis[0]).toBeDefined()
    expect(jtis[1]).not.toBe(jtis[0])
  })

  it('give up after one retry and return the protocol error', async () => {
    const dpop = await createDpop()
    const { fake } = endpoint(
      () => nonceError('n-1'),
      () => nonceError('n-2'),
    )
    const response = await requestClientCredentialsToken({ ...client, dpop, fetch: fake.fetch })
    expect(fake.calls).toHaveLength(2)
    expect(response).toMatchObject({
      isSuccessful: false,
      errorType: 'protocol',
      error: 'use_dpop_nonce',
      httpStatus: 400,
    })
    expect(dpop.nonceFor(TOKEN)).toBe('n-2')
  })

  it('also retry a 401 with a WWW-Authenticate DPoP use_dpop_nonce challenge', async () => {
    const dpop = await createDpop()
    const challenge = () =>
      new Response(null, {
        status: 401,
        headers: { 'www-authenticate': 'DPoP error="use_dpop_nonce"', 'dpop-nonce': 'n-9' },
      })
    const { fake, proof } = endpoint(challenge, () => json(issued))
    const response = await requestClientCredentialsToken({ ...client, dpop, fetch: fake.fetch })
    expect(response.isSuccessful).toBe(true)
    expect(decodeJwt(proof(1)).nonce).toBe('n-9')
  })

  it('do not retry other errors, nor use_dpop_nonce without a DPoP-Nonce header', async () => {
    const dpop = await createDpop()
    const invalidGrant = () =>
      json({ error: 'invalid_grant' }, { status: 400, headers: { 'dpop-nonce': 'n-3' } })
    const noHeader = () => json({ error: 'use_dpop_nonce' }, { status: 400 })
    for (const answer of [invalidGrant, noHeader]) {
      const { fake } = endpoint(answer, () => json(issued))
      const response = await requestClientCredentialsToken({ ...client, dpop, fetch: fake.fetch })
      expect(response.isSuccessful).toBe(false)
      expect(fake.calls).toHaveLength(1)
    }
    // Any answer may carry the nonce to use next (RFC 9449 §8.2).
    expect(dpop.nonceFor(TOKEN)).toBe('n-3')
  })

  it('remember a nonce sent with a successful answer', async () => {
    const dpop = await createDpop()
    const { fake } = endpoint(() => json(issued, { headers: { 'dpop-nonce': 'n-ok' } }))
    await requestClientCredentialsToken({ ...client, dpop, fetch: fake.fetch })
    expect(dpop.nonceFor(TOKEN)).toBe('n-ok')
  })

  it('return a network failure without retrying', async () => {
    const dpop = await createDpop()
    const fake = fakeFetch({})
    const response = await requestClientCredentialsToken({ ...client, dpop, fetch: fake.fetch })
    expect(response).toMatchObject({ isSuccessful: false, errorType: 'network' })
    expect(fake.calls).toHaveLength(1)
  })

  it('refuse something that is not a DPoP handle with a TypeError', async () => {
    const { fake } = endpoint(() => json(issued))
    await expect(
      requestClientCredentialsToken({
        ...client,
        dpop: {} as DpopHandle,
        fetch: fake.fetch,
      }),
    ).rejects.toBeInstanceOf(TypeError)
    expect(fake.calls).toHaveLength(0)
  })

  it('never put the proof in a failure', async () => {
    const dpop = await createDpop()
    const { fake, proof } = endpoint(() => json({ error: 'invalid_dpop_proof' }, { status: 400 }))
    const response = await requestClientCredentialsToken({ ...client, dpop, fetch: fake.fetch })
    expect(response.isSuccessful).toBe(false)
    expect(JSON.stringify(response)).not.toContain(proof(0))
  })
})

describe('every grant takes dpop', () => {
  const grants: [string, (dpop: DpopHandle, fetch: typeof globalThis.fetch) => Promise<unknown>][] =
    [
      [
        'authorization code',
        (dpop, fetch) =>
          requestAuthorizationCodeToken({
            ...client,
            code: 'c',
            redirectUri: 'https://app.example.com/cb',
            codeVerifier: 'v'.repeat(43),
            dpop,
            fetch,
          }),
      ],
      [
        'refresh',
        (dpop, fetch) => requestRefreshToken({ ...client, refreshToken: 'rt', dpop, fetch }),
      ],
      ['device', (dpop, fetch) => requestDeviceToken({ ...client, deviceCode: 'dc', dpop, fetch })],
      [
        'token exchange',
        (dpop, fetch) =>
          requestTokenExchange({
            ...client,
            subjectToken: 'st',
            subjectTokenType: TokenTypeIdentifiers.AccessToken,
            dpop,
            fetch,
          }),
      ],
    ]
  for (const [name, call] of grants) {
    it(name, async () => {
      const dpop = await createDpop()
      const { fake, proof } = endpoint(
        () => nonceError('n-g'),
        () => json({ ...issued, issued_token_type: TokenTypeIdentifiers.AccessToken }),
      )
      await call(dpop, fake.fetch)
      expect(fake.calls).toHaveLength(2)
      expect(decodeJwt(proof(0))).toMatchObject({ htm: 'POST', htu: TOKEN })
      expect(decodeJwt(proof(1)).nonce).toBe('n-g')
    })
  }
})
