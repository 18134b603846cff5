/**
 * Runs the TLS testbed provider (PAR, JAR, JARM, mTLS, FAPI 2.0) for the examples and manual
 * checks: `npx tsx testbed/serve-fapi.ts <folder>`. Writes the test CA, the `par-tls` /
 * `fapi-mtls` client certificate, the 127.0.0.1 server certificate and the `par-private-key-jwt` / `fapi-dpop` private JWK into
 * <folder> (TEST-ONLY material). Ctrl-C stops it.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { FAPI_REDIRECT_URI, fapiClients, startFapiProvider } from './fapi.js'

const [folder] = process.argv.slice(2)
if (folder === undefined) {
  console.error('usage: tsx testbed/serve-fapi.ts <folder for the CA, client certificate and key>')
  process.exit(2)
}
mkdirSync(folder, { recursive: true })

const op = await startFapiProvider()
const { ca, mtlsClient, server } = op.certificates
writeFileSync(join(folder, 'ca.pem'), ca)
writeFileSync(join(folder, 'client.pem'), mtlsClient.cert)
writeFileSync(join(folder, 'client.key'), mtlsClient.key, { mode: 0o600 })
writeFileSync(join(folder, 'server.pem'), server.cert)
writeFileSync(join(folder, 'server.key'), server.key, { mode: 0o600 })
writeFileSync(join(folder, 'client-key.json'), JSON.stringify(op.clientKey), { mode: 0o600 })
console.log(`issuer        ${op.issuer}   (trust ${join(folder, 'ca.pem')})`)
console.log(`mTLS aliases  ${op.mtlsOrigin}`)
console.log(`redirect URI  ${FAPI_REDIRECT_URI}`)
console.log('clients')
for (const client of Object.values(fapiClients)) {
  const secret = 'clientSecret' in client ? `  secret: ${JSON.stringify(client.clientSecret)}` : ''
  console.log(`  ${client.clientId.padEnd(20)}${secret}`)
}
console.log('login: any username and password on the development login page')

const shutdown = () => {
  op.stop().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error)
      process.exit(1)
    },
  )
}
process.once('SIGINT', shutdown)
process.once('SIGTERM', shutdown)
