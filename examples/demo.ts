/**
 * `npm run demo`: the quick start end to end against an embedded OpenID Provider
 * (oidc-provider on 127.0.0.1, a free port), then the API-middleware use case with Express.
 * No account anywhere; finishes in a few seconds and exits 0.
 */
import type { AddressInfo } from 'node:net'
import express from 'express'
import { requestClientCredentialsToken, validateToken } from 'identity-model'
import { requireToken } from 'identity-model/express'
import { clients, startProvider } from '../testbed/provider.js'
import { explain, quickStart } from './quick-start.js'

const AUDIENCE = 'my-api'

function heading(text: string): void {
  console.log(`\n== ${text}`)
}

const op = await startProvider()
console.log(`Embedded OpenID Provider running at ${op.issuer}`)
const discoAddress = op.discoveryUrl

try {
  heading('Quick start: discovery, client credentials, validation')
  const { accessToken } = await quickStart({
    discoAddress,
    clientId: clients.serviceBasic.clientId,
    clientSecret: clients.serviceBasic.clientSecret,
    scope: 'api:read api:write',
    audience: AUDIENCE,
  })

  heading('A tampered token is rejected')
  const [header, payload, signature] = accessToken.split('.') as [string, string, string]
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString())
  const forged = Buffer.from(JSON.stringify({ ...claims, scope: 'admin' })).toString('base64url')
  try {
    await validateToken(
      `${header}.${forged}.${signature}`,
      { performDisco: true, audience: AUDIENCE },
      discoAddress,
    )
    throw new Error('the tampered token was accepted')
  } catch (error) {
    console.log(explain(error))
  }

  heading('Use case 2: an Express route protected by requireToken')
  const app = express()
  app.get(
    '/orders',
    requireToken({
      discoDocAddress: discoAddress,
      audience: AUDIENCE,
      requiredScopes: 'api:write',
    }),
    (req, res) => {
      res.json({ message: `Hello ${req.userClaims?.sub}`, scope: req.userClaims?.scope })
    },
  )
  const server = app.listen(0, '127.0.0.1')
  await new Promise((resolve) => server.once('listening', resolve))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/orders`

  const readonly = await requestClientCredentialsToken({
    address: `${op.issuer}/token`,
    ...clients.serviceReadonly,
    scope: 'api:read',
  })
  if (!readonly.isSuccessful) throw new Error(readonly.error)

  const calls: [string, Record<string, string>][] = [
    ['without a token', {}],
    ['with a valid token', { authorization: `Bearer ${accessToken}` }],
    [
      'with a token that lacks api:write',
      { authorization: `Bearer ${readonly.token.access_token}` },
    ],
  ]
  for (const [label, headers] of calls) {
    const response = await fetch(url, { headers })
    const challenge = response.headers.get('www-authenticate')
    console.log(
      `GET /orders ${label}: ${response.status}${challenge ? `  WWW-Authenticate: ${challenge}` : ''}`,
    )
    if (response.ok) console.log(`  ${await response.text()}`)
  }
  server.close()
  console.log('\nDone.')
} finally {
  await op.stop()
}
