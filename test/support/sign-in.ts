/**
 * Shared steps of the integration tests of the sign-in flows: a real sign-in through the
 * testbed provider's pages (driven by test/support/user-agent.ts), and a local receiver for
 * back-channel logout.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import {
  type AuthorizationRequestInit,
  createAuthorizationRequest,
  type DiscoverySuccess,
  type DpopHandle,
  parseAuthorizationResponse,
  requestAuthorizationCodeToken,
  type TokenSet,
} from '../../src/index.js'
import { UserAgent } from './user-agent.js'

/** The redirect URI the interactive testbed clients are started with. */
export const REDIRECT_URI = 'http://127.0.0.1:9/callback'

export interface SignedIn {
  readonly tokens: TokenSet
  readonly nonce: string
  readonly code: string
  /** The browser stand-in, still holding the provider's session cookies. */
  readonly agent: UserAgent
}

/**
 * Signs `login` in to the client with the code flow and PKCE, through the provider's login and
 * consent pages, and exchanges the code. Throws on any failure: tests of failures call the
 * steps themselves.
 */
export async function signIn(
  disco: DiscoverySuccess,
  client: { clientId: string; clientSecret?: string },
  options: {
    login?: string
    agent?: UserAgent
    request?: Partial<AuthorizationRequestInit>
    /** Bind the tokens to this DPoP key at the code exchange. */
    dpop?: DpopHandle
  } = {},
): Promise<SignedIn> {
  const agent = options.agent ?? new UserAgent()
  const request = createAuthorizationRequest({
    authorizationEndpoint: disco.authorizationEndpoint!,
    clientId: client.clientId,
    redirectUri: REDIRECT_URI,
    scope: 'openid profile email',
    ...options.request,
  })
  const outcome = await agent.run(request.url, {
    login: options.login ?? 'alice',
    leaves: (url) => url.startsWith(REDIRECT_URI),
  })
  if (outcome.redirect === undefined) throw new Error(`no redirect: ${outcome.visited.join(' → ')}`)
  const callback = parseAuthorizationResponse(outcome.redirect, {
    expectedState: request.state,
    discovery: disco,
  })
  if (!callback.isSuccessful) throw new Error(`authorization failed: ${callback.error}`)
  const exchange = await requestAuthorizationCodeToken({
    address: disco.tokenEndpoint,
    ...client,
    code: callback.code,
    redirectUri: REDIRECT_URI,
    codeVerifier: request.codeVerifier,
    ...(options.dpop === undefined ? {} : { dpop: options.dpop }),
  })
  if (!exchange.isSuccessful) throw new Error(`code exchange failed: ${exchange.error}`)
  return { tokens: exchange.token, nonce: request.nonce, code: callback.code, agent }
}

/** A local HTTP endpoint that hands every form POST it receives to `onPost`. */
export interface Receiver {
  readonly url: string
  close(): Promise<void>
}

export async function startReceiver(
  onPost: (form: URLSearchParams) => Promise<number>,
): Promise<Receiver> {
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      const form = new URLSearchParams(Buffer.concat(chunks).toString())
      onPost(form).then(
        (status) => res.writeHead(status, { 'cache-control': 'no-store' }).end(),
        () => res.writeHead(500).end(),
      )
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/backchannel-logout`,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}
