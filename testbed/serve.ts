/**
 * Runs the testbed provider for manual checks: `npx tsx testbed/serve.ts [port]`.
 * Ctrl-C stops it.
 */
import { clients, resources, startProvider } from './provider.js'

const [portArgument] = process.argv.slice(2)
const port = portArgument === undefined ? 0 : Number(portArgument)
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`usage: tsx testbed/serve.ts [port]   (got "${portArgument}")`)
  process.exit(2)
}

const op = await startProvider({ port })
console.log(`issuer     ${op.issuer}`)
console.log(`discovery  ${op.discoveryUrl}`)
console.log(`resources  ${resources.api} (JWT, aud my-api), ${resources.opaque} (opaque)`)
console.log('clients')
for (const client of Object.values(clients)) {
  const secret = 'clientSecret' in client ? `  secret: ${JSON.stringify(client.clientSecret)}` : ''
  console.log(`  ${client.clientId.padEnd(18)}${secret}`)
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
