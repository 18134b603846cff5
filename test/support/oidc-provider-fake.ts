/**
 * A provider served by an injected fetch (discovery and JWKS), with a frozen cache clock, for
 * unit tests of ID token, logout token and signed UserInfo validation.
 */
import { ProviderCache } from '../../src/index.js'
import { fakeFetch, json } from './fake-fetch.js'
import { NOW, type TestKey } from './tokens.js'

export const ISSUER = 'https://id.example.com'
export const DISCO_URL = `${ISSUER}/.well-known/openid-configuration`
export const JWKS_URI = `${ISSUER}/jwks`
export const currentDate = new Date(NOW * 1000)

export function discoveryDocument(
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    issuer: ISSUER,
    authorization_endpoint: `${ISSUER}/authorize`,
    token_endpoint: `${ISSUER}/token`,
    userinfo_endpoint: `${ISSUER}/userinfo`,
    jwks_uri: JWKS_URI,
    response_types_supported: ['code'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['RS256', 'ES256', 'HS256'],
    ...overrides,
  }
}

/** Discovery and a JWKS publishing `keys()` (read at each fetch, so tests can rotate). */
export function fakeProvider(keys: () => readonly TestKey[]) {
  const fake = fakeFetch({
    [DISCO_URL]: () => json(discoveryDocument()),
    [JWKS_URI]: () => json({ keys: keys().map((key) => key.publicJwk) }),
  })
  const cache = new ProviderCache({ now: () => NOW * 1000, kidMissCooldownSeconds: 30 })
  return {
    fake,
    cache,
    network: { performDisco: true, currentDate, cache, fetch: fake.fetch } as const,
  }
}
