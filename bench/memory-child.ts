/**
 * Scenario 6, in its own process (started with --expose-gc and a large young generation):
 * bytes allocated per validation, and the heap after 1,000,000 validations of 10,000 distinct
 * tokens. Prints one JSON line.
 */
import { PerformanceObserver } from 'node:perf_hooks'
import { ProviderCache, validateToken } from '../src/index.js'
import { AUDIENCE, makeKey, makeTokens, startLocalProvider } from './lib/fixtures.js'

const total = Number(process.argv[2] ?? 1_000_000)
const gc = (globalThis as { gc?: () => void }).gc
if (!gc) throw new Error('run with --expose-gc')

const key = makeKey('RS256')
const provider = await startLocalProvider([key.publicJwk])
const tokens = await makeTokens(key, provider.issuer, 10_000)
const config = { performDisco: true, audience: AUDIENCE, cache: new ProviderCache() }
const validate = (i: number) => validateToken(tokens[i % tokens.length]!, config, provider.issuer)

let collections = 0
new PerformanceObserver((list) => {
  collections += list.getEntries().length
}).observe({ entryTypes: ['gc'] })

// Allocation per validation: no collection may happen inside the window.
for (let i = 0; i < 2000; i++) await validate(i)
let perValidation = Number.NaN
for (const count of [5000, 2000, 1000]) {
  gc()
  await new Promise((resolve) => setTimeout(resolve, 10))
  collections = 0
  const before = process.memoryUsage()
  for (let i = 0; i < count; i++) await validate(i)
  const after = process.memoryUsage()
  await new Promise((resolve) => setTimeout(resolve, 10))
  if (collections === 0) {
    perValidation =
      (after.heapUsed - before.heapUsed + (after.arrayBuffers - before.arrayBuffers)) / count
    break
  }
}

// The long run: 100 in flight, like a busy server.
gc()
const mb = () => process.memoryUsage().heapUsed / 1024 / 1024
const start = mb()
let peak = start
const started = performance.now()
for (let done = 0; done < total; done += 100) {
  await Promise.all(Array.from({ length: 100 }, (_, k) => validate(done + k)))
  if (done % 100_000 === 0) peak = Math.max(peak, mb())
}
const seconds = (performance.now() - started) / 1000
gc()
const end = mb()
await provider.close()
console.log(JSON.stringify({ perValidation, start, peak, end, total, seconds }))
