/**
 * The front-channel half of the authorization code flow: the URL the user's browser is sent
 * to, with PKCE (S256), a fresh `state` and a fresh `nonce`.
 *
 * @see RFC 6749 §4.1.1, RFC 7636 §4.3, OpenID Connect Core §3.1.2.1
 */
import { appendParameters, type ExtraParameters } from '../client-auth/authenticated-post.js'
import { assertFapiFrontChannel, type SecurityProfile } from '../fapi/profile.js'
import { parseHttpUrl } from '../internal/url.js'
import { randomValue } from '../kernel/random.js'
import { type AuthorizationDetail, appendAuthorizationDetails } from './authorization-details.js'
import { createCodeChallenge, createCodeVerifier } from './pkce.js'

/** A value sent space-delimited: a string as is, a list joined with spaces. */
export type SpaceDelimited = string | readonly string[]

/** What {@link createAuthorizationRequest} takes. */
export interface AuthorizationRequestInit {
  /**
   * The provider's `authorization_endpoint` (from discovery, where it is optional: pass
   * `disco.authorizationEndpoint` as is; a missing one throws `TypeError`). Its own query is kept.
   */
  authorizationEndpoint: string | undefined
  clientId: string
  /** Exactly as registered with the provider: it is compared as a string. */
  redirectUri: string
  /** Scopes; default `'openid'`. */
  scope?: SpaceDelimited | undefined
  /** Default `'code'`. */
  responseType?: string | undefined
  /** `query`, `fragment`, `form_post` ...; left out by default (the response type's default). */
  responseMode?: string | undefined
  /** Your own `state`; default: a fresh random value (256 bits). Use a fresh one per request. */
  state?: string | undefined
  /** Your own `nonce`; default: a fresh random value (256 bits). Use a fresh one per request. */
  nonce?: string | undefined
  /** Your own PKCE verifier (43-128 unreserved characters); default: a fresh random one. */
  codeVerifier?: string | undefined
  /** `none`, `login`, `consent`, `select_account` (several: a list or a space-delimited string). */
  prompt?: SpaceDelimited | undefined
  /** Maximum authentication age in seconds; pass the same value to `validateIdToken` as `maxAge`. */
  maxAge?: number | undefined
  /** Resource indicators (RFC 8707), sent repeated. */
  resource?: string | readonly string[] | undefined
  loginHint?: string | undefined
  idTokenHint?: string | undefined
  acrValues?: SpaceDelimited | undefined
  uiLocales?: SpaceDelimited | undefined
  display?: string | undefined
  /** The `claims` request parameter (OpenID Connect Core §5.5): an object is sent as JSON. */
  claims?: string | Readonly<Record<string, unknown>> | undefined
  /**
   * Rich Authorization Requests (RFC 9396): what exactly the client asks to do, sent as the
   * `authorization_details` JSON parameter.
   */
  authorizationDetails?: readonly AuthorizationDetail[] | undefined
  /** Any other parameters, sent as given (arrays repeated, `undefined` left out). */
  parameters?: ExtraParameters | undefined
  /**
   * A security profile to enforce: `'fapi2'` (FAPI 2.0 Security Profile). FAPI 2.0 requires
   * pushed authorization requests, so `createAuthorizationRequest` refuses it
   * (`ConfigurationError`): use `pushAuthorizationRequest`.
   */
  profile?: SecurityProfile | undefined
}

/** What {@link createAuthorizationRequest} returns: the URL, and what to keep until the callback. */
export interface AuthorizationRequest {
  /** Send the user's browser here. */
  readonly url: string
  /** Keep it (server-side session, or an encrypted cookie) and pass it to `parseAuthorizationResponse`. */
  readonly state: string
  /** Keep it and pass it to `validateIdToken`. */
  readonly nonce: string
  /** Keep it secret (server-side) and pass it to `requestAuthorizationCodeToken`. */
  readonly codeVerifier: string
  /** The S256 challenge sent in the URL. */
  readonly codeChallenge: string
}

/** Parameters this function sets itself; passing them in `parameters` is a mistake. */
export const OWN_PARAMETERS = [
  'response_type',
  'client_id',
  'redirect_uri',
  'scope',
  'state',
  'nonce',
  'code_challenge',
  'code_challenge_method',
  'response_mode',
  'prompt',
  'max_age',
  'resource',
  'authorization_details',
  'login_hint',
  'id_token_hint',
  'acr_values',
  'ui_locales',
  'display',
  'claims',
] as const

function joined(value: SpaceDelimited | undefined): string | undefined {
  if (value === undefined) return undefined
  return typeof value === 'string' ? value : value.join(' ')
}

function requireString(value: unknown, name: string): string {
  if (typeof value !== 'string' || value.length === 0) {
    throw new TypeError(`${name} is required (a non-empty string)`)
  }
  return value
}

/**
 * Builds an authorization request: the URL to send the browser to, plus the `state`, `nonce`
 * and PKCE `codeVerifier` to keep until the callback. The challenge is always S256.
 *
 * > **Warning:** keep `state`, `nonce` and `codeVerifier` where only your server can read them
 * > (a server-side session, or an encrypted, `HttpOnly` cookie) and use each one once.
 *
 * @example
 * ```ts
 * const request = createAuthorizationRequest({
 *   authorizationEndpoint: disco.authorizationEndpoint,
 *   clientId: 'web-app',
 *   redirectUri: 'https://app.example.com/callback',
 *   scope: 'openid profile offline_access',
 * })
 * session.signIn = { state: request.state, nonce: request.nonce, codeVerifier: request.codeVerifier }
 * response.redirect(request.url)
 * ```
 * @see RFC 6749 §4.1.1, RFC 7636 §4.3, OpenID Connect Core §3.1.2.1, RFC 8707 §2
 * @throws TypeError for a missing or invalid endpoint, client id or redirect URI, a bad code
 *   verifier or `maxAge`, or a `parameters` entry that one of the named options sets.
 */
export function createAuthorizationRequest(init: AuthorizationRequestInit): AuthorizationRequest {
  if (init === null || typeof init !== 'object') {
    throw new TypeError('createAuthorizationRequest needs an options object')
  }
  if ((init as { requestObject?: unknown }).requestObject !== undefined) {
    throw new TypeError(
      'createAuthorizationRequest is synchronous and signing is not (Web Crypto): use createSignedAuthorizationRequest or pushAuthorizationRequest for a request object',
    )
  }
  assertFapiFrontChannel(init.profile, 'createAuthorizationRequest')
  const url = parseHttpUrl(init.authorizationEndpoint, 'authorizationEndpoint')
  const built = buildAuthorizationParameters(init)
  // The endpoint's own query is kept, except where the request sets a parameter itself.
  for (const name of new Set(built.parameters.keys())) url.searchParams.delete(name)
  for (const [name, value] of built.parameters) url.searchParams.append(name, value)
  const { state, nonce, codeVerifier, codeChallenge } = built
  return { url: url.href, state, nonce, codeVerifier, codeChallenge }
}

/** The parameters of an authorization request, and the values to keep until the callback. */
export interface AuthorizationParameters {
  readonly parameters: URLSearchParams
  readonly state: string
  readonly nonce: string
  readonly codeVerifier: string
  readonly codeChallenge: string
}

/**
 * Builds the parameters every form of the request sends (in the URL, in a request object, to
 * the PAR endpoint), with fresh `state`, `nonce` and PKCE S256 values unless given.
 *
 * @throws TypeError for a missing client id or redirect URI, a bad code verifier or `maxAge`, or
 *   a `parameters` entry that one of the named options sets.
 */
export function buildAuthorizationParameters(
  init: Omit<AuthorizationRequestInit, 'authorizationEndpoint'>,
): AuthorizationParameters {
  const clientId = requireString(init.clientId, 'clientId')
  const redirectUri = requireString(init.redirectUri, 'redirectUri')
  if (!URL.canParse(redirectUri)) throw new TypeError('redirectUri must be an absolute URI')
  if (init.maxAge !== undefined && !(Number.isInteger(init.maxAge) && init.maxAge >= 0)) {
    throw new TypeError('maxAge must be a whole number of seconds >= 0')
  }
  for (const name of OWN_PARAMETERS) {
    if (init.parameters?.[name] !== undefined) {
      throw new TypeError(`"${name}" has its own option; do not pass it in parameters`)
    }
  }
  const state = init.state ?? randomValue()
  const nonce = init.nonce ?? randomValue()
  requireString(state, 'state')
  requireString(nonce, 'nonce')
  const codeVerifier = init.codeVerifier ?? createCodeVerifier()
  const codeChallenge = createCodeChallenge(codeVerifier)

  const query = new URLSearchParams()
  const set = (name: string, value: string | undefined): void => {
    if (value !== undefined) query.set(name, value)
  }
  set('response_type', init.responseType ?? 'code')
  set('client_id', clientId)
  set('redirect_uri', redirectUri)
  set('scope', joined(init.scope) ?? 'openid')
  set('state', state)
  set('nonce', nonce)
  set('code_challenge', codeChallenge)
  set('code_challenge_method', 'S256')
  set('response_mode', init.responseMode)
  set('prompt', joined(init.prompt))
  set('max_age', init.maxAge === undefined ? undefined : String(init.maxAge))
  const resources = typeof init.resource === 'string' ? [init.resource] : (init.resource ?? [])
  for (const resource of resources) query.append('resource', resource)
  set('login_hint', init.loginHint)
  set('id_token_hint', init.idTokenHint)
  set('acr_values', joined(init.acrValues))
  set('ui_locales', joined(init.uiLocales))
  set('display', init.display)
  set('claims', typeof init.claims === 'object' ? JSON.stringify(init.claims) : init.claims)
  appendAuthorizationDetails(query, init.authorizationDetails)
  appendParameters(query, init.parameters)

  return { parameters: query, state, nonce, codeVerifier, codeChallenge }
}
