#!/usr/bin/env node
/**
 * `npm run build`: the same sources twice, ESM into dist/esm (`.js`, `.d.ts`) and CommonJS into
 * dist/cjs (`.cjs`, `.d.cts`: tsc emits `.js`, renamed here with the relative specifiers in
 * `require()` and type imports). No nested package.json: one package scope, so Node and
 * TypeScript resolve `#crypto-backend` through the root package.json's `imports` for both builds
 * (scripts/package-exports.mjs).
 */
import { execFileSync } from 'node:child_process'
import { chmodSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc')

rmSync(resolve(root, 'dist'), { recursive: true, force: true })
for (const project of ['tsconfig.build.json', 'tsconfig.build-cjs.json']) {
  try {
    execFileSync(process.execPath, [tsc, '-p', project], { cwd: root, stdio: 'inherit' })
  } catch {
    console.error(`build: tsc -p ${project} failed`)
    process.exit(1)
  }
}

/** `./a.js` → `./a.cjs` in `require("./a.js")`, `from './a.js'` and `import("./a.js")`. */
const relative = /((?:require\(|from |import\()\s*)(["'])(\.\.?\/[^"']+)\.js\2/g
function toCommonJs(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) {
      toCommonJs(path)
      continue
    }
    const target = entry.name.endsWith('.d.ts')
      ? `${path.slice(0, -'.d.ts'.length)}.d.cts`
      : entry.name.endsWith('.js')
        ? `${path.slice(0, -'.js'.length)}.cjs`
        : undefined
    if (target === undefined) continue
    const text = readFileSync(path, 'utf8')
    writeFileSync(
      path,
      text.replace(relative, (_, head, quote, stem) => `${head}${quote}${stem}.cjs${quote}`),
    )
    renameSync(path, target)
  }
}
toCommonJs(resolve(root, 'dist/cjs'))
chmodSync(resolve(root, 'dist/esm/cli/main.js'), 0o755)
