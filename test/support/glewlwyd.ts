/**
 * A real Glewlwyd (Debian package `glewlwyd`, an OpenID Provider written in C) for end-to-end
 * tests: started on 127.0.0.1 and a free port with a fresh SQLite database in a temporary
 * directory, set up through its admin REST API (scopes, a user, clients, the OIDC plugin), and
 * killed by pid. Also signs a user in the way its login page does, without a browser.
 *
 * Every request here is to 127.0.0.1 and has a timeout.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { generateKeyPair } from 'node:crypto'
import { closeSync, existsSync, openSync } from 'node:fs'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { gunzipSync } from 'node:zlib'
import {
  createAuthorizationRequest,
  type DiscoverySuccess,
  type DpopHandle,
  parseAuthorizationResponse,
  requestAuthorizationCodeToken,
  type TokenSet,
} from '../../src/index.js'

export const GLEWLWYD_BINARY = '/usr/bin/glewlwyd'
const SQLITE_BINARY = '/usr/bin/sqlite3'
const SCHEMA = '/usr/share/doc/glewlwyd/database/init.sqlite3.sql.gz'
const MODULES = '/usr/lib/glewlwyd'
/** The schema's built-in administrator. */
const ADMIN = { username: 'admin', password: 'password' }
/** The name of the OIDC plugin instance: the issuer is `<origin>/api/<name>`. */
const PLUGIN = 'oidc'
const REQUEST_TIMEOUT_MS = 10_000
const START_TIMEOUT_MS = 20_000
const STOP_TIMEOUT_MS = 5_000

/**
 * Why the Glewlwyd suites are skipped, or `undefined` when they run. They are skipped only on a
 * developer's machine without the package; under CI (the `CI` variable set) a missing binary
 * fails the suite instead, through {@link startGlewlwyd}.
 */
export function glewlwydSkipReason(): string | undefined {
  if (existsSync(GLEWLWYD_BINARY) || process.env.CI) return undefined
  return `Glewlwyd suites skipped: ${GLEWLWYD_BINARY} is missing (Debian: apt-get install -y glewlwyd sqlite3; .ci/run installs it and fails instead of skipping)`
}

/** The scopes every instance has (besides `openid`), granted to the user and the clients. */
export const SCOPES = ['api:read', 'api:write'] as const

/** The resource indicator (RFC 8707) the scopes belong to. */
export const RESOURCE = 'http://127.0.0.1:9/api'

/** The user every instance has. */
export const USER = {
  username: 'alice',
  password: 'alice-password',
  name: 'Alice Liddell',
  email: 'alice@example.test',
} as const

export interface GlewlwydClient {
  readonly clientId: string
  readonly clientSecret: string
  readonly redirectUri: string
}

/**
 * The clients every instance has. All are confidential, may use client_secret_basic and
 * client_secret_post, and every grant the suites use.
 */
export const CLIENTS = {
  /** Scopes `api:read api:write`. */
  service: {
    clientId: 'service',
    clientSecret: 'service-secret-7Yq2',
    redirectUri: 'http://127.0.0.1:9/callback',
  },
  /** Scope `api:read` only. */
  reader: {
    clientId: 'reader',
    clientSecret: 'reader-secret-Lm40',
    redirectUri: 'http://127.0.0.1:9/callback',
  },
  /**
   * A secret with the characters RFC 6749 §2.3.1 has clients form-encode in HTTP Basic (`+`,
   * `%`, `:` and a space): Glewlwyd compares the encoded form, so Basic fails for it.
   */
  tricky: {
    clientId: 'tricky',
    clientSecret: 'a+b%20c:d e',
    redirectUri: 'http://127.0.0.1:9/callback',
  },
} as const satisfies Record<string, GlewlwydClient>

export interface TestGlewlwyd {
  /** `http://127.0.0.1:<port>` */
  readonly origin: string
  /** The OIDC plugin's issuer, which is also its discovery address. */
  readonly issuer: string
  /** Signs a user in (POST /api/auth/) and returns the session, which holds its cookie. */
  signIn(username?: string, password?: string): Promise<UserSession>
  /** What Glewlwyd logged so far (for failure messages). */
  log(): Promise<string>
  /** Kills the server (SIGTERM, then SIGKILL) and removes its directory. Safe to call twice. */
  stop(): Promise<void>
}

/** A signed-in user, as a browser holding Glewlwyd's session cookie. */
export interface UserSession {
  /** Grants the client these scopes (the consent step: PUT /api/auth/grant/<client_id>). */
  grant(clientId: string, scope: string): Promise<void>
  /**
   * Follows an authorization request the way the login page does: the first answer sends the
   * user to `login.html` with a `callback_url`; that URL with `&g_continue` redirects to the
   * client. Returns the redirect to the client (the authorization response).
   */
  authorize(authorizationUrl: string): Promise<string>
  /** Approves a device's user code (GET /api/oidc/device?code=...&g_continue). */
  approveDevice(userCode: string): Promise<void>
}

export interface StartOptions {
  /** OIDC plugin parameters that replace the defaults (Glewlwyd's names, e.g. `oauth-dpop-nonce-mandatory`). */
  plugin?: Record<string, unknown>
}

/** Starts a Glewlwyd with a fresh database, and sets it up through the admin API. */
export async function startGlewlwyd(options: StartOptions = {}): Promise<TestGlewlwyd> {
  for (const [binary, pkg] of [
    [GLEWLWYD_BINARY, 'glewlwyd'],
    [SQLITE_BINARY, 'sqlite3'],
  ] as const) {
    if (!existsSync(binary)) {
      throw new Error(
        `${binary} is missing: the Glewlwyd suites need it (Debian: apt-get install -y ${pkg})`,
      )
    }
  }
  const dir = await mkdtemp(join(tmpdir(), 'identity-model-glewlwyd-'))
  try {
    await createDatabase(join(dir, 'glewlwyd.db'))
    const server = await launch(dir)
    try {
      await configure(server.origin, options.plugin ?? {})
    } catch (error) {
      await server.kill()
      throw await withLog(error, dir)
    }
    let stopped = false
    return {
      origin: server.origin,
      issuer: `${server.origin}/api/${PLUGIN}`,
      signIn: (username = USER.username, password = USER.password) =>
        signIn(server.origin, username, password),
      log: () => readFile(join(dir, 'glewlwyd.log'), 'utf8'),
      async stop() {
        if (stopped) return
        stopped = true
        await server.kill()
        await rm(dir, { recursive: true, force: true })
      },
    }
  } catch (error) {
    await rm(dir, { recursive: true, force: true })
    throw error
  }
}

/**
 * The schema in one transaction (statement by statement, each would wait for the disk: over a
 * second on a busy machine), and the database in WAL mode, which stays with the file and makes
 * each of Glewlwyd's writes cheaper.
 */
async function createDatabase(path: string): Promise<void> {
  const schema = gunzipSync(await readFile(SCHEMA)).toString('utf8')
  const sql = `PRAGMA journal_mode=WAL;\nBEGIN;\n${schema}\nCOMMIT;\n`
  await new Promise<void>((resolve, reject) => {
    const child = spawn(SQLITE_BINARY, ['-bail', path], { stdio: ['pipe', 'ignore', 'pipe'] })
    let stderr = ''
    const timer = setTimeout(() => child.kill('SIGKILL'), REQUEST_TIMEOUT_MS)
    child.stderr.on('data', (chunk) => {
      stderr += chunk
    })
    child.once('error', reject)
    child.once('exit', (code, signal) => {
      clearTimeout(timer)
      if (code === 0) resolve()
      else reject(new Error(`sqlite3 could not create the database (${signal ?? code}): ${stderr}`))
    })
    child.stdin.end(sql)
  })
}

interface Server {
  readonly origin: string
  kill(): Promise<void>
}

/** Starts the process and waits until it answers; a port taken in between is tried again. */
async function launch(dir: string): Promise<Server> {
  let lastError: unknown
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort()
    const origin = `http://127.0.0.1:${port}`
    const config = join(dir, 'glewlwyd.conf')
    await writeFile(config, serverConfig(port, origin, dir))
    const log = openSync(join(dir, 'glewlwyd.log'), 'a')
    const child = spawn(GLEWLWYD_BINARY, ['-c', config], { stdio: ['ignore', log, log] })
    closeSync(log) // the child has its own copy
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
    // The process must not outlive the test worker, whatever happens to the suite.
    const killOnExit = () => child.kill('SIGKILL')
    process.once('exit', killOnExit)
    const kill = async () => {
      process.removeListener('exit', killOnExit)
      await stopProcess(child, exited)
    }
    try {
      await waitUntilReady(origin, child, exited)
      return { origin, kill }
    } catch (error) {
      lastError = error
      await kill()
    }
  }
  throw await withLog(lastError, dir)
}

/**
 * The server configuration (libconfig). `use_secure_connection` is left out on purpose: 2.7.5
 * then asks for certificate files even when it is false.
 */
function serverConfig(port: number, origin: string, dir: string): string {
  return `port=${port}
bind_address="127.0.0.1"
external_url="${origin}"
login_url="login.html"
api_prefix="api"
allow_origin="*"
log_mode="console"
log_level="WARNING"
cookie_secure=0
session_expiration=3600
session_key="GLEWLWYD2_SESSION_ID"
admin_session_authentication="cookie"
profile_session_authentication="cookie"
allow_multiple_user_per_session=true
login_api_enabled=true
plugin_api_run_enabled=""
admin_scope="g_admin"
profile_scope="g_profile"
user_module_path="${MODULES}/user"
client_module_path="${MODULES}/client"
user_auth_scheme_module_path="${MODULES}/scheme"
plugin_module_path="${MODULES}/plugin"
hash_algorithm="SHA512"
database =
{
  type = "sqlite3"
  path = "${join(dir, 'glewlwyd.db')}"
};
`
}

async function waitUntilReady(
  origin: string,
  child: ChildProcess,
  exited: Promise<void>,
): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS
  let gone = false
  void exited.then(() => {
    gone = true
  })
  while (Date.now() < deadline) {
    if (gone) throw new Error(`glewlwyd exited at start (code ${child.exitCode})`)
    try {
      const response = await fetch(`${origin}/config`, { signal: AbortSignal.timeout(2_000) })
      await response.body?.cancel()
      if (response.ok) return
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  throw new Error(`glewlwyd did not answer on ${origin} within ${START_TIMEOUT_MS} ms`)
}

async function stopProcess(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS)
  await exited
  clearTimeout(timer)
}

async function withLog(error: unknown, dir: string): Promise<Error> {
  const log = await readFile(join(dir, 'glewlwyd.log'), 'utf8').catch(() => '')
  const message = error instanceof Error ? error.message : String(error)
  return new Error(`${message}\n--- glewlwyd log (last lines) ---\n${log.slice(-3000)}`, {
    cause: error,
  })
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() =>
        typeof address === 'object' && address
          ? resolve(address.port)
          : reject(new Error('no port')),
      )
    })
  })
}

// --- HTTP with a cookie jar -------------------------------------------------------------------

/** A tiny cookie jar for one host: what a browser would keep for 127.0.0.1:<port>. */
class Browser {
  readonly #cookies = new Map<string, string>()

  async request(
    method: string,
    url: string,
    body?: unknown,
  ): Promise<{ status: number; location: string | null; text: string }> {
    const headers: Record<string, string> = {}
    if (this.#cookies.size > 0) {
      headers.cookie = [...this.#cookies].map(([name, value]) => `${name}=${value}`).join('; ')
    }
    if (body !== undefined) headers['content-type'] = 'application/json'
    const response = await fetch(url, {
      method,
      headers,
      redirect: 'manual',
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    })
    for (const cookie of response.headers.getSetCookie()) {
      const pair = cookie.split(';', 1)[0] ?? ''
      const at = pair.indexOf('=')
      if (at > 0) this.#cookies.set(pair.slice(0, at).trim(), pair.slice(at + 1).trim())
    }
    return {
      status: response.status,
      location: response.headers.get('location'),
      text: await response.text(),
    }
  }

  /** A request that must answer 2xx. */
  async expectOk(method: string, url: string, body?: unknown): Promise<string> {
    const response = await this.request(method, url, body)
    if (response.status < 200 || response.status > 299) {
      throw new Error(`${method} ${url} answered ${response.status}: ${response.text}`)
    }
    return response.text
  }
}

async function signIn(origin: string, username: string, password: string): Promise<UserSession> {
  const browser = new Browser()
  await browser.expectOk('POST', `${origin}/api/auth/`, { username, password })
  return {
    async grant(clientId, scope) {
      await browser.expectOk('PUT', `${origin}/api/auth/grant/${encodeURIComponent(clientId)}`, {
        scope,
      })
    },
    async authorize(authorizationUrl) {
      const first = await browser.request('GET', authorizationUrl)
      const login = first.location === null ? undefined : new URL(first.location, origin)
      if (first.status !== 302 || login === undefined) {
        throw new Error(`the authorization request answered ${first.status}: ${first.text}`)
      }
      if (!login.pathname.endsWith('/login.html')) return login.href
      const callback = login.searchParams.get('callback_url')
      if (callback === null) throw new Error(`no callback_url in ${login.href}`)
      const second = await browser.request('GET', `${callback}&g_continue`)
      if (second.status !== 302 || second.location === null) {
        throw new Error(`the authorization callback answered ${second.status}: ${second.text}`)
      }
      return second.location
    },
    async approveDevice(userCode) {
      const url = `${origin}/api/${PLUGIN}/device?code=${encodeURIComponent(userCode)}&g_continue`
      const response = await browser.request('GET', url)
      // Glewlwyd answers with a redirect to its own page saying whether it worked.
      const to = response.location === null ? '' : new URL(response.location, origin)
      if (response.status !== 302 || typeof to === 'string' || to.searchParams.has('error')) {
        throw new Error(`approving the device code answered ${response.status} ${to}`)
      }
    },
  }
}

// --- The code flow, end to end ---------------------------------------------------------------

export interface SignedIn {
  readonly tokens: TokenSet
  /** The nonce and PKCE verifier of the authorization request. */
  readonly nonce: string
  readonly codeVerifier: string
  readonly code: string
  readonly session: UserSession
}

/**
 * Signs the user in to `client` with the code flow and PKCE (S256), consents to `scope`, and
 * exchanges the code. Throws on any failure: tests of failures call the steps themselves.
 */
export async function signInWithCode(
  glewlwyd: TestGlewlwyd,
  disco: DiscoverySuccess,
  client: GlewlwydClient,
  options: { scope?: string; dpop?: DpopHandle; session?: UserSession } = {},
): Promise<SignedIn> {
  const scope = options.scope ?? 'openid api:read'
  const session = options.session ?? (await glewlwyd.signIn())
  await session.grant(client.clientId, scope)
  const request = createAuthorizationRequest({
    authorizationEndpoint: disco.authorizationEndpoint!,
    clientId: client.clientId,
    redirectUri: client.redirectUri,
    scope,
  })
  const callback = parseAuthorizationResponse(await session.authorize(request.url), {
    expectedState: request.state,
    discovery: disco,
  })
  if (!callback.isSuccessful) throw new Error(`authorization failed: ${callback.error}`)
  const response = await requestAuthorizationCodeToken({
    address: disco.tokenEndpoint!,
    clientId: client.clientId,
    clientSecret: client.clientSecret,
    code: callback.code,
    redirectUri: client.redirectUri,
    codeVerifier: request.codeVerifier,
    dpop: options.dpop,
  })
  if (!response.isSuccessful) throw new Error(`code exchange failed: ${response.error}`)
  return {
    tokens: response.token,
    nonce: request.nonce,
    codeVerifier: request.codeVerifier,
    code: callback.code,
    session,
  }
}

// --- Setting it up through the admin API ------------------------------------------------------

async function configure(origin: string, plugin: Record<string, unknown>): Promise<void> {
  const admin = new Browser()
  const api = `${origin}/api`
  await admin.expectOk('POST', `${api}/auth/`, ADMIN)
  for (const name of SCOPES) {
    await admin.expectOk('POST', `${api}/scope/`, {
      name,
      display_name: name,
      description: `test scope ${name}`,
      password_required: false,
      scheme: {},
    })
  }
  await admin.expectOk('POST', `${api}/user/`, {
    ...USER,
    scope: ['g_profile', 'openid', ...SCOPES],
    enabled: true,
  })
  const clientScopes: Record<keyof typeof CLIENTS, string[]> = {
    service: [...SCOPES],
    reader: ['api:read'],
    tricky: [...SCOPES],
  }
  for (const [key, client] of Object.entries(CLIENTS) as [keyof typeof CLIENTS, GlewlwydClient][]) {
    await admin.expectOk('POST', `${api}/client/`, {
      client_id: client.clientId,
      name: client.clientId,
      confidential: true,
      enabled: true,
      // Stored as is (a `password` would be hashed); either authenticates the client.
      client_secret: client.clientSecret,
      scope: clientScopes[key],
      redirect_uri: [client.redirectUri],
      authorization_type: ['code', 'client_credentials', 'refresh_token', 'device_authorization'],
      token_endpoint_auth_method: ['client_secret_basic', 'client_secret_post'],
    })
  }
  await admin.expectOk('POST', `${api}/mod/plugin/`, {
    module: 'oidc',
    name: PLUGIN,
    display_name: 'OpenID Connect',
    order_rank: 0,
    parameters: { ...(await pluginParameters(`${api}/${PLUGIN}`)), ...plugin },
  })
}

const generateRsaKeyPair = promisify(generateKeyPair)
let signingKey: Promise<{ privateKey: string; publicKey: string }> | undefined

/** The OIDC plugin: RS256, and the grants and endpoints the suites use. */
async function pluginParameters(issuer: string): Promise<Record<string, unknown>> {
  // One fresh key per test file (instances in one file share it: each has its own issuer).
  signingKey ??= generateRsaKeyPair('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  })
  const { privateKey, publicKey } = await signingKey
  return {
    iss: issuer,
    'jwt-type': 'rsa',
    'jwt-key-size': '256',
    key: privateKey,
    cert: publicKey,
    'subject-type': 'public',
    'access-token-duration': 3600,
    'refresh-token-duration': 1209600,
    'code-duration': 600,
    'refresh-token-rolling': true,
    'allow-non-oidc': true,
    'auth-type-code-enabled': true,
    'auth-type-token-enabled': false,
    'auth-type-id-token-enabled': true,
    'auth-type-none-enabled': false,
    'auth-type-password-enabled': false,
    'auth-type-client-enabled': true,
    'auth-type-device-enabled': true,
    'auth-type-refresh-enabled': true,
    'device-authorization-expiration': 600,
    'device-authorization-interval': 1,
    // RFC 9207: `iss` in every authorization response (Glewlwyd does not advertise it).
    'oauth-as-iss-id': true,
    'pkce-allowed': true,
    'pkce-method-plain-allowed': false,
    'introspection-revocation-allowed': true,
    'introspection-revocation-allow-target-client': true,
    // RFC 8707: a `resource` the client names becomes the token's `aud` (else `aud` is the scope).
    'resource-allowed': true,
    'resource-scope': { 'api:read': [RESOURCE], 'api:write': [RESOURCE] },
    'oauth-dpop-allowed': true,
    // How old a DPoP proof's iat may be, in seconds: generous, for a loaded machine.
    'oauth-dpop-iat-duration': 60,
    // How far ahead of Glewlwyd's clock a proof's iat may be. Its default, 0, refuses a proof
    // made in the few milliseconds its coarse clock (time()) lags behind Date.now().
    'oauth-dpop-iat-gap-duration': 5,
    'name-claim': 'mandatory',
    'email-claim': 'mandatory',
    'session-cookie-name': 'GLEWLWYD2_OIDC_SID',
    'session-cookie-expiration': 3600,
  }
}
