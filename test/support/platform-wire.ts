/**
 * A `fetch` that records what goes on the wire and then really sends it, for integration tests
 * that assert what each client-authentication method transmits.
 */
export interface WireRecord {
  readonly method: string
  readonly url: string
  readonly headers: Headers
  /** The body as sent (form or JSON text); '' when none. */
  readonly body: string
  /** The body parsed as a form. */
  readonly form: URLSearchParams
}

export interface RecordingFetch {
  readonly fetch: typeof fetch
  readonly records: WireRecord[]
  /** The last record; throws when nothing was sent. */
  last(): WireRecord
}

export function recordingFetch(): RecordingFetch {
  const records: WireRecord[] = []
  const impl = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const request = new Request(input, init)
    const body = request.body ? await request.clone().text() : ''
    records.push({
      method: request.method,
      url: request.url,
      headers: request.headers,
      body,
      form: new URLSearchParams(body),
    })
    return fetch(request)
  }
  return {
    fetch: impl as typeof fetch,
    records,
    last() {
      const record = records.at(-1)
      if (!record) throw new Error('nothing was sent')
      return record
    },
  }
}

/** The decoded payload and header of a JWT (no verification: for wire assertions only). */
export function decodeJwt(jwt: string): {
  header: Record<string, unknown>
  payload: Record<string, unknown>
} {
  const [header, payload] = jwt.split('.')
  const part = (value: string | undefined) =>
    JSON.parse(Buffer.from(value ?? '', 'base64url').toString()) as Record<string, unknown>
  return { header: part(header), payload: part(payload) }
}
