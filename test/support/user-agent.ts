/**
 * A minimal user agent for integration tests: it keeps cookies, follows redirects one by one
 * and fills in the testbed provider's development pages (login, consent, device user code,
 * logout confirmation) the way a person would, over real HTTP. Tests that need a real browser
 * use test/support/browser.ts instead.
 */

/** One HTML form of a page, with the values a person submitting it would send. */
interface Form {
  readonly action: string
  readonly fields: Record<string, string>
}

/** What a run through the provider's pages ended with. */
export interface Outcome {
  /** The URL that left the provider (the redirect to the client), if one did. */
  readonly redirect?: string
  /** The last page's HTML, when the run ended on a page without a form. */
  readonly page?: string
  /** Every URL visited, for diagnostics. */
  readonly visited: readonly string[]
}

export interface RunOptions {
  /** The login typed on the login page (it becomes `sub`); default `alice`. */
  readonly login?: string
  /** Press "Cancel" on the login page instead of signing in. */
  readonly abort?: boolean
  /** Stop when a redirect goes to a URL for which this is true (the client's callback). */
  readonly leaves: (url: string) => boolean
  /** At most this many requests (default 20). */
  readonly maxSteps?: number
}

export class UserAgent {
  readonly #cookies = new Map<string, string>()
  readonly #fetch: typeof fetch

  /** `fetch`: how to reach the provider (default the global one; a TLS fetch for https). */
  constructor(options: { readonly fetch?: typeof fetch } = {}) {
    this.#fetch = options.fetch ?? fetch
  }

  /** Sends one request with the cookie jar, never following redirects. */
  async send(url: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers)
    if (this.#cookies.size > 0) {
      headers.set(
        'cookie',
        [...this.#cookies].map(([name, value]) => `${name}=${value}`).join('; '),
      )
    }
    const response = await this.#fetch(url, {
      ...init,
      headers,
      redirect: 'manual',
      signal: AbortSignal.timeout(5000),
    })
    for (const cookie of response.headers.getSetCookie()) {
      const pair = cookie.split(';', 1)[0]!
      const cut = pair.indexOf('=')
      const name = pair.slice(0, cut).trim()
      const value = pair.slice(cut + 1).trim()
      if (value === '' || /expires=Thu, 01 Jan 1970/i.test(cookie)) this.#cookies.delete(name)
      else this.#cookies.set(name, value)
    }
    return response
  }

  /**
   * Opens `start` and goes through the provider's pages until a redirect leaves it (`leaves`),
   * or a page has no form to submit.
   */
  async run(start: string, options: RunOptions): Promise<Outcome> {
    const visited: string[] = []
    let url = start
    let init: RequestInit = {}
    let aborted = false
    for (let step = 0; step < (options.maxSteps ?? 20); step++) {
      visited.push(`${init.method ?? 'GET'} ${url.split('?')[0]}`)
      const response = await this.send(url, init)
      init = {}
      const location = response.headers.get('location')
      if (response.status >= 300 && response.status < 400 && location !== null) {
        await response.body?.cancel()
        url = new URL(location, url).href
        if (options.leaves(url)) return { redirect: url, visited }
        continue
      }
      const html = await response.text()
      if (response.status !== 200) {
        throw new Error(
          `the provider answered ${response.status} at ${url.split('?')[0]}: ${html.slice(0, 300)}`,
        )
      }
      // After pressing abort, the page that follows is the outcome (the provider's forms would
      // only ask again).
      if (aborted) return { page: html, visited }
      const abort = /href="([^"]*\/abort)"/.exec(html)?.[1]
      if (options.abort && abort !== undefined) {
        aborted = true
        url = new URL(decode(abort), url).href
        continue
      }
      const form = firstForm(html, url, options.abort === true)
      if (form === undefined) return { page: html, visited }
      if (options.abort && form.fields.abort !== undefined) aborted = true
      if ('login' in form.fields) {
        form.fields.login = options.login ?? 'alice'
        form.fields.password = 'any password'
      }
      url = form.action
      init = {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(form.fields).toString(),
      }
    }
    throw new Error(
      `no redirect out of the provider after ${options.maxSteps ?? 20} steps: ${visited.join(' → ')}`,
    )
  }
}

function decode(value: string): string {
  return value
    .replace(/&amp;/g, '&')
    .replace(/&#39;/g, "'")
    .replace(/&quot;/g, '"')
}

function attributes(tag: string): Record<string, string> {
  const result: Record<string, string> = {}
  for (const match of tag.matchAll(/([a-zA-Z_:.-]+)(?:\s*=\s*"([^"]*)")?/g)) {
    result[match[1]!.toLowerCase()] = decode(match[2] ?? '')
  }
  return result
}

/**
 * The first POST form of the page: its hidden and text inputs, and its default submit button
 * (the first one for the form), or its "abort" button when aborting.
 */
function firstForm(html: string, base: string, abort: boolean): Form | undefined {
  const match = /<form\b([^>]*)>([\s\S]*?)<\/form>/i.exec(html)
  if (match === null) return undefined
  const form = attributes(match[1]!)
  if ((form.method ?? 'get').toLowerCase() !== 'post' || form.action === undefined) return undefined
  const fields: Record<string, string> = {}
  for (const input of match[2]!.matchAll(/<input\b([^>]*)>/gi)) {
    const attrs = attributes(input[1]!)
    if (attrs.name !== undefined) fields[attrs.name] = attrs.value ?? ''
  }
  // Buttons inside the form, or outside it pointing at it with form="id".
  const buttons = [...html.matchAll(/<button\b([^>]*)>/gi)]
    .filter((button) => {
      const attrs = attributes(button[1]!)
      return attrs.form === undefined
        ? button.index > match.index && button.index < match.index + match[0].length
        : attrs.form === form.id
    })
    .map((button) => attributes(button[1]!))
  const chosen = (abort ? buttons.find((attrs) => attrs.name === 'abort') : undefined) ?? buttons[0]
  if (chosen?.name !== undefined) fields[chosen.name] = chosen.value ?? ''
  return { action: new URL(form.action, base).href, fields }
}
