/**
 * A TLS testbed provider for the high-security profiles: oidc-provider 9 over HTTPS on
 * 127.0.0.1 with PAR (RFC 9126), signed request objects (RFC 9101), JARM, mTLS (RFC 8705:
 * `tls_client_auth`, `self_signed_tls_client_auth`, certificate-bound tokens) and the FAPI 2.0
 * profile for the `fapi-*` clients. Certificates are made at start (see certificates.ts).
 *
 * Two HTTPS listeners answer for one provider: the issuer's, which asks for no client
 * certificate (browsers use it), and the mTLS one, which asks for a client certificate and is
 * published as `mtls_endpoint_aliases`, as deployments split them.
 *
 * @example
 * ```ts
 * const op = await startFapiProvider()
 * // op.issuer is https://127.0.0.1:<port>; trust op.certificates.ca
 * await op.stop()
 * ```
 */
import { generateKeyPairSync, randomBytes, X509Certificate } from 'node:crypto'
import { createServer, type Server } from 'node:https'
import type { AddressInfo } from 'node:net'
import type { TLSSocket } from 'node:tls'
import type { Provider as OidcProvider } from 'oidc-provider'
import { TestbedStore } from './adapter.js'
import {
  type CertificatePair,
  createTestCertificates,
  type TestCertificates,
} from './certificates.js'
import type { ClientMetadata } from './clients.js'
import { buildConfiguration } from './config.js'
import { clientKeys, type PrivateJwk, providerKeys, toPublicJwk } from './keys.js'
import { Provider } from './oidc.js'
import { muteProviderChatter } from './quiet.js'

/** The redirect URI of every client here (https, as FAPI 2.0 demands; nothing listens on it). */
export const FAPI_REDIRECT_URI = 'https://127.0.0.1:9/callback'

/** Client ids and secrets of the clients of {@link startFapiProvider}. TEST-ONLY. */
export const fapiClients = {
  secretBasic: { clientId: 'par-secret-basic', clientSecret: 'par-secret-basic-secret' },
  secretPost: { clientId: 'par-secret-post', clientSecret: 'par-secret-post-secret' },
  secretJwt: {
    clientId: 'par-secret-jwt',
    clientSecret: 'par-secret-jwt-secret-that-is-long-enough-for-hs256',
  },
  /** `private_key_jwt`; also signs request objects; key: `clientKeys['jwt-client']` (ES256). */
  privateKeyJwt: { clientId: 'par-private-key-jwt' },
  /** Public client (`none`). */
  publicApp: { clientId: 'par-public' },
  /** `tls_client_auth` with the CA-issued certificate `certificates.mtlsClient`. */
  tlsClient: { clientId: 'par-tls' },
  /** `self_signed_tls_client_auth` with `certificates.selfSigned`. */
  selfSignedClient: { clientId: 'par-self-signed' },
  /** FAPI 2.0: `private_key_jwt`, DPoP-bound tokens, PAR required. */
  fapiDpop: { clientId: 'fapi-dpop' },
  /** FAPI 2.0: `tls_client_auth`, certificate-bound tokens, PAR required. */
  fapiMtls: { clientId: 'fapi-mtls' },
} as const

export interface FapiCertificates {
  /** The CA that signed the server certificate and `mtlsClient`: give it as `tls.ca`. */
  readonly ca: string
  /** The certificate of `par-tls` and `fapi-mtls` (CA-issued, `CN=mtls-client`). */
  readonly mtlsClient: CertificatePair
  /** The certificate of `par-self-signed`. */
  readonly selfSigned: CertificatePair
  /** Another CA-issued certificate, registered for nobody. */
  readonly other: CertificatePair
  /** The provider's server certificate (127.0.0.1); test servers may use it too. */
  readonly server: CertificatePair
}

export interface FapiProvider {
  /** `https://127.0.0.1:<port>`. */
  readonly issuer: string
  readonly discoveryUrl: string
  /** `https://127.0.0.1:<port>` of the listener that asks for client certificates. */
  readonly mtlsOrigin: string
  readonly provider: OidcProvider
  readonly certificates: FapiCertificates
  /** Makes another client certificate (CA-issued unless `selfSigned`). */
  newCertificate(commonName: string, selfSigned?: boolean): Promise<CertificatePair>
  /** The request-object / private_key_jwt key of `par-private-key-jwt` and `fapi-dpop` (ES256). */
  readonly clientKey: PrivateJwk
  stop(): Promise<void>
}

/** Starts the TLS provider on two free 127.0.0.1 ports. */
export async function startFapiProvider(): Promise<FapiProvider> {
  const release = muteProviderChatter()
  let certificates: TestCertificates | undefined
  const servers: Server[] = []
  try {
    certificates = await createTestCertificates()
    const [mtlsClient, selfSigned, other] = await Promise.all([
      certificates.client('mtls-client'),
      certificates.client('self-signed-client', { selfSigned: true }),
      certificates.client('other-client'),
    ])
    const tlsOptions = { cert: certificates.server.cert, key: certificates.server.key }
    const main = createServer(tlsOptions)
    // Asks for a certificate but lets the provider decide (certificateAuthorized reads
    // `authorized`): self-signed client certificates must get through to be checked there.
    const mtls = createServer({
      ...tlsOptions,
      ca: certificates.ca,
      requestCert: true,
      rejectUnauthorized: false,
    })
    servers.push(main, mtls)
    const port = await listen(main)
    const mtlsPort = await listen(mtls)
    const issuer = `https://127.0.0.1:${port}`
    const mtlsOrigin = `https://127.0.0.1:${mtlsPort}`
    const clientKey = clientKeys['jwt-client'].find((key) => key.alg === 'ES256')!

    const configuration = buildConfiguration({
      keys: providerKeys('A'),
      clients: fapiClientMetadata(clientKey, selfSigned),
      store: new TestbedStore(),
      accessTokenAlg: 'PS256',
      ttl: {},
      requireDpopNonce: false,
      dpopNonceSecret: randomBytes(32),
      cookieKeys: [randomBytes(32).toString('base64url')],
      extraConfig: {
        clientAuthMethods: [
          'none',
          'client_secret_basic',
          'client_secret_post',
          'client_secret_jwt',
          'private_key_jwt',
          'tls_client_auth',
          'self_signed_tls_client_auth',
        ],
        features: {
          mTLS: {
            enabled: true,
            certificateBoundAccessTokens: true,
            tlsClientAuth: true,
            selfSignedTlsClientAuth: true,
            getCertificate: peerCertificate,
            certificateAuthorized: (ctx: { req: { socket: TLSSocket } }) =>
              ctx.req.socket.authorized === true,
            certificateSubjectMatches: (
              ctx: { req: { socket: TLSSocket } },
              property: string,
              expected: string,
            ) =>
              property === 'tls_client_auth_subject_dn' &&
              peerCertificate(ctx)?.subject === expected.replace(/^CN=/, 'CN='),
          },
          fapi: {
            enabled: true,
            profile: (_ctx: unknown, client?: { clientId: string }) =>
              client?.clientId.startsWith('fapi-') ? '2.0' : undefined,
          },
        },
        discovery: {
          mtls_endpoint_aliases: {
            token_endpoint: `${mtlsOrigin}/token`,
            pushed_authorization_request_endpoint: `${mtlsOrigin}/request`,
            introspection_endpoint: `${mtlsOrigin}/token/introspection`,
            revocation_endpoint: `${mtlsOrigin}/token/revocation`,
            userinfo_endpoint: `${mtlsOrigin}/me`,
          },
        },
      },
    })
    const provider = new Provider(issuer, configuration)
    provider.on('server_error', (_ctx, error) => console.error('fapi testbed error:', error))
    const handler = provider.callback()
    main.on('request', handler)
    mtls.on('request', handler)

    return {
      issuer,
      discoveryUrl: `${issuer}/.well-known/openid-configuration`,
      mtlsOrigin,
      provider,
      certificates: {
        ca: certificates.ca,
        mtlsClient,
        selfSigned,
        other,
        server: certificates.server,
      },
      newCertificate: (commonName, selfSignedCert = false) =>
        certificates!.client(commonName, { selfSigned: selfSignedCert }),
      clientKey,
      async stop() {
        await Promise.all(servers.map(close))
        await certificates?.remove()
        release()
      },
    }
  } catch (error) {
    await Promise.all(servers.map(close))
    await certificates?.remove()
    release()
    throw error
  }
}

/** The client certificate of the TLS connection, as oidc-provider wants it (or undefined). */
function peerCertificate(ctx: { req: { socket: TLSSocket } }): X509Certificate | undefined {
  const socket = ctx.req.socket
  if (typeof socket.getPeerCertificate !== 'function') return undefined
  const raw = socket.getPeerCertificate(false)?.raw
  return raw === undefined || raw.length === 0 ? undefined : new X509Certificate(raw)
}

function fapiClientMetadata(clientKey: PrivateJwk, selfSigned: CertificatePair): ClientMetadata[] {
  const web = {
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    redirect_uris: [FAPI_REDIRECT_URI],
  }
  const jwks = { keys: [toPublicJwk(clientKey)] }
  const selfSignedJwk = new X509Certificate(selfSigned.cert).publicKey.export({ format: 'jwk' })
  return [
    {
      ...web,
      client_id: fapiClients.secretBasic.clientId,
      client_secret: fapiClients.secretBasic.clientSecret,
      token_endpoint_auth_method: 'client_secret_basic',
    },
    {
      ...web,
      client_id: fapiClients.secretPost.clientId,
      client_secret: fapiClients.secretPost.clientSecret,
      token_endpoint_auth_method: 'client_secret_post',
    },
    {
      ...web,
      client_id: fapiClients.secretJwt.clientId,
      client_secret: fapiClients.secretJwt.clientSecret,
      token_endpoint_auth_method: 'client_secret_jwt',
    },
    {
      ...web,
      client_id: fapiClients.privateKeyJwt.clientId,
      token_endpoint_auth_method: 'private_key_jwt',
      jwks,
    },
    {
      ...web,
      client_id: fapiClients.publicApp.clientId,
      token_endpoint_auth_method: 'none',
    },
    {
      ...web,
      grant_types: [...web.grant_types, 'client_credentials'],
      client_id: fapiClients.tlsClient.clientId,
      token_endpoint_auth_method: 'tls_client_auth',
      tls_client_auth_subject_dn: 'CN=mtls-client',
      tls_client_certificate_bound_access_tokens: true,
      scope: 'openid api:read api:write',
    },
    {
      ...web,
      client_id: fapiClients.selfSignedClient.clientId,
      token_endpoint_auth_method: 'self_signed_tls_client_auth',
      jwks: {
        keys: [
          {
            ...selfSignedJwk,
            x5c: [selfSigned.der.toString('base64')],
            'x5t#S256': selfSigned.thumbprint,
          },
        ],
      },
    },
    {
      ...web,
      client_id: fapiClients.fapiDpop.clientId,
      token_endpoint_auth_method: 'private_key_jwt',
      token_endpoint_auth_signing_alg: 'ES256',
      jwks,
      dpop_bound_access_tokens: true,
      require_pushed_authorization_requests: true,
      id_token_signed_response_alg: 'PS256',
      authorization_signed_response_alg: 'PS256',
    },
    {
      ...web,
      client_id: fapiClients.fapiMtls.clientId,
      token_endpoint_auth_method: 'tls_client_auth',
      tls_client_auth_subject_dn: 'CN=mtls-client',
      tls_client_certificate_bound_access_tokens: true,
      require_pushed_authorization_requests: true,
      id_token_signed_response_alg: 'ES256',
    },
  ]
}

/** An unused key pair, for "signed by another key" cases. */
export function otherKeyJwk(): PrivateJwk {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  return {
    ...privateKey.export({ format: 'jwk' }),
    kid: 'other-key',
    alg: 'ES256',
    use: 'sig',
  } as PrivateJwk
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject)
      resolve((server.address() as AddressInfo).port)
    })
  })
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve()
    server.close(() => resolve())
    server.closeAllConnections()
  })
}
