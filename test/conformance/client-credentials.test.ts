/** Conformance: client-credentials.json, as named tests against an injected fetch. */
import { expect } from 'vitest'
import { ClientCredentialsTokenRequest, requestClientCredentialsToken } from '../../src/index.js'
import { fakeFetch, json } from '../support/fake-fetch.js'
import { conformanceSuite } from './spec.js'

const TOKEN = 'https://provider.example.com/token'
const issued = { access_token: 'at-1', token_type: 'Bearer', expires_in: 3600, scope: 'a b' }

function endpoint(response: () => Response = () => json(issued)) {
  const fake = fakeFetch({ [TOKEN]: response })
  const body = async (index = 0) => new URLSearchParams(await fake.calls[index]!.clone().text())
  return { fake, body }
}

conformanceSuite('client-credentials', {
  'CC-001': async () => {
    const { fake, body } = endpoint()
    const response = await requestClientCredentialsToken(
      new ClientCredentialsTokenRequest({
        address: TOKEN,
        clientId: 'svc',
        clientSecret: 's',
        fetch: fake.fetch,
      }),
    )
    expect(fake.calls[0]?.method).toBe('POST')
    expect(fake.calls[0]?.headers.get('content-type')).toBe('application/x-www-form-urlencoded')
    expect((await body()).get('grant_type')).toBe('client_credentials')
    if (!response.isSuccessful) throw new Error(response.error)
    expect(response.token).toMatchObject(issued)
  },
  'CC-002': async () => {
    const { fake, body } = endpoint()
    const secret = 'p:a%s+s w/rd'
    await requestClientCredentialsToken({
      address: TOKEN,
      clientId: 'my client',
      clientSecret: secret,
      fetch: fake.fetch,
    })
    const header = fake.calls[0]?.headers.get('authorization') ?? ''
    expect(header.startsWith('Basic ')).toBe(true)
    const decoded = Buffer.from(header.slice(6), 'base64').toString()
    expect(decoded).toBe('my+client:p%3Aa%25s%2Bs+w%2Frd')
    const [id, pass] = decoded
      .split(':')
      .map((part) => decodeURIComponent(part.replace(/\+/g, ' ')))
    expect([id, pass]).toEqual(['my client', secret])
    const form = await body()
    expect(form.has('client_id')).toBe(false)
    expect(form.has('client_secret')).toBe(false)
  },
  'CC-003': async () => {
    const { fake, body } = endpoint()
    await requestClientCredentialsToken({
      address: TOKEN,
      clientId: 'svc',
      clientSecret: 's3cret',
      clientAuthentication: 'client_secret_post',
      fetch: fake.fetch,
    })
    const form = await body()
    expect(form.get('client_id')).toBe('svc')
    expect(form.get('client_secret')).toBe('s3cret')
    expect(fake.calls[0]?.headers.get('authorization')).toBeNull()
  },
  'CC-004': async () => {
    const { fake } = endpoint(() =>
      json(
        { error: 'invalid_client', error_description: 'bad secret', error_uri: 'https://docs/e' },
        { status: 401 },
      ),
    )
    const response = await requestClientCredentialsToken({
      address: TOKEN,
      clientId: 'svc',
      clientSecret: 'x',
      fetch: fake.fetch,
    })
    expect(response).toMatchObject({
      isSuccessful: false,
      errorType: 'protocol',
      error: 'invalid_client',
      errorDescription: 'bad secret',
      errorUri: 'https://docs/e',
      httpStatus: 401,
    })
  },
  'CC-005': async () => {
    const { fake, body } = endpoint()
    await requestClientCredentialsToken({
      address: TOKEN,
      clientId: 'svc',
      clientSecret: 'x',
      scope: ['a', 'b'],
      fetch: fake.fetch,
    })
    expect((await body()).get('scope')).toBe('a b')
  },
  'CC-006': async () => {
    const { fake, body } = endpoint()
    let used = 0
    const customFetch: typeof fetch = (input, init) => {
      used++
      return fake.fetch(input, init)
    }
    await requestClientCredentialsToken({
      address: TOKEN,
      clientId: 'svc',
      clientSecret: 'x',
      parameters: { tenant: 't-1', claims: ['c1', 'c2'], skipped: undefined },
      fetch: customFetch,
    })
    expect(used).toBe(1)
    const form = await body()
    expect(form.get('tenant')).toBe('t-1')
    expect(form.getAll('claims')).toEqual(['c1', 'c2'])
    expect(form.has('skipped')).toBe(false)
  },
})
