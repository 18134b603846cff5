/**
 * Issue 12 (informational, decided): a provider's `error_description` reaches logs, so it is made
 * loggable: no control characters (no forged log lines), bounded length.
 */
import { describe, expect, it } from 'vitest'
import { requestClientCredentialsToken } from '../../src/index.js'
import { fakeFetch, json } from '../support/fake-fetch.js'

const TOKEN = 'https://id.example.com/token'

async function failureFor(body: Record<string, unknown>) {
  const fake = fakeFetch({ [TOKEN]: () => json(body, { status: 400 }) })
  const result = await requestClientCredentialsToken({
    address: TOKEN,
    clientId: 'svc',
    clientSecret: 's3cr3t',
    fetch: fake.fetch,
  })
  if (result.isSuccessful) throw new Error('expected a failure')
  return result
}

describe('OAuth error members from a provider', () => {
  it('turn control characters into spaces, so a description cannot forge a log line', async () => {
    const result = await failureFor({
      error: 'invalid_client\r\nFAKE',
      error_description: 'bad client\n2026-12-05 INFO login ok user=admin\u2028x',
    })
    expect(result.error).toBe('invalid_client  FAKE')
    expect(result.errorDescription).toBe('bad client 2026-12-05 INFO login ok user=admin x')
  })

  it('are bounded in length', async () => {
    const result = await failureFor({
      error: 'e'.repeat(1000),
      error_description: 'd'.repeat(10_000),
    })
    expect(result.error.length).toBeLessThanOrEqual(100)
    expect(result.errorDescription?.length).toBeLessThanOrEqual(500)
    expect(result.errorDescription?.endsWith('…')).toBe(true)
  })
})
