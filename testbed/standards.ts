/**
 * The "standards" profile of the testbed: what the JWT introspection, encryption, CIBA, RAR and
 * JWT bearer tests need, kept apart from config.ts so other profiles (FAPI, mTLS) merge freely.
 * Pass `profile.options` to `startProvider`; the profile object then drives CIBA approvals and
 * holds the (TEST-ONLY) keys, generated at run time.
 *
 * @example
 * ```ts
 * const profile = standardsProfile({ redirectUris: [REDIRECT_URI] })
 * const op = await startProvider({ ...profile.options, redirectUris: [REDIRECT_URI] })
 * ```
 */
import { createPublicKey, generateKeyPairSync, type JsonWebKey, verify } from 'node:crypto'
import { request as httpsRequest } from 'node:https'
import type { KoaContextWithOIDC, Provider } from 'oidc-provider'
import type { ClientMetadata } from './clients.js'
import { errors as declaredErrors } from './oidc.js'
import type { StartProviderOptions } from './provider.js'
import { resources } from './resources.js'

/** What this profile calls on oidc-provider beyond what testbed/oidc-provider.d.ts declares. */
type ErrorClass = new (description?: string) => Error
const errors = declaredErrors as typeof declaredErrors & {
  readonly InvalidBindingMessage: ErrorClass
  readonly InvalidAuthorizationDetails: ErrorClass
  readonly AccessDenied: ErrorClass
  readonly InvalidClient: ErrorClass
}
interface GrantModel {
  addOIDCScope(scope: string): void
  addRar(detail: unknown): void
  save(): Promise<string>
}
interface CibaProvider {
  readonly Grant: new (init: { accountId: string; clientId: string }) => GrantModel
  readonly BackchannelAuthenticationRequest: {
    find(id: string): Promise<{ scope?: string; rar?: readonly unknown[] } | undefined>
  }
  backchannelResult(
    request: unknown,
    result: unknown,
    extra?: { authTime?: number; rar?: unknown },
  ): Promise<void>
}

export const CIBA_GRANT = 'urn:openid:params:grant-type:ciba'
export const JWT_BEARER_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer'

/** The clients of this profile. TEST-ONLY credentials. */
export const standardsClients = {
  /** ID token RSA-OAEP-256 + A128CBC-HS256; UserInfo signed RS256, then RSA-OAEP-256 + A256GCM. */
  encRsa: { clientId: 'enc-rsa', clientSecret: 'enc-rsa-secret' },
  /** ID token ECDH-ES+A256KW + A256GCM; UserInfo signed ES256, then ECDH-ES + A128CBC-HS256. */
  encEcdh: { clientId: 'enc-ecdh', clientSecret: 'enc-ecdh-secret' },
  /** A resource server registered for JWT introspection responses (RS256). */
  jwtIntrospector: { clientId: 'jwt-introspector', clientSecret: 'jwt-introspector-secret' },
  /** CIBA, poll mode. */
  cibaPoll: { clientId: 'ciba-poll', clientSecret: 'ciba-poll-secret' },
  /** CIBA, ping mode (notification endpoint from the profile options). */
  cibaPing: { clientId: 'ciba-ping', clientSecret: 'ciba-ping-secret' },
  /** RAR (`payment_initiation`): client credentials, code flow, refresh. */
  rar: { clientId: 'rar-client', clientSecret: 'rar-client-secret' },
  /** The JWT bearer grant (RFC 7523 §2.1). */
  jwtBearer: { clientId: 'jwt-bearer-client', clientSecret: 'jwt-bearer-client-secret' },
} as const

/** The RAR type the profile accepts. */
export const PAYMENT_INITIATION = 'payment_initiation'

/** The issuer of the assertions the JWT bearer grant trusts, and its signing key. */
export const ASSERTION_ISSUER = 'https://assertions.example.test'

/** A CIBA request the provider received and is waiting for the user to answer. */
export interface PendingCiba {
  readonly authReqId: string
  readonly accountId: string
  readonly clientId: string
  readonly bindingMessage: string | undefined
}

export interface StandardsProfileOptions {
  /** `redirect_uris` of the interactive clients; default `['http://127.0.0.1/callback']`. */
  readonly redirectUris?: readonly string[]
  /** `backchannel_client_notification_endpoint` of the ping client (https, CIBA Core §4). */
  readonly cibaNotificationEndpoint?: string
  /**
   * The PEM certificate the notification endpoint's TLS server presents (self-signed, made at
   * test time): the provider trusts it for that origin only.
   */
  readonly cibaNotificationCa?: string
}

export interface StandardsProfile {
  /** Spread into `startProvider` options (add `redirectUris` etc. as usual). */
  readonly options: Required<Pick<StartProviderOptions, 'clients' | 'extraConfig' | 'setup'>>
  /** The clients' private decryption keys (JWK, with `kid`, `use: enc`). */
  readonly decryptionKeys: {
    readonly rsa: JsonWebKey & { kid: string }
    readonly ecdh: JsonWebKey & { kid: string }
  }
  /** The assertion signer of the JWT bearer grant (a private P-256 JWK, ES256). */
  readonly assertionKey: JsonWebKey & { kid: string }
  /** Resolves with the next CIBA request for `loginHint` (or one already waiting). */
  nextCibaRequest(loginHint: string): Promise<PendingCiba>
  /** Approves a pending CIBA request (scopes `openid` plus what was asked). */
  approveCiba(authReqId: string): Promise<void>
  /** Denies a pending CIBA request (`access_denied`). */
  denyCiba(authReqId: string): Promise<void>
}

function privateJwk(kind: 'rsa' | 'ec', kid: string, alg: string, use: 'enc' | 'sig') {
  const { privateKey } =
    kind === 'rsa'
      ? generateKeyPairSync('rsa', { modulusLength: 2048 })
      : generateKeyPairSync('ec', { namedCurve: 'P-256' })
  return { ...privateKey.export({ format: 'jwk' }), kid, alg, use } as JsonWebKey & { kid: string }
}

function publicJwk(jwk: JsonWebKey): JsonWebKey {
  const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...rest } = jwk
  return rest
}

/** Builds the profile: keys, clients, provider features, and the CIBA and JWT bearer hooks. */
export function standardsProfile(options: StandardsProfileOptions = {}): StandardsProfile {
  const redirectUris = options.redirectUris ?? ['http://127.0.0.1/callback']
  const rsa = privateJwk('rsa', 'enc-rsa-1', 'RSA-OAEP-256', 'enc')
  const ecdh = privateJwk('ec', 'enc-ecdh-1', 'ECDH-ES+A256KW', 'enc')
  const ecdhDirect = { ...ecdh, kid: 'enc-ecdh-direct', alg: 'ECDH-ES' }
  const assertionKey = privateJwk('ec', 'assertion-1', 'ES256', 'sig')
  const service = { response_types: [], redirect_uris: [] }
  const web = {
    token_endpoint_auth_method: 'client_secret_basic',
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    redirect_uris: redirectUris,
  }

  const clients: ClientMetadata[] = [
    {
      ...web,
      client_id: standardsClients.encRsa.clientId,
      client_secret: standardsClients.encRsa.clientSecret,
      id_token_signed_response_alg: 'RS256',
      id_token_encrypted_response_alg: 'RSA-OAEP-256',
      id_token_encrypted_response_enc: 'A128CBC-HS256',
      userinfo_signed_response_alg: 'RS256',
      userinfo_encrypted_response_alg: 'RSA-OAEP-256',
      userinfo_encrypted_response_enc: 'A256GCM',
      jwks: { keys: [publicJwk(rsa)] },
    },
    {
      ...web,
      client_id: standardsClients.encEcdh.clientId,
      client_secret: standardsClients.encEcdh.clientSecret,
      id_token_encrypted_response_alg: 'ECDH-ES+A256KW',
      id_token_encrypted_response_enc: 'A256GCM',
      // oidc-provider signs whatever it encrypts (an encrypted-only answer is not on offer).
      userinfo_signed_response_alg: 'ES256',
      userinfo_encrypted_response_alg: 'ECDH-ES',
      userinfo_encrypted_response_enc: 'A128CBC-HS256',
      jwks: { keys: [publicJwk(ecdh), publicJwk(ecdhDirect)] },
    },
    {
      ...service,
      client_id: standardsClients.jwtIntrospector.clientId,
      client_secret: standardsClients.jwtIntrospector.clientSecret,
      token_endpoint_auth_method: 'client_secret_basic',
      grant_types: ['client_credentials'],
      introspection_signed_response_alg: 'RS256',
    },
    {
      ...service,
      client_id: standardsClients.cibaPoll.clientId,
      client_secret: standardsClients.cibaPoll.clientSecret,
      token_endpoint_auth_method: 'client_secret_basic',
      grant_types: [CIBA_GRANT, 'refresh_token'],
      backchannel_token_delivery_mode: 'poll',
      authorization_details_types: [PAYMENT_INITIATION],
    },
    ...(options.cibaNotificationEndpoint === undefined
      ? []
      : [
          {
            ...service,
            client_id: standardsClients.cibaPing.clientId,
            client_secret: standardsClients.cibaPing.clientSecret,
            token_endpoint_auth_method: 'client_secret_basic',
            grant_types: [CIBA_GRANT],
            backchannel_token_delivery_mode: 'ping',
            backchannel_client_notification_endpoint: options.cibaNotificationEndpoint,
          },
        ]),
    {
      ...web,
      client_id: standardsClients.rar.clientId,
      client_secret: standardsClients.rar.clientSecret,
      grant_types: ['authorization_code', 'refresh_token', 'client_credentials'],
      authorization_details_types: [PAYMENT_INITIATION],
      scope: 'openid offline_access profile email api:read api:write',
    },
    {
      ...service,
      client_id: standardsClients.jwtBearer.clientId,
      client_secret: standardsClients.jwtBearer.clientSecret,
      token_endpoint_auth_method: 'client_secret_basic',
      grant_types: [JWT_BEARER_GRANT],
      scope: 'api:read api:write',
    },
  ]

  // CIBA: requests wait here until a test answers them, as a phone app would.
  const pending: PendingCiba[] = []
  const waiters: { loginHint: string; resolve: (request: PendingCiba) => void }[] = []
  let current: Provider | undefined

  const enc = ['A128GCM', 'A192GCM', 'A256GCM', 'A128CBC-HS256', 'A192CBC-HS384', 'A256CBC-HS512']
  const alg = ['RSA-OAEP-256', 'ECDH-ES', 'ECDH-ES+A128KW', 'ECDH-ES+A192KW', 'ECDH-ES+A256KW']
  const notificationOrigin =
    options.cibaNotificationEndpoint === undefined
      ? undefined
      : new URL(options.cibaNotificationEndpoint).origin
  const extraConfig = {
    // As config.ts's, plus: the ping notification endpoint's self-signed certificate is trusted.
    fetch: (url: string | URL, init: RequestInit & { dispatcher?: unknown }) => {
      delete init.dispatcher
      if (notificationOrigin !== undefined && new URL(url).origin === notificationOrigin) {
        return fetchWithCa(url, init, options.cibaNotificationCa)
      }
      return fetch(url, init)
    },
    enabledJWA: {
      // config.ts's own list, repeated: enabledJWA is replaced as a whole.
      dPoPSigningAlgValues: ['ES256', 'Ed25519', 'EdDSA', 'RS256', 'PS256'],
      idTokenEncryptionAlgValues: alg,
      idTokenEncryptionEncValues: enc,
      userinfoEncryptionAlgValues: alg,
      userinfoEncryptionEncValues: enc,
      introspectionEncryptionAlgValues: alg,
      introspectionEncryptionEncValues: enc,
    },
    features: {
      encryption: { enabled: true },
      jwtIntrospection: { enabled: true },
      jwtUserinfo: { enabled: true },
      ciba: {
        enabled: true,
        deliveryModes: ['poll', 'ping'],
        processLoginHint: (_ctx: KoaContextWithOIDC, loginHint: string) => loginHint,
        processLoginHintToken: () => {
          throw new errors.InvalidRequest('login_hint_token is not supported here')
        },
        validateBindingMessage: (_ctx: KoaContextWithOIDC, message?: string) => {
          if (message !== undefined && !/^[\w -]{1,20}$/.test(message)) {
            throw new errors.InvalidBindingMessage('binding_message must be 1-20 word characters')
          }
        },
        validateRequestContext: () => {},
        verifyUserCode: () => {},
        triggerAuthenticationDevice: (
          ctx: KoaContextWithOIDC,
          request: { jti: string; accountId: string; clientId: string },
        ) => {
          const entry: PendingCiba = {
            authReqId: request.jti,
            accountId: request.accountId,
            clientId: request.clientId,
            bindingMessage: ctx.oidc.params?.binding_message as string | undefined,
          }
          const waiter = waiters.findIndex((w) => w.loginHint === entry.accountId)
          if (waiter === -1) pending.push(entry)
          else waiters.splice(waiter, 1)[0]!.resolve(entry)
        },
      },
      richAuthorizationRequests: {
        enabled: true,
        types: {
          [PAYMENT_INITIATION]: {
            validate(_ctx: KoaContextWithOIDC, detail: Record<string, unknown>) {
              const amount = detail.instructedAmount as Record<string, unknown> | undefined
              if (
                typeof amount?.currency !== 'string' ||
                typeof amount.amount !== 'string' ||
                typeof detail.creditorName !== 'string'
              ) {
                throw new errors.InvalidAuthorizationDetails(
                  'payment_initiation needs instructedAmount { currency, amount } and creditorName',
                )
              }
            },
          },
        },
        authorizationDetailsForGrantSource: (_ctx: KoaContextWithOIDC, source: { rar?: unknown }) =>
          source.rar ?? grantRar(_ctx),
        authorizationDetailsForAccessToken: (
          ctx: KoaContextWithOIDC,
          _token: unknown,
          source?: { rar?: unknown },
        ) => source?.rar ?? parsedDetails(ctx),
        authorizationDetailsForIntrospection: (
          _ctx: KoaContextWithOIDC,
          token: { rar?: unknown },
        ) => token.rar,
      },
    },
  }

  const setup = (provider: Provider): void => {
    current = provider
    provider.registerGrantType(
      JWT_BEARER_GRANT,
      (ctx: KoaContextWithOIDC) => jwtBearerGrant(ctx, assertionKey),
      ['assertion', 'scope', 'resource'],
    )
  }

  const answer = async (authReqId: string, approve: boolean): Promise<void> => {
    const provider = current as unknown as CibaProvider | undefined
    if (provider === undefined) throw new Error('the provider is not started')
    const index = pending.findIndex((entry) => entry.authReqId === authReqId)
    const entry = index === -1 ? undefined : pending.splice(index, 1)[0]
    if (entry === undefined) throw new Error('no such pending CIBA request')
    if (!approve) {
      await provider.backchannelResult(authReqId, new errors.AccessDenied('the user said no'))
      return
    }
    const request = await provider.BackchannelAuthenticationRequest.find(authReqId)
    const grant = new provider.Grant({ accountId: entry.accountId, clientId: entry.clientId })
    grant.addOIDCScope(request?.scope ?? 'openid')
    for (const detail of request?.rar ?? []) grant.addRar(detail)
    await grant.save()
    await provider.backchannelResult(request ?? authReqId, grant, {
      authTime: Math.floor(Date.now() / 1000),
      rar: request?.rar,
    })
  }

  return {
    options: { clients, extraConfig, setup },
    decryptionKeys: { rsa, ecdh },
    assertionKey,
    nextCibaRequest(loginHint) {
      const index = pending.findIndex((entry) => entry.accountId === loginHint)
      // Keep it pending until answered: answer() takes it out.
      if (index !== -1) return Promise.resolve(pending[index]!)
      return new Promise((resolve) =>
        waiters.push({
          loginHint,
          resolve: (entry) => {
            pending.push(entry)
            resolve(entry)
          },
        }),
      )
    },
    approveCiba: (authReqId) => answer(authReqId, true),
    denyCiba: (authReqId) => answer(authReqId, false),
  }
}

/** A POST over node:https trusting `ca`, answered as a fetch `Response` (the provider's ping). */
function fetchWithCa(
  url: string | URL,
  init: RequestInit,
  ca: string | undefined,
): Promise<Response> {
  return new Promise((resolve, reject) => {
    const headers = Object.fromEntries(new Headers(init.headers).entries())
    const request = httpsRequest(
      url,
      { method: init.method ?? 'GET', headers, ...(ca === undefined ? {} : { ca }), timeout: 5000 },
      (response) => {
        const chunks: Buffer[] = []
        response.on('data', (chunk: Buffer) => chunks.push(chunk))
        response.on('end', () => {
          const status = response.statusCode ?? 500
          const body = status === 204 || status === 304 ? null : Buffer.concat(chunks)
          resolve(new Response(body, { status }))
        })
      },
    )
    request.on('error', reject)
    request.on('timeout', () => request.destroy(new Error('timed out')))
    request.end(typeof init.body === 'string' ? init.body : undefined)
  })
}

function parsedDetails(ctx: KoaContextWithOIDC): unknown {
  const raw = ctx.oidc.params?.authorization_details
  return typeof raw === 'string' ? JSON.parse(raw) : undefined
}

function grantRar(ctx: KoaContextWithOIDC): unknown {
  return (ctx.oidc as unknown as { grant?: { rar?: unknown } }).grant?.rar ?? parsedDetails(ctx)
}

/**
 * RFC 7523 §2.1, which oidc-provider does not implement: an assertion signed (ES256) by the
 * trusted assertion issuer, `aud` = this provider's issuer or token endpoint, `sub` = the user,
 * unexpired. The answer is an access token for that user.
 */
async function jwtBearerGrant(
  ctx: KoaContextWithOIDC,
  key: JsonWebKey & { kid: string },
): Promise<void> {
  const { provider, client } = ctx.oidc
  if (!client) throw new errors.InvalidClient('client authentication is required')
  const assertion = ctx.oidc.params?.assertion
  if (typeof assertion !== 'string') throw new errors.InvalidRequest('assertion is required')
  const claims = verifyAssertion(assertion, key)
  const now = Math.floor(Date.now() / 1000)
  const audiences = Array.isArray(claims?.aud) ? claims.aud : [claims?.aud]
  if (
    claims === undefined ||
    claims.iss !== ASSERTION_ISSUER ||
    typeof claims.sub !== 'string' ||
    typeof claims.exp !== 'number' ||
    claims.exp <= now ||
    !audiences.some((aud) => aud === provider.issuer || aud === `${provider.issuer}/token`)
  ) {
    throw new errors.InvalidGrant('the assertion is not valid')
  }
  const requested = ctx.oidc.params?.scope
  const scope = typeof requested === 'string' ? requested : 'api:read'
  const allowed = new Set((client.scope ?? '').split(' '))
  const refused = scope.split(' ').find((s) => !allowed.has(s))
  if (refused) throw new errors.InvalidScope('requested scope is not allowed', refused)
  const token = new provider.AccessToken({
    client,
    accountId: claims.sub,
    gty: JWT_BEARER_GRANT,
    scope,
  })
  token.resourceServer = new provider.ResourceServer(resources.opaque, {
    audience: 'opaque-api',
    scope: 'api:read api:write',
    accessTokenFormat: 'opaque',
  })
  ctx.body = {
    access_token: await token.save(),
    token_type: token.tokenType,
    expires_in: token.expiration,
    scope,
  }
}

function verifyAssertion(
  jwt: string,
  key: JsonWebKey & { kid: string },
): Record<string, unknown> | undefined {
  const [header, payload, signature] = jwt.split('.')
  if (header === undefined || payload === undefined || signature === undefined) return undefined
  try {
    const { alg, kid } = JSON.parse(Buffer.from(header, 'base64url').toString()) as {
      alg?: unknown
      kid?: unknown
    }
    if (alg !== 'ES256' || kid !== key.kid) return undefined
    const publicKey = createPublicKey({ key: publicJwk(key), format: 'jwk' })
    const ok = verify(
      'sha256',
      Buffer.from(`${header}.${payload}`),
      { key: publicKey, dsaEncoding: 'ieee-p1363' },
      Buffer.from(signature, 'base64url'),
    )
    if (!ok) return undefined
    return JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>
  } catch {
    return undefined
  }
}
