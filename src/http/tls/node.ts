/**
 * `#tls-transport` on Node.js: a `fetch` over `node:https` whose connections present a client
 * certificate (RFC 8705 mutual TLS) and trust the given certificate authorities. The global
 * `fetch` cannot take a certificate without undici's `Agent`, which Node does not expose; this
 * keeps the library free of that dependency. Only what `send()` uses is implemented: a method,
 * headers, a string body, a signal, no redirects followed.
 */
import { Agent, request as httpsRequest } from 'node:https'
import { Readable } from 'node:stream'
import type { TlsClientOptions } from '../tls-options.js'

export type { TlsClientOptions } from '../tls-options.js'

/**
 * A `fetch` whose HTTPS connections present `tls.cert` / `tls.key` and trust `tls.ca`. Plain
 * `http:` URLs are refused (a client certificate needs TLS).
 *
 * @example
 * ```ts
 * const mtlsFetch = createTlsFetch({ cert: readFileSync('client.pem', 'utf8'), key, ca })
 * const response = await mtlsFetch('https://api.example.com/accounts', { headers: { authorization: `Bearer ${token}` } })
 * ```
 * @see RFC 8705 §2, §3
 * @throws TypeError when `cert` comes without `key` (or the reverse), or a value is not PEM text
 *   or bytes.
 */
export function createTlsFetch(tls: TlsClientOptions): typeof fetch {
  const options = checkedTls(tls)
  // One agent per configuration: TLS sessions are reused, sockets are not kept open.
  const agent = new Agent({ ...options, keepAlive: false })
  const tlsFetch = (input: string | URL | Request, init: RequestInit = {}): Promise<Response> => {
    const url = new URL(input instanceof Request ? input.url : String(input))
    if (url.protocol !== 'https:') {
      return Promise.reject(
        new TypeError(`${url.origin} is not https: a client certificate needs TLS`),
      )
    }
    const body = bodyText(init.body)
    const headers: Record<string, string> = {}
    new Headers(init.headers).forEach((value, name) => {
      headers[name] = value
    })
    if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body))
    return new Promise<Response>((resolve, reject) => {
      const req = httpsRequest(
        url,
        {
          method: init.method ?? 'GET',
          headers,
          agent,
          ...(init.signal ? { signal: init.signal } : {}),
        },
        (res) => {
          const responseHeaders = new Headers()
          const raw = res.rawHeaders
          for (let i = 0; i + 1 < raw.length; i += 2) responseHeaders.append(raw[i]!, raw[i + 1]!)
          const status = res.statusCode ?? 502
          const empty = status === 204 || status === 205 || status === 304 || init.method === 'HEAD'
          if (empty) res.resume()
          resolve(
            new Response(empty ? null : (Readable.toWeb(res) as ReadableStream<Uint8Array>), {
              status,
              statusText: res.statusMessage ?? '',
              headers: responseHeaders,
            }),
          )
        },
      )
      req.on('error', reject)
      req.end(body)
    })
  }
  return tlsFetch as typeof fetch
}

function bodyText(body: RequestInit['body']): string | undefined {
  if (body === undefined || body === null) return undefined
  if (typeof body === 'string') return body
  if (body instanceof URLSearchParams) return body.toString()
  throw new TypeError('the TLS fetch sends string or URLSearchParams bodies only')
}

type PemInput = string | Buffer

function checkedTls(tls: TlsClientOptions): { cert?: PemInput; key?: PemInput; ca?: PemInput[] } {
  if (tls === null || typeof tls !== 'object') {
    throw new TypeError('tls must be an object: { cert, key, ca? } (PEM)')
  }
  const { cert, key, ca } = tls
  if ((cert === undefined) !== (key === undefined)) {
    throw new TypeError('tls needs both cert and key (PEM), or neither')
  }
  const pem = (value: unknown, name: string): PemInput => {
    if (typeof value === 'string') return value
    if (value instanceof Uint8Array)
      return Buffer.from(value.buffer, value.byteOffset, value.byteLength)
    throw new TypeError(`tls.${name} must be PEM text or bytes`)
  }
  const result: { cert?: PemInput; key?: PemInput; ca?: PemInput[] } = {}
  if (cert !== undefined) result.cert = pem(cert, 'cert')
  if (key !== undefined) result.key = pem(key, 'key')
  if (ca !== undefined) {
    result.ca = (Array.isArray(ca) ? ca : [ca]).map((entry: unknown) => pem(entry, 'ca'))
  }
  return result
}
