/**
 * Credentials written into an endpoint URL (`https://user:pass@host`) never reach a result's
 * `error` (issue 12). Every failure message about a request is built in http/send.ts.
 */
import { describe, expect, it } from 'vitest'
import { send } from '../../src/http/send.js'
import { getDiscoveryDocument, requestClientCredentialsToken } from '../../src/index.js'

const SECRET = 'pa55-in-the-url'

function expectNoSecret(value: unknown): void {
  const text = JSON.stringify(value, (_key, v) => (v instanceof Error ? String(v) : v))
  expect(text).not.toContain(SECRET)
}

describe('credentials in an endpoint URL never appear in result.error (issue 12)', () => {
  it('refuses the request before fetch, naming it without them', async () => {
    // Before: fetch refused the URL, and both our message and fetch's repeated it whole.
    let fetched = 0
    const spy = (async () => {
      fetched++
      return new Response('{}')
    }) as unknown as typeof fetch
    const result = await send(
      { url: `https://client:${SECRET}@id.example.com/token?x=1`, method: 'POST' },
      { fetch: spy, timeoutMs: 1000 },
    )
    expect(fetched).toBe(0)
    expect(result).toMatchObject({ isSuccessful: false, errorType: 'policy' })
    expect(result).not.toHaveProperty('cause')
    const error = (result as { error: string }).error
    expect(error).toContain('POST https://id.example.com/token')
    expect(error).not.toContain(SECRET)
    expect(error).not.toContain('client@')
  })

  it('leaves them out of a redirect location', async () => {
    const url = 'https://id.example.com/jwks'
    const redirect = (async () =>
      new Response(null, {
        status: 302,
        headers: { location: `https://u:${SECRET}@evil.example.com/next?code=1` },
      })) as unknown as typeof fetch
    const redirected = await send({ url, method: 'GET' }, { fetch: redirect })
    expect(redirected).toMatchObject({ errorType: 'invalid_response' })
    const error = (redirected as { error: string }).error
    expect(error).toContain('to https://evil.example.com/next)')
    expect(error).not.toContain(SECRET)
    expect(error).not.toContain('code=1')
  })

  it('leaves them out of the results of the public request functions', async () => {
    const token = await requestClientCredentialsToken({
      address: `https://client:${SECRET}@id.example.com/token`,
      clientId: 'client',
      clientSecret: 'another-secret',
      timeoutMs: 1000,
    })
    expect(token.isSuccessful).toBe(false)
    expectNoSecret({ error: token.error, description: token.errorDescription })
    const disco = await getDiscoveryDocument({
      address: `https://client:${SECRET}@id.example.com`,
      cache: false,
      timeoutMs: 1000,
    }).catch((error: unknown) => ({ thrown: String(error) }))
    expectNoSecret(
      'thrown' in disco ? disco : { error: disco.error, description: disco.errorDescription },
    )
  })
})
