/**
 * Signs a user in at the testbed provider with plain HTTP (its development login and consent
 * pages), to obtain a real authorization code, hence real refresh tokens, without a browser.
 * Test plumbing only: the library's authorization-code support is tested elsewhere.
 */
import { createHash, randomBytes } from 'node:crypto'

export interface SignInOptions {
  readonly issuer: string
  readonly clientId: string
  readonly redirectUri: string
  readonly scope: string
  readonly login?: string
}

export interface SignedIn {
  readonly code: string
  readonly codeVerifier: string
}

/** Follows the login and consent interactions and returns the code sent to the redirect URI. */
export async function signInForCode(options: SignInOptions): Promise<SignedIn> {
  const jar = new Map<string, string>()
  const codeVerifier = randomBytes(32).toString('base64url')
  const challenge = createHash('sha256').update(codeVerifier).digest('base64url')
  const auth = new URL(`${options.issuer}/auth`)
  for (const [name, value] of Object.entries({
    client_id: options.clientId,
    response_type: 'code',
    redirect_uri: options.redirectUri,
    scope: options.scope,
    state: randomBytes(8).toString('hex'),
    code_challenge: challenge,
    code_challenge_method: 'S256',
    prompt: 'consent',
  })) {
    auth.searchParams.set(name, value)
  }

  let next = auth.href
  for (let step = 0; step < 12; step++) {
    if (next.startsWith(options.redirectUri)) {
      const code = new URL(next).searchParams.get('code')
      if (!code) throw new Error(`no code in the redirect: ${new URL(next).search}`)
      return { code, codeVerifier }
    }
    const interaction = /\/interaction\/([^/?#]+)$/.exec(new URL(next).pathname)
    const response = interaction
      ? await submitInteraction(next, jar, options.login ?? 'alice')
      : await request(next, jar)
    const location = response.headers.get('location')
    if (!location)
      throw new Error(`sign-in stopped at ${new URL(next).pathname} (${response.status})`)
    next = new URL(location, next).href
  }
  throw new Error('sign-in did not reach the redirect URI')
}

async function submitInteraction(
  url: string,
  jar: Map<string, string>,
  login: string,
): Promise<Response> {
  const page = await request(url, jar)
  const html = await page.text()
  const form = html.includes('name="login"')
    ? { prompt: 'login', login, password: 'any' }
    : { prompt: 'consent' }
  return request(url, jar, new URLSearchParams(form))
}

async function request(url: string, jar: Map<string, string>, form?: URLSearchParams) {
  const headers: Record<string, string> = {}
  if (jar.size > 0) headers.cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ')
  const response = await fetch(url, {
    method: form ? 'POST' : 'GET',
    headers,
    redirect: 'manual',
    signal: AbortSignal.timeout(5000),
    ...(form ? { body: form } : {}),
  })
  for (const cookie of response.headers.getSetCookie()) {
    const [pair] = cookie.split(';')
    const at = pair?.indexOf('=') ?? -1
    if (pair && at > 0) jar.set(pair.slice(0, at).trim(), pair.slice(at + 1))
  }
  return response
}
