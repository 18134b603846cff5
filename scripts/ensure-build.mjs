#!/usr/bin/env node
/**
 * Builds (scripts/build.mjs) unless dist/ is newer than every source and build setting: the
 * pre-step of the checks that read dist/ (check:package, api:check, check:docs), so CI, which
 * has just built for the tests, does not build again.
 */
import { execFileSync } from 'node:child_process'
import { readdirSync, statSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')

function newest(path) {
  const stat = statSync(path)
  if (!stat.isDirectory()) return stat.mtimeMs
  return Math.max(0, ...readdirSync(path).map((name) => newest(join(path, name))))
}

let built = 0
try {
  built = Math.min(
    statSync(resolve(root, 'dist/esm/index.js')).mtimeMs,
    statSync(resolve(root, 'dist/cjs/index.cjs')).mtimeMs,
  )
} catch {
  // not built
}
const inputs = [
  'src',
  'package.json',
  'tsconfig.json',
  'tsconfig.build.json',
  'tsconfig.build-cjs.json',
  'scripts/build.mjs',
]
if (Math.max(...inputs.map((input) => newest(resolve(root, input)))) > built) {
  execFileSync(process.execPath, [resolve(root, 'scripts/build.mjs')], { stdio: 'inherit' })
}
