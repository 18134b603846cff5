/**
 * examples/user-tokens-express.ts run as a user would: sign in through the testbed provider's
 * pages, call the API with the user's token, get it refreshed when due (refresh tokens rotate),
 * sign out (the refresh token is revoked).
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { createApp } from '../../examples/user-tokens-express.js'
import { MemoryStore } from '../../src/cache/memory-store.js'
import { clients, startProvider, type TestProvider } from '../../testbed/provider.js'
import { UserAgent } from '../support/user-agent.js'

let op: TestProvider
let api: Server
let app: Server
let base: string
/** The bearer tokens the API received, in order. */
const seen: string[] = []

function listen(server: Server, port = 0): Promise<number> {
  return new Promise((resolve) =>
    server.listen(port, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)),
  )
}

beforeAll(async () => {
  api = createServer((req, res) => {
    seen.push(/^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '')
    res.writeHead(200).end()
  })
  const apiPort = await listen(api)
  // The app's port first: the provider must know its redirect URI.
  const probe = createServer()
  const port = await listen(probe)
  await new Promise((resolve) => probe.close(resolve))
  base = `http://127.0.0.1:${port}`
  op = await startProvider({
    redirectUris: [`${base}/callback`],
    postLogoutRedirectUris: [`${base}/`],
    // 4 s access tokens (renewed 2 s before expiry), and every refresh token rotated.
    ttl: { AccessToken: 4 },
    extraConfig: { rotateRefreshToken: true },
  })
  const express = await createApp({
    issuer: op.issuer,
    ...clients.webApp,
    baseUrl: base,
    sessionSecret: 'test-session-secret',
    apiUrl: `http://127.0.0.1:${apiPort}/me`,
    store: new MemoryStore(),
  })
  app = createServer(express)
  await listen(app, port)
})
afterAll(async () => {
  await new Promise((resolve) => app?.close(resolve))
  await new Promise((resolve) => api?.close(resolve))
  await op?.stop()
})

it('signs in, calls the API with a refreshed token when due, and signs out with revocation', async () => {
  const agent = new UserAgent()
  const outcome = await agent.run(`${base}/login`, {
    login: 'alice',
    leaves: (url) => url.startsWith(`${base}/callback`),
  })
  expect(outcome.redirect).toBeDefined()
  const callback = await agent.send(outcome.redirect!)
  expect(callback.status).toBe(302)
  expect(callback.headers.get('location')).toBe('/')

  const home = await agent.send(`${base}/`)
  expect(await home.text()).toBe('Hello alice: the API said 200')
  const first = seen.at(-1)
  expect(first).toBeTruthy()

  // Inside the margin (2 s of 4): the next call refreshes first, once.
  await new Promise((resolve) => setTimeout(resolve, 2_500))
  op.resetCounts()
  const [a, b] = await Promise.all([agent.send(`${base}/`), agent.send(`${base}/`)])
  expect([a.status, b.status]).toEqual([200, 200])
  expect(op.counts['/token']).toBe(1)
  expect(seen.at(-1)).not.toBe(first)

  op.resetCounts()
  const out = await agent.send(`${base}/logout`, { method: 'POST' })
  expect(out.status).toBe(302)
  expect(out.headers.get('location')).toContain(`${op.issuer}/session/end`)
  expect(op.counts['/token/revocation']).toBe(1)
  // Signed out: the app asks for a sign-in again.
  const after = await agent.send(`${base}/`)
  expect(after.status).toBe(302)
  expect(after.headers.get('location')).toBe('/login')
})
