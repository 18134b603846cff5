#!/usr/bin/env node
/**
 * Writes package.json's `exports`, `typesVersions`, `imports`, `main`, `module` and `types` from
 * scripts/entries.json, the one list of public entry points. `--check` changes nothing and exits 1
 * when package.json differs from what the list gives (CI runs it: `npm run check:package`).
 *
 * Each entry `./x` → `{ source: 'src/y.ts' }` resolves, in every TypeScript module mode:
 * - `import` (node16/nodenext from ESM, bundler): dist/esm/y.js and dist/esm/y.d.ts;
 * - `require` (node16/nodenext from CommonJS): dist/cjs/y.cjs and dist/cjs/y.d.cts;
 * - node10 (`moduleResolution: node`, no `exports`): `main`/`types` for the root and
 *   `typesVersions` for each subpath, both on the CommonJS build.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { isDeepStrictEqual } from 'node:util'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const { entries, cryptoBackend, diagnostics, tlsTransport } = JSON.parse(
  readFileSync(resolve(root, 'scripts/entries.json'), 'utf8'),
)

/** `src/adapters/web.ts` → `adapters/web` */
function stem(source) {
  if (!/^src\/.+\.ts$/.test(source)) throw new Error(`entries.json: ${source} is not src/**/*.ts`)
  return source.slice('src/'.length, -'.ts'.length)
}
const js = (format, source) => `./dist/${format}/${stem(source)}.${format === 'cjs' ? 'cjs' : 'js'}`
const dts = (format, source) =>
  `./dist/${format}/${stem(source)}.${format === 'cjs' ? 'd.cts' : 'd.ts'}`

export function generate() {
  const exports = {}
  const typesVersions = {}
  for (const [subpath, { source }] of Object.entries(entries)) {
    exports[subpath] = {
      import: { types: dts('esm', source), default: js('esm', source) },
      require: { types: dts('cjs', source), default: js('cjs', source) },
    }
    if (subpath !== '.') typesVersions[subpath.slice(2)] = [dts('cjs', source)]
  }
  exports['./package.json'] = './package.json'

  // The crypto backend, by condition: Web Crypto on workers, edge runtimes and browsers and by
  // default, node:crypto on Node and Bun, and on Deno node:crypto but for ECDSA verification
  // (each measured faster there: docs/runtimes.md). A seam without a `deno` file gives Deno its
  // `node` one. `identity-model-source` is for type-checking the sources in this repository
  // (tsconfig.json's customConditions); no consumer sets it.
  const backend = (format, seam = cryptoBackend) => {
    const web = js(format, seam.web)
    const node = js(format, seam.node)
    const deno = seam.deno === undefined ? node : js(format, seam.deno)
    return {
      types: dts(format, seam.types),
      workerd: web,
      worker: web,
      browser: web,
      'edge-light': web,
      deno,
      bun: node,
      node,
      default: web,
    }
  }
  const imports = {
    '#crypto-backend': {
      'identity-model-source': `./${cryptoBackend.types}`,
      import: backend('esm'),
      require: backend('cjs'),
    },
    // Diagnostics channels (node:diagnostics_channel) on Node, Bun and Deno; silent elsewhere.
    '#diagnostics': {
      'identity-model-source': `./${diagnostics.types}`,
      import: backend('esm', diagnostics),
      require: backend('cjs', diagnostics),
    },
    // The client certificate transport (node:https) on Node, Bun and Deno; a clear error elsewhere.
    '#tls-transport': {
      'identity-model-source': `./${tlsTransport.types}`,
      import: backend('esm', tlsTransport),
      require: backend('cjs', tlsTransport),
    },
  }
  return {
    exports,
    typesVersions: { '*': typesVersions },
    imports,
    main: js('cjs', entries['.'].source),
    module: js('esm', entries['.'].source),
    types: dts('cjs', entries['.'].source),
  }
}

/** The subpaths and their source files, for the other scripts. */
export { entries }

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const path = resolve(root, 'package.json')
  const manifest = JSON.parse(readFileSync(path, 'utf8'))
  const fields = generate()
  const stale = Object.keys(fields).filter((key) => !isDeepStrictEqual(manifest[key], fields[key]))
  if (process.argv.includes('--check')) {
    if (stale.length > 0) {
      console.error(
        `package.json: ${stale.join(', ')} differ from scripts/entries.json; run npm run package:sync`,
      )
      process.exit(1)
    }
    console.log('package.json exports match scripts/entries.json')
  } else if (stale.length > 0) {
    // Keep the key order: replace in place, add new keys after `exports`.
    const next = {}
    for (const [key, value] of Object.entries(manifest)) {
      next[key] = key in fields ? fields[key] : value
      if (key === 'exports')
        for (const k of Object.keys(fields)) if (!(k in manifest)) next[k] = fields[k]
    }
    writeFileSync(path, `${JSON.stringify(next, null, 2)}\n`)
    console.log(`package.json: wrote ${stale.join(', ')}`)
  }
}
