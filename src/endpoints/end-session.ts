/**
 * RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0 §2): the URL that ends the
 * user's session at the provider.
 */
import { appendParameters, type ExtraParameters } from '../client-auth/authenticated-post.js'
import { parseHttpUrl } from '../internal/url.js'

/** What {@link createEndSessionUrl} takes. */
export interface EndSessionUrlInit {
  /** The provider's `end_session_endpoint` (from discovery). Its own query is kept. */
  endSessionEndpoint: string
  /** The ID token of the session (RECOMMENDED: tells the provider who and which client). */
  idTokenHint?: string | undefined
  /** Where the provider sends the browser afterwards; registered with the client, exactly. */
  postLogoutRedirectUri?: string | undefined
  /** Returned to `postLogoutRedirectUri`; check it there like the sign-in `state`. */
  state?: string | undefined
  /** Your client id (needed with `postLogoutRedirectUri` when there is no `idTokenHint`). */
  clientId?: string | undefined
  logoutHint?: string | undefined
  uiLocales?: string | readonly string[] | undefined
  /** Any other parameters, sent as given. */
  parameters?: ExtraParameters | undefined
}

const OWN_PARAMETERS = [
  'id_token_hint',
  'post_logout_redirect_uri',
  'state',
  'client_id',
  'logout_hint',
  'ui_locales',
] as const

/**
 * Builds the RP-initiated logout URL. Clear your own session first, then send the browser here.
 *
 * > **Warning:** the URL carries the ID token in `id_token_hint`; send it as a redirect only,
 * > and do not log it.
 *
 * @example
 * ```ts
 * const url = createEndSessionUrl({
 *   endSessionEndpoint: disco.endSessionEndpoint!,
 *   idTokenHint: session.idToken,
 *   postLogoutRedirectUri: 'https://app.example.com/signed-out',
 *   state: logoutState,
 * })
 * res.redirect(url)
 * ```
 * @see OpenID Connect RP-Initiated Logout 1.0 §2, §3
 * @throws TypeError when the endpoint is not an http(s) URL, `postLogoutRedirectUri` is not an
 *   absolute URI or comes without `idTokenHint` or `clientId`, or `parameters` repeats a named option.
 */
export function createEndSessionUrl(init: EndSessionUrlInit): string {
  if (init === null || typeof init !== 'object') {
    throw new TypeError('createEndSessionUrl needs an options object')
  }
  const url = parseHttpUrl(init.endSessionEndpoint, 'endSessionEndpoint')
  for (const name of OWN_PARAMETERS) {
    if (init.parameters?.[name] !== undefined) {
      throw new TypeError(`"${name}" has its own option; do not pass it in parameters`)
    }
  }
  if (init.postLogoutRedirectUri !== undefined) {
    if (!URL.canParse(init.postLogoutRedirectUri)) {
      throw new TypeError('postLogoutRedirectUri must be an absolute URI')
    }
    if (init.idTokenHint === undefined && init.clientId === undefined) {
      throw new TypeError(
        'postLogoutRedirectUri needs idTokenHint or clientId (RP-Initiated Logout 1.0 §2)',
      )
    }
  }
  const query = url.searchParams
  const set = (name: string, value: string | undefined): void => {
    if (value !== undefined) query.set(name, value)
  }
  set('id_token_hint', init.idTokenHint)
  set('post_logout_redirect_uri', init.postLogoutRedirectUri)
  set('state', init.state)
  set('client_id', init.clientId)
  set('logout_hint', init.logoutHint)
  set('ui_locales', typeof init.uiLocales === 'string' ? init.uiLocales : init.uiLocales?.join(' '))
  appendParameters(query, init.parameters)
  return url.href
}
