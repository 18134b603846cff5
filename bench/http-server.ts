/**
 * The API under load in scenario 5, in its own process: one Express app with the same route four
 * times, protected by identity-model's `requireToken` (`/ours`), by express-oauth2-jwt-bearer's
 * `auth()` (`/auth0`), by a bare `crypto.verify` of the token's signature (`/raw`), or not at all
 * (`/none`, the ceiling of the machine and Express). One process for all four, so that the CPU
 * each route costs is compared on the same JIT, heap and caches.
 * Prints its port as the first line of stdout.
 */
import { createPublicKey, type KeyObject, verify } from 'node:crypto'
import type { AddressInfo } from 'node:net'
import express from 'express'
import { auth } from 'express-oauth2-jwt-bearer'
import { requireToken } from '../src/adapters/express.js'

const [issuer, pem] = process.argv.slice(2) as [string, string]
const app = express()
const guards: Record<string, express.RequestHandler> = {
  ours: requireToken({
    discoDocAddress: issuer,
    audience: 'my-api',
    // For experiments only (BENCH_THREAD_POOL=never|auto|always); default: the library's.
    ...(process.env.BENCH_THREAD_POOL
      ? { threadPool: process.env.BENCH_THREAD_POOL as 'never' | 'auto' | 'always' }
      : {}),
  }) as express.RequestHandler,
  auth0: auth({ issuerBaseURL: issuer, audience: 'my-api', tokenSigningAlg: 'RS256' }),
  raw: rawSignature(createPublicKey(pem)),
  none: (_req, _res, next) => next(),
}
/**
 * Time from each guard's entry to its `next()`, per route, since the last read: for a guard that
 * finishes on this thread without waiting for anything (identity-model's and the bare check, one
 * request at a time), the CPU time of the authentication step itself, free of the event loop's
 * own per-request cost, which varies more than the step costs.
 */
const steps = new Map<string, { nanos: bigint; count: number }>()
function timed(name: string, guard: express.RequestHandler): express.RequestHandler {
  const step = { nanos: 0n, count: 0 }
  steps.set(name, step)
  return (req, res, next) => {
    const start = process.hrtime.bigint()
    guard(req, res, (error?: unknown) => {
      step.nanos += process.hrtime.bigint() - start
      step.count++
      next(error)
    })
  }
}
// The server's own CPU time (main thread and thread pool), read by the scenario before and after
// each load run: CPU per request does not depend on how the machine shares its cores. With it,
// the mean guard step per route since the previous read.
app.get('/cpu', (_req, res) => {
  const usage = process.cpuUsage()
  const stepMicros: Record<string, number> = {}
  for (const [name, step] of steps) {
    stepMicros[name] = step.count === 0 ? 0 : Number(step.nanos) / step.count / 1000
    step.nanos = 0n
    step.count = 0
  }
  res.json({ micros: usage.user + usage.system, stepMicros })
})
for (const [name, guard] of Object.entries(guards)) {
  app.get(`/${name}`, timed(name, guard), (_req, res) => {
    res.json({ ok: true })
  })
}
process.on('SIGINT', () => process.exit(0))
const server = app.listen(0, '127.0.0.1', () => {
  console.log((server.address() as AddressInfo).port)
})
server.keepAliveTimeout = 60_000

/**
 * The signature alone, in the server: the RS256 `crypto.verify` of the request's token (split and
 * decoded here, nothing else checked). What the signature costs amid a server's other work.
 */
function rawSignature(key: KeyObject): express.RequestHandler {
  return (req, res, next) => {
    const token = (req.headers.authorization ?? '').slice(7)
    const dot = token.lastIndexOf('.')
    const valid = verify(
      'sha256',
      Buffer.from(token.slice(0, dot), 'latin1'),
      key,
      Buffer.from(token.slice(dot + 1), 'base64url'),
    )
    if (valid) next()
    else res.status(401).end()
  }
}
