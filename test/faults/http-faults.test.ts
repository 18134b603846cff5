/**
 * Fault injection against a real socket on 127.0.0.1 (issue 12): a server that misbehaves the
 * way networks and providers do — silence, a reset mid-body, a truncated body, a slow drip, a
 * wrong Content-Length, a body far over the cap, garbage instead of HTTP — and a DNS failure
 * (an injected fetch: no test leaves 127.0.0.1). Each outcome is the documented one: a typed
 * failure within the timeout budget on the client side, and 503 (never 401) on a resource
 * server whose provider misbehaves.
 */
import { createServer, type Server, type Socket } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  createBearerAuthenticator,
  getDiscoveryDocument,
  ProviderCache,
  ProviderUnavailableError,
  requestClientCredentialsToken,
  validateToken,
} from '../../src/index.js'
import { accessClaims, makeKey, sign } from '../support/tokens.js'

type Fault =
  | 'silent'
  | 'reset'
  | 'truncated'
  | 'drip'
  | 'short-length'
  | 'oversized'
  | 'garbage'
  | 'html'

let server: Server
let base: string
const sockets = new Set<Socket>()

/** The fault is the first path segment: `/silent/...`, `/reset/...` */
function answer(socket: Socket, fault: Fault): void {
  const json = '{"issuer":"x","keys":[]}'
  switch (fault) {
    case 'silent':
      return // reads the request, never answers
    case 'reset':
      socket.write(
        'HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 200\r\n\r\n{"iss',
      )
      setTimeout(() => socket.resetAndDestroy(), 20)
      return
    case 'truncated':
      socket.end(
        'HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{"issuer":',
      )
      return
    case 'drip': {
      socket.write(
        'HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 100000\r\n\r\n',
      )
      const timer = setInterval(
        () => (socket.writable ? socket.write(' ') : clearInterval(timer)),
        50,
      )
      socket.once('close', () => clearInterval(timer))
      return
    }
    case 'short-length':
      // Says 5 bytes, sends more: the client reads 5 and the rest is not JSON.
      socket.end(
        `HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 5\r\n\r\n${json}`,
      )
      return
    case 'oversized': {
      const size = 3 * 1024 * 1024
      socket.write(
        `HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${size}\r\n\r\n`,
      )
      const chunk = Buffer.alloc(64 * 1024, 0x20)
      let sent = 0
      const pump = (): void => {
        while (sent < size && socket.writable) {
          sent += chunk.length
          if (!socket.write(chunk)) return void socket.once('drain', pump)
        }
        socket.end()
      }
      pump()
      return
    }
    case 'garbage':
      socket.end('SSH-2.0-OpenSSH_9.6\r\n\r\n')
      return
    case 'html':
      socket.end(
        'HTTP/1.1 200 OK\r\ncontent-type: text/html\r\ncontent-length: 26\r\n\r\n<html>maintenance!</html>\n',
      )
      return
  }
}

beforeAll(async () => {
  server = createServer((socket) => {
    sockets.add(socket)
    socket.on('error', () => {})
    socket.once('close', () => sockets.delete(socket))
    socket.once('data', (data) => {
      const path = data.toString('latin1').split(' ')[1] ?? '/'
      answer(socket, path.split('/')[1] as Fault)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`
})
afterAll(async () => {
  for (const socket of sockets) socket.destroy()
  await new Promise((resolve) => server.close(resolve))
})

const TIMEOUT = 400

describe('the client against a misbehaving endpoint', () => {
  const cases: readonly [Fault, string][] = [
    ['silent', 'timeout'],
    ['reset', 'network'],
    ['truncated', 'network'],
    ['drip', 'timeout'],
    ['short-length', 'invalid_json'],
    ['oversized', 'invalid_response'],
    ['garbage', 'network'],
    ['html', 'invalid_json'],
  ]
  for (const [fault, errorType] of cases) {
    it(`${fault}: a typed ${errorType} failure from the token endpoint, nothing thrown, no secret in it`, async () => {
      const result = await requestClientCredentialsToken({
        address: `${base}/${fault}/token`,
        clientId: 'svc',
        clientSecret: 'fault-secret-123',
        timeoutMs: TIMEOUT,
      })
      expect(result.isSuccessful).toBe(false)
      if (result.isSuccessful) return
      expect(result.errorType).toBe(errorType)
      expect(JSON.stringify({ ...result, cause: String(result.cause) })).not.toContain(
        'fault-secret-123',
      )
    })
  }

  it('DNS failure (injected fetch): a network failure that names the host, not a crash', async () => {
    const dnsFailure: typeof fetch = async () => {
      throw new TypeError('fetch failed', {
        cause: Object.assign(new Error('getaddrinfo ENOTFOUND id.example.invalid'), {
          code: 'ENOTFOUND',
        }),
      })
    }
    const result = await getDiscoveryDocument({
      address: 'https://id.example.invalid',
      fetch: dnsFailure,
      cache: new ProviderCache(),
    })
    expect(result.isSuccessful).toBe(false)
    if (!result.isSuccessful) {
      expect(result.errorType).toBe('network')
      expect(result.error).toContain('ENOTFOUND')
    }
  })
})

describe('a resource server whose provider misbehaves: 503, never 401', () => {
  for (const fault of [
    'silent',
    'reset',
    'truncated',
    'short-length',
    'garbage',
    'html',
  ] as const) {
    it(`${fault} discovery`, async () => {
      const key = makeKey('RS256', 'k1')
      const issuer = `${base}/${fault}`
      const token = await sign(key, accessClaims({ iss: issuer }))
      const authenticate = createBearerAuthenticator({
        discoDocAddress: issuer,
        audience: 'my-api',
        cache: new ProviderCache(),
        timeoutMs: TIMEOUT,
      })
      const outcome = await authenticate(`Bearer ${token}`)
      expect(outcome.ok).toBe(false)
      if (!outcome.ok) {
        expect(outcome.status).toBe(503)
        expect(outcome.cause).toBeInstanceOf(ProviderUnavailableError)
        expect(JSON.stringify(outcome.body)).not.toContain(token)
      }
      await expect(
        validateToken(
          token,
          {
            performDisco: true,
            audience: 'my-api',
            cache: new ProviderCache(),
            timeoutMs: TIMEOUT,
          },
          issuer,
        ),
      ).rejects.toBeInstanceOf(ProviderUnavailableError)
    })
  }
})
