/**
 * The API under load in scenario 5, in its own process: an Express app whose one route is
 * protected by identity-model's `requireToken`, by express-oauth2-jwt-bearer's `auth()`, or not
 * at all (the ceiling of the machine and Express).
 * Prints its port as the first line of stdout.
 */
import type { AddressInfo } from 'node:net'
import express from 'express'
import { auth } from 'express-oauth2-jwt-bearer'
import { requireToken } from '../src/adapters/express.js'

const [mode, issuer] = process.argv.slice(2) as ['ours' | 'auth0' | 'none', string]
const app = express()
const guard =
  mode === 'ours'
    ? requireToken({
        discoDocAddress: issuer,
        audience: 'my-api',
        // For experiments only (BENCH_THREAD_POOL=never|auto|always); default: the library's.
        ...(process.env.BENCH_THREAD_POOL
          ? { threadPool: process.env.BENCH_THREAD_POOL as 'never' | 'auto' | 'always' }
          : {}),
      })
    : mode === 'auth0'
      ? auth({ issuerBaseURL: issuer, audience: 'my-api', tokenSigningAlg: 'RS256' })
      : (_req: unknown, _res: unknown, next: () => void) => next()
// The server's own CPU time (main thread and thread pool), read by the scenario before and after
// each load run: CPU per request does not depend on how the machine shares its cores.
app.get('/cpu', (_req, res) => {
  const usage = process.cpuUsage()
  res.json({ micros: usage.user + usage.system })
})
app.get('/api', guard as express.RequestHandler, (_req, res) => {
  res.json({ ok: true })
})
process.on('SIGINT', () => process.exit(0))
const server = app.listen(0, '127.0.0.1', () => {
  console.log((server.address() as AddressInfo).port)
})
server.keepAliveTimeout = 60_000
