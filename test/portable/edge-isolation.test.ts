/**
 * Caches and single-flight on workerd, where a promise must not cross requests: the package,
 * bundled as for Workers (no compatibility flags), runs in one Miniflare isolate that serves
 * every request (module-level state is shared, as in production), with one module-level
 * `ProviderCache`. A provider on 127.0.0.1 (this file's) can hold its answers.
 *
 * The hazard, shown by the control case: a request that awaits a fetch another request started
 * hangs once that other request has ended (workerd cancels its I/O). With the defaults, the
 * package detects workerd and never lets a request await another's fetch.
 */

import { writeFile } from 'node:fs/promises'
import { createServer, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { exportJWK, generateKeyPair, SignJWT } from 'jose'
import { Miniflare } from 'miniflare'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bundle } from './harness/bundle.js'
import { type Consumer, createConsumer } from './harness/consumer.js'
import { WORKERD_COMPATIBILITY_DATE } from './harness/runtimes.js'

/** The worker: validation in discovery mode against one module-level cache. */
const WORKER = `
import { ProviderCache, validateToken } from 'identity-model'

const shared = new ProviderCache()
const forcedSharing = new ProviderCache({ shareInFlight: true })

export default {
  async fetch(request) {
    const { token, issuer, deadlineMs, share } = await request.json()
    const cache = share ? forcedSharing : shared
    const validation = validateToken(token, { performDisco: true, audience: 'edge-api', cache }, issuer)
    const deadline = deadlineMs === undefined ? undefined : new Promise((resolve) => setTimeout(() => resolve('deadline'), deadlineMs))
    try {
      const outcome = await (deadline ? Promise.race([validation, deadline]) : validation)
      if (outcome === 'deadline') {
        validation.catch(() => {})
        return new Response('deadline', { status: 504 })
      }
      return Response.json({ sub: outcome.sub })
    } catch (error) {
      return new Response(String(error && error.message), { status: 500 })
    }
  },
}
`

/** A provider whose answers can be held (a request held while its sender ends never completes). */
interface GateProvider {
  readonly issuer: string
  readonly counts: { discovery: number; jwks: number }
  hold(on: boolean): void
  /** Answers every held request. */
  release(): void
  held(): number
  close(): Promise<void>
}

async function startGateProvider(jwks: object): Promise<GateProvider> {
  const counts = { discovery: 0, jwks: 0 }
  let holding = false
  const held: (() => void)[] = []
  let issuer = ''
  const server: Server = createServer((req, res: ServerResponse) => {
    const answer = (body: unknown) => () => {
      if (res.destroyed) return
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'max-age=600' })
      res.end(JSON.stringify(body))
    }
    let send: (() => void) | undefined
    if (req.url === '/.well-known/openid-configuration') {
      counts.discovery++
      send = answer({
        issuer,
        jwks_uri: `${issuer}/jwks`,
        authorization_endpoint: `${issuer}/authorize`,
        token_endpoint: `${issuer}/token`,
        response_types_supported: ['code'],
        subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: ['RS256'],
      })
    } else if (req.url === '/jwks') {
      counts.jwks++
      send = answer(jwks)
    }
    if (send === undefined) res.writeHead(404).end()
    else if (holding) held.push(send)
    else send()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    issuer,
    counts,
    hold: (on) => {
      holding = on
    },
    release: () => {
      for (const send of held.splice(0)) send()
    },
    held: () => held.length,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

/** Resolves once `check` holds, polling; rejects after `ms` (a bound, not a timing assertion). */
async function until(check: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

type Outcome = { status: number; text: string } | 'pending'

/** Settles to the response, or 'pending' when none came within `ms`. */
async function within(response: Promise<Response>, ms: number): Promise<Outcome> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<'pending'>((resolve) => {
    timer = setTimeout(() => resolve('pending'), ms)
  })
  const answered = response.then(async (r) => ({ status: r.status, text: await r.text() }))
  answered.catch(() => {})
  try {
    return await Promise.race([answered, late])
  } finally {
    clearTimeout(timer)
  }
}

let consumer: Consumer
let mf: Miniflare
let jwks: object
/** An access token for the provider at `issuer`. */
let signer: (issuer: string) => Promise<string>

beforeAll(async () => {
  const { publicKey, privateKey } = await generateKeyPair('RS256')
  jwks = { keys: [{ ...(await exportJWK(publicKey)), kid: 'edge-1', alg: 'RS256', use: 'sig' }] }
  consumer = await createConsumer()
  const entry = join(consumer.dir, 'edge-worker.mjs')
  await writeFile(entry, WORKER)
  const built = await bundle('workerd', consumer, entry)
  if (built.failure !== undefined) throw new Error(built.failure.details)
  mf = new Miniflare({
    modules: true,
    script: built.code,
    compatibilityDate: WORKERD_COMPATIBILITY_DATE,
    compatibilityFlags: [],
  })
  signer = (issuer) =>
    new SignJWT({ scope: 'read' })
      .setProtectedHeader({ alg: 'RS256', kid: 'edge-1', typ: 'at+jwt' })
      .setIssuer(issuer)
      .setAudience('edge-api')
      .setSubject('edge-user')
      .setIssuedAt()
      .setExpirationTime('10m')
      .sign(privateKey)
}, 120_000)

afterAll(async () => {
  await mf?.dispose()
  await consumer?.remove()
})

function validate(body: Record<string, unknown>): Promise<Response> {
  return mf.dispatchFetch('http://edge.invalid/validate', {
    method: 'POST',
    body: JSON.stringify(body),
  }) as unknown as Promise<Response>
}

describe('workerd: one module-level cache, concurrent requests in one isolate', () => {
  it('a request whose fetch another (ended) request started is not held up: it fetches for itself', async () => {
    const op = await startGateProvider(jwks)
    try {
      const token = await signer(op.issuer)
      op.hold(true)
      // Request A starts discovery, then gives up at its own deadline and ends.
      const a = await within(validate({ token, issuer: op.issuer, deadlineMs: 300 }), 30_000)
      expect(a).toEqual({ status: 504, text: 'deadline' })
      expect(op.counts.discovery).toBe(1)
      // Request B, with the same module-level cache: it must not await A's cancelled fetch.
      const b = validate({ token, issuer: op.issuer })
      await until(() => op.counts.discovery === 2, 20_000, 'request B to fetch discovery itself')
      op.hold(false)
      op.release()
      expect(await within(b, 20_000)).toEqual({ status: 200, text: '{"sub":"edge-user"}' })
      // The values (not the promises) are shared: request C fetches nothing.
      const fetched = { ...op.counts }
      expect(await within(validate({ token, issuer: op.issuer }), 20_000)).toMatchObject({
        status: 200,
      })
      expect(op.counts).toEqual(fetched)
    } finally {
      await op.close()
    }
  })

  it('concurrent requests on a cold cache all complete', async () => {
    const op = await startGateProvider(jwks)
    try {
      const token = await signer(op.issuer)
      op.hold(true)
      const pending = [1, 2, 3].map(() => validate({ token, issuer: op.issuer }))
      await until(() => op.held() === 3, 20_000, 'three discovery requests')
      op.hold(false)
      op.release()
      for (const response of pending) {
        expect(await within(response, 20_000)).toEqual({
          status: 200,
          text: '{"sub":"edge-user"}',
        })
      }
    } finally {
      await op.close()
    }
  })

  it('control: with shareInFlight forced on, the joining request hangs (the hazard is real here)', async () => {
    const op = await startGateProvider(jwks)
    try {
      const token = await signer(op.issuer)
      op.hold(true)
      const a = await within(
        validate({ token, issuer: op.issuer, deadlineMs: 300, share: true }),
        30_000,
      )
      expect(a).toEqual({ status: 504, text: 'deadline' })
      const b = validate({ token, issuer: op.issuer, share: true })
      op.hold(false)
      op.release() // A's fetch was cancelled with A: answering it now reaches nobody
      // B joined A's fetch instead of making its own, and never gets an answer.
      expect(await within(b, 3_000)).toBe('pending')
      expect(op.counts.discovery).toBe(1)
    } finally {
      await op.close()
    }
  })
})
