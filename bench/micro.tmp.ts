import { generateKeyPairSync, verify, createPublicKey } from 'node:crypto'
import { SignJWT } from 'jose'
import { validateToken, ProviderCache } from '/work/main/src/index.js'
const alg = process.argv[2] ?? 'RS256'
const pair = alg === 'ES256' ? generateKeyPairSync('ec', { namedCurve: 'P-256' }) : alg === 'EdDSA' ? generateKeyPairSync('ed25519') : generateKeyPairSync('rsa', { modulusLength: 2048 })
const jwk = { ...pair.publicKey.export({ format: 'jwk' }), kid: 'k1', use: 'sig' }
const ISS = 'https://id.example.com'
const disco = { issuer: ISS, authorization_endpoint: ISS + '/a', token_endpoint: ISS + '/t', jwks_uri: ISS + '/jwks', response_types_supported: ['code'], subject_types_supported: ['public'], id_token_signing_alg_values_supported: ['RS256'] }
const f: typeof fetch = async (u) => new Response(JSON.stringify(String(u).endsWith('jwks') ? { keys: [jwk] } : disco))
const now = Math.floor(Date.now() / 1000)
const tokens = await Promise.all(Array.from({ length: 100 }, (_, i) => new SignJWT({ iss: ISS, aud: 'my-api', sub: 'user-' + i, scope: 'api:read api:write', client_id: 'svc', jti: 'jti-' + i }).setProtectedHeader({ alg, kid: 'k1', typ: 'at+jwt' }).setIssuedAt(now).setNotBefore(now).setExpirationTime(now + 3600).sign(pair.privateKey)))
const config = { performDisco: true, audience: 'my-api', cache: new ProviderCache(), fetch: f }
await validateToken(tokens[0]!, config, ISS)
const key = pair.publicKey
const hash = alg === 'EdDSA' ? null : 'sha256'
const vk = alg === 'ES256' ? { key, dsaEncoding: 'ieee-p1363' as const } : key
function raw(n: number) { let ok = 0; for (let i = 0; i < n; i++) { const t = tokens[i % 100]!; const d = t.lastIndexOf('.'); if (verify(hash, Buffer.from(t.slice(0, d)), vk, Buffer.from(t.slice(d + 1), 'base64url'))) ok++ } return ok }
async function ours(n: number) { for (let i = 0; i < n; i++) await validateToken(tokens[i % 100]!, config, ISS) }
const N = Number(process.argv[3] ?? 5000)
for (let round = 0; round < 3; round++) {
  let t = performance.now(); raw(N); const r = N / ((performance.now() - t) / 1000)
  t = performance.now(); await ours(N); const o = N / ((performance.now() - t) / 1000)
  console.log(`${alg} raw ${r.toFixed(0)}/s ours ${o.toFixed(0)}/s ratio ${(o / r).toFixed(3)} overhead ${((1e6 / o) - (1e6 / r)).toFixed(1)}us`)
}
