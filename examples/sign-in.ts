/**
 * A minimal web app that signs users in with the authorization code flow and PKCE, validates
 * the ID token, reads UserInfo and refreshes tokens (single-flight, so rotation never races).
 *
 *   ISSUER=https://id.example.com CLIENT_ID=web-app CLIENT_SECRET=... npx tsx examples/sign-in.ts
 *
 * Against the testbed (`npx tsx testbed/serve.ts 4000`), the public native client accepts any
 * loopback redirect port: ISSUER=http://127.0.0.1:4000 CLIENT_ID=public-app npx tsx examples/sign-in.ts
 * then open http://127.0.0.1:3000/login.
 */
import { randomBytes } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import {
  createAuthorizationRequest,
  createSingleFlightRefresh,
  type DiscoverySuccess,
  getDiscoveryDocument,
  getUserInfo,
  IdentityModelError,
  type IdTokenClaims,
  parseAuthorizationResponse,
  requestAuthorizationCodeToken,
  type TokenSet,
  validateIdToken,
} from 'identity-model'

const issuer = process.env.ISSUER ?? 'http://127.0.0.1:4000'
const clientId = process.env.CLIENT_ID ?? 'public-app'
const clientSecret = process.env.CLIENT_SECRET // undefined: a public client (PKCE only)
const port = Number(process.env.PORT ?? 3000)
const redirectUri = process.env.REDIRECT_URI ?? `http://127.0.0.1:${port}/callback`

const discovery = await getDiscoveryDocument({ address: issuer })
if (!discovery.isSuccessful) throw new Error(`discovery failed: ${discovery.error}`)
const disco: DiscoverySuccess = discovery

/** Server-side sessions; the browser only holds a random session id (HttpOnly cookie). */
interface Session {
  signIn?: { state: string; nonce: string; codeVerifier: string } | undefined
  user?: { claims: IdTokenClaims; tokens: TokenSet } | undefined
}
const sessions = new Map<string, Session>()
const refresh = createSingleFlightRefresh()

function sessionOf(req: IncomingMessage, res: ServerResponse): Session {
  const id = /(?:^|;\s*)sid=([^;]+)/.exec(req.headers.cookie ?? '')?.[1]
  const existing = id === undefined ? undefined : sessions.get(id)
  if (existing) return existing
  const fresh = randomBytes(32).toString('base64url')
  const session: Session = {}
  sessions.set(fresh, session)
  res.setHeader('set-cookie', `sid=${fresh}; Path=/; HttpOnly; SameSite=Lax`)
  return session
}

function send(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' }).end(text)
}

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`)
  const session = sessionOf(req, res)

  if (url.pathname === '/login') {
    const request = createAuthorizationRequest({
      authorizationEndpoint: disco.authorizationEndpoint!,
      clientId,
      redirectUri,
      scope: 'openid profile email offline_access',
      prompt: 'consent', // needed by many providers to issue a refresh token with offline_access
    })
    session.signIn = {
      state: request.state,
      nonce: request.nonce,
      codeVerifier: request.codeVerifier,
    }
    res.writeHead(302, { location: request.url }).end()
    return
  }

  if (url.pathname === '/callback') {
    const signIn = session.signIn
    session.signIn = undefined // each state, nonce and verifier is used once
    if (!signIn) return send(res, 400, 'no sign-in in progress')
    const callback = parseAuthorizationResponse(req.url ?? '', {
      expectedState: signIn.state,
      discovery: disco, // RFC 9207 issuer check
    })
    if (!callback.isSuccessful) return send(res, 400, `sign-in failed: ${callback.error}`)
    const tokens = await requestAuthorizationCodeToken({
      address: disco.tokenEndpoint,
      clientId,
      clientSecret,
      code: callback.code,
      redirectUri,
      codeVerifier: signIn.codeVerifier,
    })
    if (!tokens.isSuccessful) return send(res, 400, `code exchange failed: ${tokens.error}`)
    const claims = await validateIdToken(
      tokens.token.id_token ?? '',
      { performDisco: true, clientId, nonce: signIn.nonce, accessToken: tokens.token.access_token },
      issuer,
    )
    session.user = { claims, tokens: tokens.token }
    res.writeHead(302, { location: '/' }).end()
    return
  }

  const user = session.user
  if (!user) return send(res, 200, 'Not signed in: open /login')

  if (url.pathname === '/refresh') {
    const result = await refresh({
      address: disco.tokenEndpoint,
      clientId,
      clientSecret,
      refreshToken: user.tokens.refresh_token,
    })
    if (!result.isSuccessful) return send(res, 400, `refresh failed: ${result.error}`)
    // Rotation: keep the new refresh token when the provider sends one.
    user.tokens = {
      ...result.token,
      refresh_token: result.token.refresh_token ?? user.tokens.refresh_token,
    } as TokenSet
    return send(res, 200, `refreshed; the access token expires in ${result.token.expires_in} s`)
  }

  const userInfo = await getUserInfo({
    address: disco.userinfoEndpoint,
    token: user.tokens.access_token,
    expectedSubject: user.claims.sub,
  })
  if (!userInfo.isSuccessful) return send(res, 502, `UserInfo failed: ${userInfo.error}`)
  send(res, 200, `Signed in as ${user.claims.sub} (${userInfo.claims.email ?? 'no email'})`)
}

createServer((req, res) => {
  handle(req, res).catch((error: unknown) => {
    // Validation errors say what is wrong without any token in them.
    send(
      res,
      500,
      error instanceof IdentityModelError ? `${error.code}: ${error.message}` : 'error',
    )
  })
}).listen(port, '127.0.0.1', () => {
  console.log(`open http://127.0.0.1:${port}/login (issuer ${disco.issuer})`)
})
