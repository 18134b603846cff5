/**
 * The README's first command ends in `npm run demo`: this runs the demo program as a user would
 * (built package, embedded provider) and checks what it prints and that it exits 0.
 */
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { expect, it } from 'vitest'

const run = promisify(execFile)

it('runs the quick start and the middleware use case end to end', async () => {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', 'examples/demo.ts'], {
    timeout: 30_000,
  })
  expect(stdout).toMatch(/Issuer: +http:\/\/127\.0\.0\.1:\d+\n/)
  expect(stdout).toMatch(/Token endpoint: +http:\/\/127\.0\.0\.1:\d+\/token\n/)
  expect(stdout).toMatch(/JWKS URI: +http:\/\/127\.0\.0\.1:\d+\/jwks\n/)
  expect(stdout).toContain('Access token obtained, expires in 600 seconds')
  expect(stdout).toContain('Token valid! Subject: service-basic')
  expect(stdout).toContain('Scopes: api:read api:write')
  expect(stdout).toContain('Token validation failed (signature)')
  expect(stdout).toContain('GET /orders without a token: 401  WWW-Authenticate: Bearer\n')
  expect(stdout).toContain('GET /orders with a valid token: 200')
  expect(stdout).toContain(
    'GET /orders with a token that lacks api:write: 403  WWW-Authenticate: Bearer error="insufficient_scope"',
  )
  // The demo never prints a token.
  expect(stdout).not.toMatch(/eyJ[\w-]+\.eyJ/)
})
