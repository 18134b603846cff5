/**
 * Logout for a web app: the RP-initiated logout URL, and a back-channel logout endpoint that
 * validates the provider's logout token and ends the matching sessions.
 *
 *   ISSUER=http://127.0.0.1:4000 CLIENT_ID=web-app npx tsx examples/logout.ts
 *
 * Register http://127.0.0.1:3001/backchannel-logout as the client's backchannel_logout_uri
 * and http://127.0.0.1:3001/logged-out as a post_logout_redirect_uri.
 */
import { randomBytes } from 'node:crypto'
import { createServer, type IncomingMessage } from 'node:http'
import {
  createEndSessionUrl,
  type DiscoverySuccess,
  getDiscoveryDocument,
  TokenValidationError,
  validateLogoutToken,
} from 'identity-model'

const issuer = process.env.ISSUER ?? 'http://127.0.0.1:4000'
const clientId = process.env.CLIENT_ID ?? 'web-app'
const port = Number(process.env.PORT ?? 3001)

const discovery = await getDiscoveryDocument({ address: issuer })
if (!discovery.isSuccessful) throw new Error(`discovery failed: ${discovery.error}`)
const disco: DiscoverySuccess = discovery

/** The app's sessions: who is signed in, with which provider session (`sid`) and ID token. */
const sessions = new Map<string, { sub: string; sid?: string; idToken: string }>()
const pendingLogouts = new Set<string>()

function read(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = ''
    req.setEncoding('utf8')
    req.on('data', (chunk: string) => {
      body += chunk
    })
    req.on('end', () => resolve(body))
    req.on('error', reject)
  })
}

createServer(async (req, res) => {
  const url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`)

  // RP-initiated logout: end the local session first, then send the browser to the provider.
  if (url.pathname === '/logout') {
    const sessionId = url.searchParams.get('session') ?? ''
    const session = sessions.get(sessionId)
    sessions.delete(sessionId)
    const state = randomBytes(16).toString('base64url')
    pendingLogouts.add(state)
    const location = createEndSessionUrl({
      endSessionEndpoint: disco.endSessionEndpoint!,
      ...(session ? { idTokenHint: session.idToken } : { clientId }),
      postLogoutRedirectUri: `http://127.0.0.1:${port}/logged-out`,
      state,
    })
    res.writeHead(302, { location }).end()
    return
  }

  if (url.pathname === '/logged-out') {
    const state = url.searchParams.get('state') ?? ''
    const expected = pendingLogouts.delete(state)
    res.writeHead(expected ? 200 : 400).end(expected ? 'signed out' : 'unexpected logout response')
    return
  }

  // Back-channel logout: the provider POSTs a logout token (application/x-www-form-urlencoded).
  if (url.pathname === '/backchannel-logout' && req.method === 'POST') {
    const form = new URLSearchParams(await read(req))
    try {
      const claims = await validateLogoutToken(
        form.get('logout_token') ?? '',
        { performDisco: true, clientId }, // replays are refused by a bounded in-memory jti cache
        issuer,
      )
      for (const [id, session] of sessions) {
        const match =
          claims.sid !== undefined ? session.sid === claims.sid : session.sub === claims.sub
        if (match) sessions.delete(id)
      }
      res.writeHead(200, { 'cache-control': 'no-store' }).end()
    } catch (error) {
      // §2.8: 400 for a logout token that does not validate.
      const reason = error instanceof TokenValidationError ? error.code : 'error'
      res.writeHead(400, { 'cache-control': 'no-store', 'content-type': 'application/json' })
      res.end(JSON.stringify({ error: 'invalid_request', error_description: reason }))
    }
    return
  }

  res.writeHead(404).end()
}).listen(port, '127.0.0.1', () => {
  console.log(`logout endpoints on http://127.0.0.1:${port}`)
})
