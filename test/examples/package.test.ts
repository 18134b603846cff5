/**
 * The built package as a user installs it: `import` and `require()` both load it on Node >= 20.19,
 * with every public subpath that exists.
 */
import { execFile } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, expect, it } from 'vitest'

const run = promisify(execFile)
const project = mkdtempSync(join(tmpdir(), 'identity-model-consumer-'))
mkdirSync(join(project, 'node_modules'))
symlinkSync(resolve('.'), join(project, 'node_modules', 'identity-model'))
afterAll(() => rmSync(project, { recursive: true, force: true }))

const probe = `
  const root = load('identity-model'), express = load('identity-model/express')
  console.log([typeof root.validateToken, typeof root.getDiscoveryDocument, typeof root.IdentityModelError, typeof express.requireToken].join(' '))
`

it('loads with require() from CommonJS', async () => {
  const { stdout } = await run(process.execPath, ['-e', `const load = require; ${probe}`], {
    cwd: project,
  })
  expect(stdout.trim()).toBe('function function function function')
})

it('loads with import from ESM', async () => {
  const { stdout } = await run(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      "import { validateToken } from 'identity-model'; import { requireToken } from 'identity-model/express'; console.log(typeof validateToken, typeof requireToken)",
    ],
    { cwd: project },
  )
  expect(stdout.trim()).toBe('function function')
})
