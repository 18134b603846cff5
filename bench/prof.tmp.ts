import { makeKey, makeTokens, startLocalProvider } from './lib/fixtures.js'
import { ours } from './lib/contenders.js'
const alg = (process.argv[2] ?? 'HS256') as 'HS256'
const key = makeKey(alg)
const provider = await startLocalProvider(alg === 'HS256' ? [] : [key.publicJwk])
const tokens = await makeTokens(key, provider.issuer, 200)
const v = ours(key, provider.issuer)
const n = Number(process.argv[3] ?? 300000)
const c0 = process.cpuUsage()
for (let i = 0; i < n; i++) await v(tokens[i % 200]!)
const c = process.cpuUsage(c0)
console.log(alg, (n / ((c.user + c.system) / 1e6)).toFixed(0), '/cpu-s')
await provider.close()
