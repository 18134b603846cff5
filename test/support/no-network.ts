/**
 * Setup of the unit tier (`npm run test:unit`): no network at all. A unit test injects `fetch`
 * (test/support/fake-fetch.ts) and never opens or accepts a socket; one that does belongs to the
 * integration tier (vitest.config.ts lists the files that start a provider).
 */
import { Server, Socket } from 'node:net'

const refuse = (what: string) => () => {
  throw new Error(
    `unit tests use no network (${what}): inject fetch, or move the test to the integration tier`,
  )
}
globalThis.fetch = refuse('fetch') as unknown as typeof fetch
Socket.prototype.connect = refuse('socket connect') as unknown as typeof Socket.prototype.connect
Server.prototype.listen = refuse('server listen') as unknown as typeof Server.prototype.listen
