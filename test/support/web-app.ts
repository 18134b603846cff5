/**
 * A tiny relying party on node:http (127.0.0.1) for the browser tests, written the way the
 * docs tell users to: sign-in with the code flow and PKCE, the ID token validated with
 * validateIdToken, UserInfo fetched with the subject check, RP-initiated logout and a
 * back-channel logout endpoint. What it saw is kept in `events` for the tests.
 */
import { randomBytes } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import {
  createAuthorizationRequest,
  createEndSessionUrl,
  type DiscoverySuccess,
  getUserInfo,
  type IdTokenClaims,
  type LogoutTokenClaims,
  type ProviderCache,
  parseAuthorizationResponse,
  requestAuthorizationCodeToken,
  type UserInfoClaims,
  validateIdToken,
  validateLogoutToken,
} from '../../src/index.js'

interface Session {
  signIn?: { state: string; nonce: string; codeVerifier: string } | undefined
  user?: { idToken: string; claims: IdTokenClaims; userInfo: UserInfoClaims } | undefined
  logoutState?: string | undefined
}

export type AppEvent =
  | {
      readonly type: 'signed-in'
      readonly claims: IdTokenClaims
      readonly userInfo: UserInfoClaims
    }
  | { readonly type: 'sign-in-failed'; readonly error: string }
  | { readonly type: 'signed-out'; readonly stateMatched: boolean }
  | {
      readonly type: 'backchannel-logout'
      readonly claims: LogoutTokenClaims
      readonly endedSessions: number
    }
  | { readonly type: 'backchannel-logout-refused'; readonly error: string }

export interface WebApp {
  /** `http://127.0.0.1:<port>` */
  readonly origin: string
  readonly redirectUri: string
  readonly postLogoutRedirectUri: string
  readonly backchannelLogoutUri: string
  readonly events: AppEvent[]
  /** Connects the app to its provider (once the provider runs with the app's URIs). */
  configure(settings: {
    disco: DiscoverySuccess
    clientId: string
    clientSecret: string
    cache: ProviderCache
  }): void
  close(): Promise<void>
}

export async function startWebApp(): Promise<WebApp> {
  const sessions = new Map<string, Session>()
  const events: AppEvent[] = []
  let settings: Parameters<WebApp['configure']>[0] | undefined
  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      res.writeHead(500, { 'content-type': 'text/plain' }).end(String(error))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const redirectUri = `${origin}/callback`
  const postLogoutRedirectUri = `${origin}/logged-out`

  function session(req: IncomingMessage, res: ServerResponse): Session {
    const id = /(?:^|;\s*)app_session=([^;]+)/.exec(req.headers.cookie ?? '')?.[1]
    if (id !== undefined && sessions.has(id)) return sessions.get(id)!
    const fresh = randomBytes(16).toString('base64url')
    const created: Session = {}
    sessions.set(fresh, created)
    res.setHeader('set-cookie', `app_session=${fresh}; Path=/; HttpOnly; SameSite=Lax`)
    return created
  }

  function page(res: ServerResponse, status: number, title: string, body = ''): void {
    res.writeHead(status, {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
    })
    res.end(`<!doctype html><title>${title}</title><h1 id="title">${title}</h1>${body}`)
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', origin)
    if (settings === undefined) return page(res, 503, 'Not configured')
    const { disco, clientId, clientSecret, cache } = settings
    const current = session(req, res)

    if (url.pathname === '/login') {
      const request = createAuthorizationRequest({
        authorizationEndpoint: disco.authorizationEndpoint!,
        clientId,
        redirectUri,
        scope: 'openid profile email',
        prompt: url.searchParams.get('prompt') ?? undefined,
      })
      current.signIn = {
        state: request.state,
        nonce: request.nonce,
        codeVerifier: request.codeVerifier,
      }
      res.writeHead(302, { location: request.url }).end()
      return
    }

    if (url.pathname === '/callback') {
      const signIn = current.signIn
      current.signIn = undefined // single use
      if (signIn === undefined) return page(res, 400, 'No sign-in in progress')
      const fail = (error: string) => {
        events.push({ type: 'sign-in-failed', error })
        page(res, 400, 'Sign-in failed', `<p id="error">${html(error)}</p>`)
      }
      const callback = parseAuthorizationResponse(req.url ?? '', {
        expectedState: signIn.state,
        discovery: disco,
      })
      if (!callback.isSuccessful) return fail(callback.error)
      const tokens = await requestAuthorizationCodeToken({
        address: disco.tokenEndpoint,
        clientId,
        clientSecret,
        code: callback.code,
        redirectUri,
        codeVerifier: signIn.codeVerifier,
      })
      if (!tokens.isSuccessful) return fail(tokens.error)
      let claims: IdTokenClaims
      try {
        claims = await validateIdToken(
          tokens.token.id_token ?? '',
          {
            performDisco: true,
            clientId,
            nonce: signIn.nonce,
            accessToken: tokens.token.access_token,
            cache,
          },
          disco.issuer,
        )
      } catch (error) {
        return fail((error as Error).message)
      }
      const userInfo = await getUserInfo({
        address: disco.userinfoEndpoint,
        token: tokens.token.access_token,
        expectedSubject: claims.sub,
      })
      if (!userInfo.isSuccessful) return fail(userInfo.error)
      current.user = { idToken: tokens.token.id_token!, claims, userInfo: userInfo.claims }
      events.push({ type: 'signed-in', claims, userInfo: userInfo.claims })
      return page(
        res,
        200,
        'Signed in',
        `<p id="sub">${html(claims.sub)}</p><p id="email">${html(String(userInfo.claims.email))}</p>`,
      )
    }

    if (url.pathname === '/logout') {
      const idToken = current.user?.idToken
      current.user = undefined
      current.logoutState = randomBytes(16).toString('base64url')
      const endSession = createEndSessionUrl({
        endSessionEndpoint: disco.endSessionEndpoint!,
        ...(idToken === undefined ? { clientId } : { idTokenHint: idToken }),
        postLogoutRedirectUri,
        state: current.logoutState,
      })
      res.writeHead(302, { location: endSession }).end()
      return
    }

    if (url.pathname === '/logged-out') {
      const stateMatched =
        current.logoutState !== undefined && url.searchParams.get('state') === current.logoutState
      current.logoutState = undefined
      events.push({ type: 'signed-out', stateMatched })
      return page(res, stateMatched ? 200 : 400, stateMatched ? 'Signed out' : 'Unexpected logout')
    }

    if (url.pathname === '/backchannel-logout' && req.method === 'POST') {
      const body = new URLSearchParams(await read(req))
      try {
        const claims = await validateLogoutToken(
          body.get('logout_token') ?? '',
          { performDisco: true, clientId, cache },
          disco.issuer,
        )
        let endedSessions = 0
        for (const other of sessions.values()) {
          const user = other.user
          if (user === undefined) continue
          const matches =
            claims.sid !== undefined
              ? user.claims.sid === claims.sid
              : user.claims.sub === claims.sub
          if (matches) {
            other.user = undefined
            endedSessions++
          }
        }
        events.push({ type: 'backchannel-logout', claims, endedSessions })
        res.writeHead(200, { 'cache-control': 'no-store' }).end()
      } catch (error) {
        events.push({ type: 'backchannel-logout-refused', error: (error as Error).message })
        res.writeHead(400, { 'cache-control': 'no-store' }).end()
      }
      return
    }

    if (url.pathname === '/') {
      const user = current.user
      return page(
        res,
        200,
        user ? 'Signed in' : 'Anonymous',
        user ? `<p id="sub">${html(user.claims.sub)}</p>` : '',
      )
    }
    page(res, 404, 'Not found')
  }

  return {
    origin,
    redirectUri,
    postLogoutRedirectUri,
    backchannelLogoutUri: `${origin}/backchannel-logout`,
    events,
    configure(next) {
      settings = next
    },
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}

function read(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => resolve(Buffer.concat(chunks).toString()))
    req.on('error', reject)
  })
}

function html(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
}
