/**
 * No client secret, token or client assertion in any failure: every request function that
 * carries one is made to fail every way it can, and `error`, `errorDescription` and
 * `String(cause)` are searched for it.
 */
import { describe, expect, it } from 'vitest'
import {
  type ClientAuthenticationMethod,
  introspectToken,
  type RequestFailure,
  requestClientCredentialsToken,
  revokeToken,
} from '../../src/index.js'

const ENDPOINT = 'https://id.example.com/endpoint'
// Ten characters: JSON.parse quotes up to ten characters of the body around a syntax error.
const SECRET = 'SECRET-cs1'
const TOKEN = 'SECRET-tk1'
const QUERY_SECRET = 'SECRET-qs1'

type Answer = (sent: string) => Response | Promise<Response>

/** The ways a server or the network can fail a request; `sent` is the form body that left. */
const failures: Record<string, { answer: Answer; timeoutMs?: number; status200?: true }> = {
  'connection refused': {
    answer: () => {
      throw new TypeError('fetch failed', { cause: new Error('connect ECONNREFUSED 10.0.0.1:443') })
    },
  },
  timeout: { answer: () => new Promise<Response>(() => {}), timeoutMs: 10 },
  'redirect echoing the request': {
    answer: (sent) =>
      new Response(null, {
        status: 302,
        headers: { location: `https://evil.example.com/?${sent}` },
      }),
  },
  'HTML error page echoing the request': {
    answer: (sent) => new Response(`<pre>${decodeURIComponent(sent)}</pre>`, { status: 500 }),
  },
  'broken JSON with each secret at the error': {
    status200: true,
    answer: () =>
      new Response(`{"a":${SECRET}}{"b":${TOKEN}}`, {
        headers: { 'content-type': 'application/json' },
      }),
  },
  'broken JSON with the token at the error': {
    status200: true,
    answer: () => new Response(`{"access_token":${TOKEN}}`),
  },
  'OAuth error': {
    answer: () => Response.json({ error: 'invalid_client' }, { status: 401 }),
  },
  'body over the size cap': {
    answer: (sent) => new Response(`${sent}${'x'.repeat(2 * 1024 * 1024)}`),
  },
  'a 200 that breaks the spec': {
    status200: true,
    answer: () => Response.json({ token_type: 'Bearer' }),
  },
}

const requests: Record<
  string,
  (common: {
    address: string
    clientId: string
    clientSecret: string
    clientAuthentication: ClientAuthenticationMethod
    fetch: typeof fetch
    timeoutMs?: number
  }) => Promise<RequestFailure | { isSuccessful: true }>
> = {
  requestClientCredentialsToken: (common) =>
    requestClientCredentialsToken({ ...common, scope: 'api:read' }),
  introspectToken: (common) => introspectToken({ ...common, token: TOKEN }),
  revokeToken: (common) => revokeToken({ ...common, token: TOKEN }),
}

const methods: ClientAuthenticationMethod[] = [
  'client_secret_basic',
  'client_secret_post',
  'client_secret_jwt',
]

function expectClean(failure: RequestFailure, secrets: readonly string[]): void {
  const texts = [failure.error, failure.errorDescription ?? '', String(failure.cause ?? '')]
  const cause = failure.cause as { cause?: unknown } | undefined
  if (cause?.cause !== undefined) texts.push(String(cause.cause))
  for (const text of texts) {
    for (const secret of secrets) expect(text).not.toContain(secret)
  }
}

describe('no secret, token or assertion in a failure', () => {
  for (const [name, request] of Object.entries(requests)) {
    for (const method of methods) {
      // RFC 7009 §2.2: revocation succeeds on any 200, whatever its body.
      const names = Object.keys(failures).filter(
        (failure) => name !== 'revokeToken' || !failures[failure]!.status200,
      )
      it.each(names)(`${name} with ${method}: %s`, async (failureName) => {
        const { answer, timeoutMs } = failures[failureName]!
        let sent = ''
        const fetchImpl: typeof fetch = async (_input, init) => {
          sent = String(init?.body ?? '')
          return answer(sent)
        }
        const result = await request({
          address: `${ENDPOINT}?key=${QUERY_SECRET}`,
          clientId: 'svc',
          clientSecret: SECRET,
          clientAuthentication: method,
          fetch: fetchImpl,
          ...(timeoutMs === undefined ? {} : { timeoutMs }),
        })
        expect(result.isSuccessful).toBe(false)
        const secrets = [SECRET, TOKEN, QUERY_SECRET, encodeURIComponent(SECRET)]
        const assertion = new URLSearchParams(sent).get('client_assertion')
        if (method === 'client_secret_jwt') {
          expect(assertion).toBeTypeOf('string')
          secrets.push(assertion!, assertion!.split('.')[2]!)
        }
        expectClean(result as RequestFailure, secrets)
      })
    }
  }
})
