/**
 * Scenario 5: HTTP end to end. The same Express app protected by identity-model or by
 * express-oauth2-jwt-bearer, each in its own process, loaded by autocannon from this one.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { createPublicKey, verify } from 'node:crypto'
import autocannon from 'autocannon'
import { makeKey, makeTokens, startLocalProvider } from '../lib/fixtures.js'
import { ratio, table } from '../lib/measure.js'

async function startServer(
  mode: 'ours' | 'auth0' | 'none',
  issuer: string,
): Promise<{ port: number; child: ChildProcess }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/http-server.ts', mode, issuer], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout!.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim())))
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)))
  })
  return { port, child }
}

async function serverCpu(port: number): Promise<number> {
  const response = await fetch(`http://127.0.0.1:${port}/cpu`)
  return ((await response.json()) as { micros: number }).micros
}

/**
 * Requests per second of the fixed-rate runs that measure CPU per request: well below every
 * server's ceiling, so all three process requests the same way (one or two per event-loop turn)
 * and the difference in CPU per request is the authentication's own cost. At full load a faster
 * server batches more requests per turn and pays less per request, which blurs the difference.
 */
const CPU_RATE = 1000

async function load(port: number, tokens: readonly string[], seconds: number, rate?: number) {
  let next = 0
  const cpuBefore = await serverCpu(port)
  const result = await autocannon({
    url: `http://127.0.0.1:${port}/api`,
    connections: 50,
    duration: seconds,
    ...(rate === undefined ? {} : { overallRate: rate }),
    requests: [
      {
        setupRequest: (request) => ({
          ...request,
          headers: {
            ...request.headers,
            authorization: `Bearer ${tokens[next++ % tokens.length]}`,
          },
        }),
      },
    ],
  })
  const cpuMicros = (await serverCpu(port)) - cpuBefore
  return {
    rps: result.requests.average,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
    cpuPerRequest: cpuMicros / result.requests.total,
  }
}

/**
 * The signature's own cost: CPU microseconds per raw `crypto.verify` of these tokens (RS256,
 * SHA-256 over the signing input), in this process, measured in the same run.
 */
function signatureCost(tokens: readonly string[], key: { readonly pem: string }): number {
  const publicKey = createPublicKey(key.pem)
  const parts = tokens.map((token) => {
    const dot = token.lastIndexOf('.')
    return [
      Buffer.from(token.slice(0, dot)),
      Buffer.from(token.slice(dot + 1), 'base64url'),
    ] as const
  })
  const run = (count: number) => {
    for (let i = 0; i < count; i++) {
      const [input, signature] = parts[i % parts.length]!
      if (!verify('sha256', input, publicKey, signature)) throw new Error('bad signature')
    }
  }
  run(2000) // warm
  const samples: number[] = []
  for (let round = 0; round < 5; round++) {
    const before = process.cpuUsage()
    run(4000)
    const used = process.cpuUsage(before)
    samples.push((used.user + used.system) / 4000)
  }
  return samples.sort((a, b) => a - b)[2]!
}

export async function http(
  seconds: number,
  rounds: number,
): Promise<{ markdown: string; checks: string[] }> {
  const key = makeKey('RS256')
  const provider = await startLocalProvider([key.publicJwk])
  const tokens = await makeTokens(key, provider.issuer, 1000)
  const fresh = () => ({ rps: 0, p99: 0, bad: 0, cpu: 0 })
  const totals = { ours: fresh(), auth0: fresh(), none: fresh() }
  for (let round = 0; round < rounds; round++) {
    const order =
      round % 2 ? (['auth0', 'ours', 'none'] as const) : (['ours', 'auth0', 'none'] as const)
    for (const mode of order) {
      const server = await startServer(mode, provider.issuer)
      await load(server.port, tokens, 1) // warm: discovery, keys, JIT
      const r = await load(server.port, tokens, seconds)
      const steady = await load(server.port, tokens, seconds, CPU_RATE)
      totals[mode].rps += r.rps / rounds
      totals[mode].p99 += r.p99 / rounds
      totals[mode].bad += r.non2xx + r.errors + steady.non2xx + steady.errors
      totals[mode].cpu += steady.cpuPerRequest / rounds
      server.child.kill()
    }
  }
  await provider.close()
  const signature = signatureCost(tokens, { pem: String(key.pem) })
  const speedup = totals.ours.rps / totals.auth0.rps
  const auth = (t: { cpu: number }) => t.cpu - totals.none.cpu
  const row = (name: string, t: ReturnType<typeof fresh>) => [
    name,
    `${Math.round(t.rps)}`,
    ratio(t.rps, totals.auth0.rps),
    `${t.p99.toFixed(1)} ms`,
    `${t.cpu.toFixed(0)} us`,
    t === totals.none ? '' : `${auth(t).toFixed(0)} us`,
    String(t.bad),
  ]
  const cpuRatio = auth(totals.auth0) / auth(totals.ours)
  const overSignature = auth(totals.ours) / signature
  return {
    markdown: `### 5. HTTP end to end (Express, RS256, autocannon: 50 connections, ${rounds} x ${seconds} s each)\n\n${table(
      [
        'middleware',
        'requests/s',
        'vs express-oauth2-jwt-bearer',
        'p99 latency',
        `server CPU per request at ${CPU_RATE}/s`,
        'of which authentication',
        'non-2xx or errors',
      ],
      [
        row('identity-model requireToken', totals.ours),
        row('express-oauth2-jwt-bearer auth()', totals.auth0),
        row('no authentication (the ceiling)', totals.none),
      ],
    )}\n\nThe load generator shares the machine's two cores with the server, so requests/s is bounded by the unauthenticated ceiling; the server's own CPU time per request (main thread and thread pool, read from the server process) is measured in a second run at a fixed ${CPU_RATE} requests/s, below every ceiling, so that all three servers handle requests alike and the difference is the authentication's own cost. Authentication CPU per request: express-oauth2-jwt-bearer spends ${cpuRatio.toFixed(1)}x what identity-model does. The RS256 signature alone (raw \`crypto.verify\`, measured in this run) costs ${signature.toFixed(1)} us of CPU: identity-model's authentication is ${overSignature.toFixed(2)}x that, express-oauth2-jwt-bearer's ${(auth(totals.auth0) / signature).toFixed(2)}x (verified-token cache off).`,
    checks: [
      `HTTP: ${speedup.toFixed(2)}x express-oauth2-jwt-bearer requests/s (target >= 1.5x) ${speedup >= 1.5 ? 'met' : 'MISSED'}`,
      `HTTP: authentication costs ${overSignature.toFixed(2)}x the signature's own CPU (${auth(totals.ours).toFixed(0)} us vs ${signature.toFixed(1)} us; target <= 1.5x) ${overSignature <= 1.5 ? 'met' : 'MISSED'}`,
    ],
  }
}
