/**
 * An Express web app with express-session that signs users in (code flow + PKCE), keeps their
 * access and refresh tokens server-side with `UserTokenManager` (in Redis, so that every instance
 * of the app shares them), calls an API on their behalf with a token refreshed before it
 * expires (once per user across the fleet, refresh-token rotation included), and revokes the
 * tokens on sign-out. See docs/user-tokens.md.
 *
 *   ISSUER=https://id.example.com CLIENT_ID=web-app CLIENT_SECRET=... SESSION_SECRET=... \
 *   REDIS_URL=redis://127.0.0.1:6379 TOKEN_CACHE_KEY=$(openssl rand -base64 32) \
 *   API_URL=https://api.example.com/me npx tsx examples/user-tokens-express.ts
 *
 * The session cookie holds only the session id; the tokens never reach the browser.
 */
import { pathToFileURL } from 'node:url'
import express, { type NextFunction, type Request, type Response } from 'express'
import session from 'express-session'
import {
  type CacheStore,
  createAuthorizationRequest,
  createEndSessionUrl,
  type DiscoverySuccess,
  getDiscoveryDocument,
  parseAuthorizationResponse,
  requestAuthorizationCodeToken,
  UserTokenManager,
  validateIdToken,
} from 'identity-model'
import { createRedisStore } from 'identity-model/redis'

declare module 'express-session' {
  interface SessionData {
    /** The sign-in in progress: its state, nonce and PKCE verifier, each used once. */
    signIn?: { state: string; nonce: string; codeVerifier: string } | undefined
    /** The signed-in user (the tokens live in the UserTokenManager's store, not here). */
    user?: { sub: string; name?: string | undefined }
  }
}

export interface AppSettings {
  readonly issuer: string
  readonly clientId: string
  readonly clientSecret: string
  /** Where the app is reachable, e.g. http://127.0.0.1:3000 (the callback is /callback). */
  readonly baseUrl: string
  readonly sessionSecret: string
  /** The API called on the user's behalf. */
  readonly apiUrl: string
  /** Shared by every instance; default: this process's memory (one instance only). */
  readonly store?: CacheStore | undefined
  readonly fetch?: typeof fetch | undefined
}

/** Builds the app: discovery once at start-up, then the routes. */
export async function createApp(settings: AppSettings): Promise<express.Express> {
  const discovery = await getDiscoveryDocument({ address: settings.issuer })
  if (!discovery.isSuccessful) throw new Error(`discovery failed: ${discovery.error}`)
  const disco: DiscoverySuccess = discovery
  const redirectUri = `${settings.baseUrl}/callback`
  const client = {
    address: disco.tokenEndpoint,
    clientId: settings.clientId,
    clientSecret: settings.clientSecret,
  }

  // One per process, shared by every request handler.
  const userTokens = new UserTokenManager({
    client,
    revocationEndpoint: disco.revocationEndpoint,
    store: settings.store,
    onEvent: (event) => {
      if (event.type === 'refresh_failed') console.warn(`token refresh failed: ${event.error}`)
    },
  })

  const app = express()
  app.use(
    session({
      secret: settings.sessionSecret,
      resave: false,
      saveUninitialized: false,
      cookie: { httpOnly: true, sameSite: 'lax', secure: settings.baseUrl.startsWith('https:') },
      // In production, give express-session a shared store too (connect-redis, ...).
    }),
  )

  app.get('/login', (req, res) => {
    const request = createAuthorizationRequest({
      authorizationEndpoint: disco.authorizationEndpoint!,
      clientId: settings.clientId,
      redirectUri,
      scope: 'openid profile offline_access',
      prompt: 'consent', // many providers issue a refresh token for offline_access only then
    })
    req.session.signIn = {
      state: request.state,
      nonce: request.nonce,
      codeVerifier: request.codeVerifier,
    }
    res.redirect(request.url)
  })

  app.get('/callback', async (req, res) => {
    const signIn = req.session.signIn
    req.session.signIn = undefined
    if (!signIn) return void res.status(400).send('no sign-in in progress')
    const callback = parseAuthorizationResponse(req.originalUrl, {
      expectedState: signIn.state,
      discovery: disco,
    })
    if (!callback.isSuccessful)
      return void res.status(400).send(`sign-in failed: ${callback.error}`)
    const exchange = await requestAuthorizationCodeToken({
      ...client,
      code: callback.code,
      redirectUri,
      codeVerifier: signIn.codeVerifier,
    })
    if (!exchange.isSuccessful) return void res.status(400).send('code exchange failed')
    const claims = await validateIdToken(
      exchange.token.id_token ?? '',
      {
        performDisco: true,
        clientId: settings.clientId,
        nonce: signIn.nonce,
        accessToken: exchange.token.access_token,
      },
      settings.issuer,
    )
    // A new session id at sign-in (session fixation), then the tokens under it.
    await new Promise<void>((resolve, reject) =>
      req.session.regenerate((error) => (error ? reject(error) : resolve())),
    )
    await userTokens.storeTokens(req.sessionID, exchange.token)
    req.session.user = { sub: claims.sub, name: claims.name as string | undefined }
    res.redirect('/')
  })

  /** Guards a route: a signed-in user whose access token is fresh (refreshed when due). */
  const withAccessToken = async (req: Request, res: Response, next: NextFunction) => {
    if (!req.session.user) return void res.redirect('/login')
    const result = await userTokens.getAccessToken(req.sessionID)
    if (!result.isSuccessful) {
      // Refused or missing tokens: sign in again. The provider down: try again later.
      if (result.signInRequired) return void res.redirect('/login')
      return void res.status(503).send('the sign-in provider is unavailable; try again shortly')
    }
    res.locals.accessToken = result.accessToken
    next()
  }

  app.get('/', withAccessToken, async (req, res) => {
    const doFetch = settings.fetch ?? fetch
    const api = await doFetch(settings.apiUrl, {
      headers: { authorization: `Bearer ${res.locals.accessToken as string}` },
    })
    res.send(`Hello ${req.session.user?.name ?? req.session.user?.sub}: the API said ${api.status}`)
  })

  app.post('/logout', async (req, res) => {
    // Revoke the refresh token at the provider and forget the tokens, then end the session.
    const { idToken } = await userTokens.signOut(req.sessionID)
    await new Promise<void>((resolve) => req.session.destroy(() => resolve()))
    const endSession = disco.endSessionEndpoint
    res.redirect(
      endSession === undefined
        ? '/'
        : createEndSessionUrl({
            endSessionEndpoint: endSession,
            idTokenHint: idToken,
            clientId: settings.clientId,
            postLogoutRedirectUri: `${settings.baseUrl}/`,
          }),
    )
  })

  return app
}

async function main(): Promise<void> {
  const env = (name: string): string => {
    const value = process.env[name]
    if (!value) throw new Error(`set ${name} (see the comment at the top of this file)`)
    return value
  }
  const port = Number(process.env.PORT ?? 3000)
  const store = await createRedisStore({
    url: env('REDIS_URL'),
    // Refresh tokens are long-lived credentials: keep only ciphertext in Redis.
    encryptionKey: env('TOKEN_CACHE_KEY'),
    onWarning: (message) => console.warn(message),
  })
  const app = await createApp({
    issuer: env('ISSUER'),
    clientId: env('CLIENT_ID'),
    clientSecret: env('CLIENT_SECRET'),
    baseUrl: process.env.BASE_URL ?? `http://127.0.0.1:${port}`,
    sessionSecret: env('SESSION_SECRET'),
    apiUrl: env('API_URL'),
    store,
  })
  app.listen(port, '127.0.0.1', () => console.log(`open http://127.0.0.1:${port}/login`))
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main()
