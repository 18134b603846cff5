/**
 * The quick start: discovery, a client-credentials token, and validation of that token.
 *
 * Against your own provider, with the settings in a `.env` file (never commit it):
 *   node --env-file=.env --import tsx examples/quick-start.ts
 * where .env holds DISCO_ADDRESS, CLIENT_ID, CLIENT_SECRET, SCOPE and AUDIENCE.
 * `npm run demo` runs the same steps against an embedded provider.
 */
import { pathToFileURL } from 'node:url'
import {
  type Claims,
  ClientCredentialsTokenRequest,
  DiscoveryDocumentRequest,
  getDiscoveryDocument,
  IdentityModelError,
  requestClientCredentialsToken,
  TokenValidationConfig,
  validateToken,
} from 'identity-model'

export interface QuickStartSettings {
  readonly discoAddress: string
  readonly clientId: string
  readonly clientSecret: string
  readonly scope: string
  readonly audience: string
}

export interface QuickStartResult {
  readonly accessToken: string
  readonly claims: Claims
}

/** Runs the three quick-start steps, printing what each one finds. */
export async function quickStart(settings: QuickStartSettings): Promise<QuickStartResult> {
  // 1. Discover the identity provider.
  const disco = await getDiscoveryDocument(
    new DiscoveryDocumentRequest({ address: settings.discoAddress }),
  )
  if (!disco.isSuccessful) throw new Error(`discovery failed: ${disco.error}`)
  console.log(`Issuer:         ${disco.issuer}`)
  console.log(`Token endpoint: ${disco.tokenEndpoint}`)
  console.log(`JWKS URI:       ${disco.jwksUri}`)

  // 2. Request an access token with the client credentials grant.
  const tokenResponse = await requestClientCredentialsToken(
    new ClientCredentialsTokenRequest({
      address: disco.tokenEndpoint,
      clientId: settings.clientId,
      clientSecret: settings.clientSecret,
      scope: settings.scope,
    }),
  )
  if (!tokenResponse.isSuccessful) {
    throw new Error(
      `token request failed: ${tokenResponse.error} ${tokenResponse.errorDescription ?? ''}`,
    )
  }
  const accessToken = tokenResponse.token.access_token
  console.log(`Access token obtained, expires in ${tokenResponse.token.expires_in} seconds`)

  // 3. Validate it, as the API receiving it would.
  const claims = await validateToken(
    accessToken,
    new TokenValidationConfig({
      performDisco: true,
      audience: settings.audience,
      options: { verifySignature: true, verifyAud: true, verifyExp: true, verifyIss: true },
    }),
    settings.discoAddress,
  )
  console.log(`Token valid! Subject: ${claims.sub}`)
  console.log(`Scopes: ${claims.scope}`)
  return { accessToken, claims }
}

/** Reports a validation failure the way an application would. */
export function explain(error: unknown): string {
  if (error instanceof IdentityModelError)
    return `Token validation failed (${error.code}): ${error.message}`
  throw error
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const env = (name: string, fallback?: string): string => {
    const value = process.env[name] ?? fallback
    if (value === undefined)
      throw new Error(`set ${name} (for example in a .env file loaded with --env-file)`)
    return value
  }
  await quickStart({
    discoAddress: env('DISCO_ADDRESS'),
    clientId: env('CLIENT_ID'),
    clientSecret: env('CLIENT_SECRET'),
    scope: env('SCOPE', 'api:read'),
    audience: env('AUDIENCE'),
  })
}
