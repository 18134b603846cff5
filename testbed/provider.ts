/**
 * An embedded OpenID Provider (oidc-provider 9) on 127.0.0.1 for the demo, integration and
 * end-to-end tests and benchmarks, with the knobs those need: key rotation while running,
 * outages, delays, restarts on the same port, and per-path request counts.
 *
 * @example
 * ```ts
 * const op = await startProvider()
 * const token = await op.clientCredentialsToken(clients.serviceBasic)
 * await op.stop()
 * ```
 */
import { randomBytes } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Provider as OidcProvider } from 'oidc-provider'
import { TestbedStore } from './adapter.js'
import { type ClientMetadata, type ClientOptions, clientMetadata } from './clients.js'
import { buildConfiguration, type TtlOverrides } from './config.js'
import { type KeySet, providerKeys } from './keys.js'
import { Provider } from './oidc.js'
import { muteProviderChatter } from './quiet.js'
import { registerTokenExchange } from './token-exchange.js'

export type { ClientMetadata, ClientOptions } from './clients.js'
export { clients, DEVICE_CODE_GRANT, TOKEN_EXCHANGE_GRANT } from './clients.js'
export type { TtlOverrides } from './config.js'
export { clientKeys, type KeySet, type PrivateJwk } from './keys.js'
export { resources } from './resources.js'

/** Options of {@link startProvider}. */
export interface StartProviderOptions extends ClientOptions {
  /** Port to bind on 127.0.0.1; default 0 (a free port). */
  readonly port?: number
  /** Key generation(s) in the JWKS, signing one first; default `'A'`. */
  readonly keys?: KeySet
  /** JWS algorithm of the JWT access tokens for `https://api.example.test`; default `'RS256'`. */
  readonly accessTokenAlg?: string
  /** Token lifetimes in seconds (client_credentials tokens: 600 by default). */
  readonly ttl?: TtlOverrides
  /** Metadata of extra static clients, registered next to the built-in ones. */
  readonly clients?: readonly ClientMetadata[]
  /** Make the provider demand DPoP nonces (`use_dpop_nonce`); default false. */
  readonly requireDpopNonce?: boolean
  /** Merged over the oidc-provider configuration (`features` one level deep). */
  readonly extraConfig?: Readonly<Record<string, unknown>>
  /** Called with every Provider instance built (start, rotation, restart): extra grant types. */
  readonly setup?: (provider: OidcProvider) => void
  /**
   * Sees each request before the provider does; answering it (and returning true) keeps it from
   * the provider; it may also rewrite `req.url`. For tests of what other servers do.
   */
  readonly intercept?: (req: IncomingMessage, res: ServerResponse) => boolean
}

/** A client-credentials request made by {@link TestProvider.clientCredentialsToken}. */
export interface ClientCredentialsRequest {
  readonly clientId: string
  readonly clientSecret: string
  readonly scope?: string
  readonly resource?: string
  /** `client_secret_basic` (default) or `client_secret_post`. */
  readonly method?: 'basic' | 'post'
}

/** A running testbed provider. */
export interface TestProvider {
  /** `http://127.0.0.1:<port>`. */
  readonly issuer: string
  readonly port: number
  /** `<issuer>/.well-known/openid-configuration`. */
  readonly discoveryUrl: string
  /** The oidc-provider instance answering now (replaced by rotateKeys and restart). */
  readonly provider: OidcProvider
  /** The key set published now. */
  readonly keys: KeySet
  /** Requests received per path (query excluded), counted before any delay or outage. */
  readonly counts: Readonly<Record<string, number>>
  resetCounts(): void
  /** Waits `ms` before answering each request; 0 turns it off. */
  setDelay(ms: number): void
  /** While down, every request gets 503 `temporarily_unavailable`; the port stays open. */
  setDown(down: boolean, options?: { readonly retryAfterSeconds?: number }): void
  /** Closes the server and every open connection. */
  stop(): Promise<void>
  /** Listens again on the same port with the same keys; stored state survives. */
  restart(): Promise<void>
  /** Swaps in a provider publishing `keys`, without closing the server; state survives. */
  rotateKeys(keys: KeySet): Promise<void>
  /** A client_credentials token response (raw JSON, any status) fetched with plain fetch. */
  clientCredentialsToken(request: ClientCredentialsRequest): Promise<Record<string, unknown>>
}

/** Starts the testbed provider on 127.0.0.1. */
export async function startProvider(options: StartProviderOptions = {}): Promise<TestProvider> {
  const releaseChatter = muteProviderChatter()
  const server = createServer()
  let port: number
  try {
    port = await listen(server, options.port ?? 0)
  } catch (error) {
    releaseChatter()
    throw error
  }
  const issuer = `http://127.0.0.1:${port}`

  const accessTokenAlg = options.accessTokenAlg ?? 'RS256'
  const shared = {
    clients: [...clientMetadata(options), ...(options.clients ?? [])],
    store: new TestbedStore(),
    accessTokenAlg,
    ttl: options.ttl ?? {},
    requireDpopNonce: options.requireDpopNonce ?? false,
    dpopNonceSecret: randomBytes(32),
    cookieKeys: [randomBytes(32).toString('base64url')],
    extraConfig: options.extraConfig ?? {},
  }
  const build = (keySet: KeySet): OidcProvider => {
    const keys = providerKeys(keySet)
    const provider = new Provider(issuer, buildConfiguration({ ...shared, keys }))
    registerTokenExchange(provider, keys, accessTokenAlg)
    options.setup?.(provider)
    // oidc-provider answers 500 without logging anything; a testbed bug should be visible.
    provider.on('server_error', (_ctx, error) => console.error('testbed provider error:', error))
    return provider
  }

  let keys: KeySet = options.keys ?? 'A'
  let provider: OidcProvider
  try {
    provider = build(keys)
  } catch (error) {
    // A bad option (extraConfig, clients) must not leave a port open behind a failed start.
    await close(server)
    releaseChatter()
    throw error
  }
  let handler = provider.callback()
  let delayMs = 0
  let down: { retryAfterSeconds?: number } | undefined
  let running = true
  let release: (() => void) | undefined = releaseChatter
  const counts: Record<string, number> = {}
  const timers = new Set<NodeJS.Timeout>()

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? '/', issuer).pathname
    counts[path] = (counts[path] ?? 0) + 1
    const answer = () =>
      down ? unavailable(res, down) : options.intercept?.(req, res) ? undefined : handler(req, res)
    if (delayMs <= 0) return answer()
    const timer = setTimeout(() => {
      timers.delete(timer)
      answer()
    }, delayMs)
    timers.add(timer)
  })

  return {
    issuer,
    port,
    discoveryUrl: `${issuer}/.well-known/openid-configuration`,
    get provider() {
      return provider
    },
    get keys() {
      return keys
    },
    counts,
    resetCounts() {
      for (const path of Object.keys(counts)) delete counts[path]
    },
    setDelay(ms) {
      if (!(ms >= 0)) throw new TypeError('setDelay() takes a number of milliseconds >= 0')
      delayMs = ms
    },
    setDown(isDown, downOptions = {}) {
      down = isDown ? { ...downOptions } : undefined
    },
    async stop() {
      if (!running) return
      running = false
      for (const timer of timers) clearTimeout(timer)
      timers.clear()
      await close(server)
      release?.()
      release = undefined
    },
    async restart() {
      if (running) throw new Error('restart() needs stop() first')
      const releaseAgain = muteProviderChatter()
      try {
        provider = build(keys)
        handler = provider.callback()
        await listen(server, port)
      } catch (error) {
        releaseAgain()
        throw error
      }
      release = releaseAgain
      running = true
    },
    async rotateKeys(next) {
      provider = build(next)
      handler = provider.callback()
      keys = next
    },
    clientCredentialsToken: (request) => clientCredentialsToken(issuer, request),
  }
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject)
      resolve((server.address() as AddressInfo).port)
    })
  })
}

function close(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()))
    // close() alone waits for keep-alive connections (fetch keeps them) to go idle.
    server.closeAllConnections()
  })
}

function unavailable(res: ServerResponse, down: { retryAfterSeconds?: number }): void {
  const body = JSON.stringify({
    error: 'temporarily_unavailable',
    error_description: 'the testbed provider is down',
  })
  res.writeHead(503, {
    'content-type': 'application/json',
    'cache-control': 'no-store',
    ...(down.retryAfterSeconds === undefined ? {} : { 'retry-after': `${down.retryAfterSeconds}` }),
  })
  res.end(body)
}

/** RFC 6749 §2.3.1: form-encode the id and secret, then base64 the pair. */
function basicAuthorization(clientId: string, clientSecret: string): string {
  const form = (value: string) => new URLSearchParams({ v: value }).toString().slice(2)
  return `Basic ${Buffer.from(`${form(clientId)}:${form(clientSecret)}`).toString('base64')}`
}

async function clientCredentialsToken(
  issuer: string,
  request: ClientCredentialsRequest,
): Promise<Record<string, unknown>> {
  const body = new URLSearchParams({ grant_type: 'client_credentials' })
  if (request.scope !== undefined) body.set('scope', request.scope)
  if (request.resource !== undefined) body.set('resource', request.resource)
  const headers: Record<string, string> = { accept: 'application/json' }
  if (request.method === 'post') {
    body.set('client_id', request.clientId)
    body.set('client_secret', request.clientSecret)
  } else {
    headers.authorization = basicAuthorization(request.clientId, request.clientSecret)
  }
  const response = await fetch(`${issuer}/token`, {
    method: 'POST',
    headers,
    body,
    signal: AbortSignal.timeout(5000),
  })
  return (await response.json()) as Record<string, unknown>
}
