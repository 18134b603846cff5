/**
 * The JWT bearer grant (RFC 7523 §2.1) against the real provider (the testbed registers the
 * grant): an assertion signed by the trusted issuer is traded for a token for its subject; an
 * assertion signed by another key or for another audience is refused (`invalid_grant`).
 */
import { generateKeyPairSync } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  createJwtBearerAssertion,
  introspectToken,
  JwtBearerTokenRequest,
  requestJwtBearerToken,
} from '../../src/index.js'
import { clients, startProvider, type TestProvider } from '../../testbed/provider.js'
import {
  ASSERTION_ISSUER,
  type StandardsProfile,
  standardsClients,
  standardsProfile,
} from '../../testbed/standards.js'

let op: TestProvider
let profile: StandardsProfile
const client = standardsClients.jwtBearer

beforeAll(async () => {
  profile = standardsProfile()
  op = await startProvider({ ...profile.options })
})
afterAll(async () => {
  await op?.stop()
})

const assertion = (overrides: Partial<Parameters<typeof createJwtBearerAssertion>[0]> = {}) =>
  createJwtBearerAssertion({
    key: profile.assertionKey,
    issuer: ASSERTION_ISSUER,
    subject: 'alice',
    audience: op.issuer,
    ...overrides,
  })

describe('the JWT bearer grant', () => {
  it('trades an assertion for an access token about its subject', async () => {
    const result = await requestJwtBearerToken(
      new JwtBearerTokenRequest({
        address: `${op.issuer}/token`,
        ...client,
        assertion: await assertion(),
        scope: 'api:read',
      }),
    )
    if (!result.isSuccessful) throw new Error(`${result.error}: ${result.errorDescription}`)
    expect(result.token).toMatchObject({ token_type: 'Bearer', scope: 'api:read' })
    const introspection = await introspectToken({
      address: `${op.issuer}/token/introspection`,
      ...clients.serviceBasic,
      token: result.token.access_token,
    })
    expect(introspection).toMatchObject({ active: true, claims: { sub: 'alice' } })
  })

  it('refuses an assertion signed by another key or for another audience', async () => {
    const other = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({
      format: 'jwk',
    })
    const forged = await assertion({ key: { ...other, kid: profile.assertionKey.kid } })
    const elsewhere = await assertion({ audience: 'https://other.example.test' })
    for (const bad of [forged, elsewhere]) {
      const result = await requestJwtBearerToken({
        address: `${op.issuer}/token`,
        ...client,
        assertion: bad,
      })
      expect(result).toMatchObject({
        isSuccessful: false,
        errorType: 'protocol',
        error: 'invalid_grant',
      })
    }
  })

  it('checks its own input before sending', async () => {
    expect(() =>
      requestJwtBearerToken({ address: `${op.issuer}/token`, ...client, assertion: 'nope' }),
    ).toThrow(TypeError)
    await expect(assertion({ claims: { sub: 'mallory' } })).rejects.toThrow(TypeError)
    await expect(assertion({ expiresIn: 0 })).rejects.toThrow(TypeError)
  })
})
