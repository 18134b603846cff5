/**
 * A fake provider for the middleware unit tests: discovery, keys and introspection served by an
 * injected fetch, tokens signed with jose, a fresh metadata cache per provider.
 */
import { ProviderCache } from '../../src/index.js'
import { type FakeFetch, fakeFetch, json } from '../support/fake-fetch.js'
import { accessClaims, makeKey, NOW, sign, type TestKey } from '../support/tokens.js'

export const currentDate = new Date((NOW + 10) * 1000)

export interface FakeProvider {
  readonly issuer: string
  readonly discoveryUrl: string
  readonly introspectionUrl: string
  readonly key: TestKey
  readonly fake: FakeFetch
  readonly cache: ProviderCache
  /** Signs an access token of this issuer (`typ: at+jwt`). */
  token(claims?: Record<string, unknown>, header?: Record<string, unknown>): Promise<string>
  /** Opaque tokens the introspection endpoint knows, and what it answers for them. */
  readonly opaque: Map<string, Record<string, unknown>>
}

let sharedKey: TestKey | undefined

/** A provider at `issuer` (discovery at `discoveryUrl`, default issuer + well-known). */
export function fakeProvider(
  issuer = 'https://id.example.com',
  options: { discoveryUrl?: string; documentIssuer?: string; fake?: FakeFetch } = {},
): FakeProvider {
  sharedKey ??= makeKey('RS256', 'k1')
  const key = sharedKey
  const base = issuer.replace(/\/$/, '')
  const discoveryUrl = options.discoveryUrl ?? `${base}/.well-known/openid-configuration`
  const origin = new URL(issuer).origin
  const jwksUri = `${origin}/keys`
  const introspectionUrl = `${origin}/introspect`
  const opaque = new Map<string, Record<string, unknown>>()
  const fake = options.fake ?? fakeFetch()
  fake.route(discoveryUrl, () =>
    json({
      issuer: options.documentIssuer ?? issuer,
      authorization_endpoint: `${origin}/authorize`,
      token_endpoint: `${origin}/token`,
      introspection_endpoint: introspectionUrl,
      jwks_uri: jwksUri,
      response_types_supported: ['code'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['RS256'],
    }),
  )
  fake.route(jwksUri, () => json({ keys: [key.publicJwk] }))
  fake.route(introspectionUrl, async (request) => {
    const form = new URLSearchParams(await request.text())
    if (request.headers.get('authorization') === null) {
      return json({ error: 'invalid_client' }, { status: 401 })
    }
    return json(opaque.get(form.get('token') ?? '') ?? { active: false })
  })
  return {
    issuer,
    discoveryUrl,
    introspectionUrl,
    key,
    fake,
    cache: new ProviderCache({ now: () => NOW * 1000 }),
    opaque,
    token: (claims = {}, header = { typ: 'at+jwt' }) =>
      sign(key, accessClaims({ iss: issuer, ...claims }), header),
  }
}
