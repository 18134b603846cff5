#!/usr/bin/env node
/**
 * `npm run check:package`: the package as a user installs it. Builds nothing itself (the npm
 * script's `pre` step builds); packs `dist/` as `npm publish` would, then:
 * 1. package.json's exports match scripts/entries.json (`npm run package:sync` writes them);
 * 2. the tarball: every exported file is in it, with README, LICENSE and CHANGELOG; no source
 *    maps, no `@internal` in any declaration file, nothing from src/ or test/;
 * 3. are-the-types-wrong (`attw`, every entry point in node10, node16 from CommonJS and ESM,
 *    bundler) and publint (`--strict`) report nothing;
 * 4. the consumer projects in test/package/ (CommonJS: node16 and node10; ESM: nodenext and
 *    bundler) install the tarball, type-check an import (and in CommonJS a `require`) of every
 *    entry point, and run it; the installed `identity-model` binary prints its version.
 * Exits 1 on the first failing step.
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const require = createRequire(import.meta.url)
const { entries } = JSON.parse(readFileSync(resolve(root, 'scripts/entries.json'), 'utf8'))
const manifest = JSON.parse(readFileSync(resolve(root, 'package.json'), 'utf8'))
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm'

let step = 0
function section(title) {
  console.log(`\n[check:package ${++step}] ${title}`)
}
function fail(message) {
  console.error(`check:package: ${message}`)
  process.exit(1)
}
function run(command, args, options = {}) {
  try {
    return execFileSync(command, args, { cwd: root, encoding: 'utf8', stdio: 'pipe', ...options })
  } catch (error) {
    process.stdout.write(error.stdout ?? '')
    process.stderr.write(error.stderr ?? '')
    fail(`${[command, ...args].join(' ')} failed`)
  }
}
const bin = (pkg, file) => resolve(root, 'node_modules', pkg, file)

section('package.json matches scripts/entries.json')
run(process.execPath, [resolve(root, 'scripts/package-exports.mjs'), '--check'])

section('the tarball')
try {
  statSync(resolve(root, 'dist/esm/index.js'))
  statSync(resolve(root, 'dist/cjs/index.cjs'))
} catch {
  fail('dist/ is not built: npm run build')
}
const scratch = mkdtempSync(join(tmpdir(), 'identity-model-pack-'))
process.on('exit', () => rmSync(scratch, { recursive: true, force: true }))
const [packed] = JSON.parse(
  run(npm, ['pack', '--ignore-scripts', '--json', '--pack-destination', scratch]),
)
const tarball = join(scratch, packed.filename)
const files = new Set(packed.files.map((file) => file.path))
const problems = []
for (const required of ['README.md', 'LICENSE', 'CHANGELOG.md', 'package.json']) {
  if (!files.has(required)) problems.push(`${required} is not in the tarball`)
}
const targets = (value) =>
  typeof value === 'string' ? [value] : Object.values(value ?? {}).flatMap(targets)
for (const target of [
  ...targets(manifest.exports),
  ...targets(manifest.imports?.['#crypto-backend']?.import),
  ...targets(manifest.imports?.['#crypto-backend']?.require),
  ...targets(manifest.typesVersions),
  ...targets(manifest.bin),
  manifest.main,
  manifest.module,
  manifest.types,
]) {
  if (!files.has(target.replace(/^\.\//, ''))) problems.push(`${target} is not in the tarball`)
}
for (const file of files) {
  if (/^(src|test|bench|testbed|examples)\//.test(file)) problems.push(`${file} is shipped`)
  if (file.endsWith('.map')) problems.push(`${file}: a source map (none is shipped)`)
  if (
    /\.(js|cjs)$/.test(file) &&
    readFileSync(resolve(root, file), 'utf8').includes('//# sourceMappingURL')
  ) {
    problems.push(`${file} points at a source map`)
  }
  if (/\.d\.c?ts$/.test(file) && readFileSync(resolve(root, file), 'utf8').includes('@internal')) {
    problems.push(`${file} has an @internal member (stripInternal)`)
  }
}
if (problems.length > 0) fail(`\n  ${problems.join('\n  ')}`)
console.log(`${packed.filename}: ${files.size} files, ${packed.size} bytes packed`)

section('are the types wrong (attw)')
const attw = run(process.execPath, [
  bin('@arethetypeswrong/cli', 'dist/index.js'),
  tarball,
  '--format',
  'ascii',
])
// The verdict, then each entry point's line per module mode.
console.log(
  attw
    .slice(attw.indexOf('Build tools:'))
    .replace(/\n\*+\n/g, '\n')
    .trim(),
)

section('publint --strict')
console.log(
  run(process.execPath, [bin('publint', 'src/cli.js'), 'run', tarball, '--strict']).trim(),
)

section('consumer projects (test/package/)')
const tsc = require.resolve('typescript/bin/tsc')
const probes = Object.entries(entries).map(([subpath, { probe }], index) => ({
  specifier: subpath === '.' ? 'identity-model' : `identity-model/${subpath.slice(2)}`,
  probe,
  index,
}))
function consumer(format) {
  const lines = [
    '// Generated by scripts/check-package.mjs from scripts/entries.json: every entry point.',
    ...probes.map(({ specifier, probe, index }) =>
      format === 'cjs'
        ? `import { ${probe} as probe${index} } from '${specifier}'\nimport entry${index} = require('${specifier}')`
        : `import { ${probe} as probe${index} } from '${specifier}'\nimport * as entry${index} from '${specifier}'`,
    ),
    '',
    '/** The types resolved: an unresolved import would be `any` (or an error). */',
    'type IsAny<T> = 0 extends 1 & T ? true : false',
    ...probes.map(({ index }) => `export const typed${index}: IsAny<typeof probe${index}> = false`),
    '',
    'const loaded: [string, unknown, unknown][] = [',
    ...probes.map(
      ({ specifier, probe, index }) => `  ['${specifier}', probe${index}, entry${index}.${probe}],`,
    ),
    ']',
    'for (const [specifier, named, namespace] of loaded) {',
    "  if (typeof named !== 'function' || named !== namespace) throw new Error(specifier + ' did not load')",
    '}',
    `console.log(\`${format}: \${loaded.length} entry points loaded\`)`,
    '',
  ]
  return lines.join('\n')
}
for (const [format, modes] of [
  ['cjs', ['node16', 'node10']],
  ['esm', ['nodenext', 'bundler']],
]) {
  const dir = resolve(root, 'test/package', format)
  for (const generated of ['node_modules', 'out', 'package-lock.json']) {
    rmSync(join(dir, generated), { recursive: true, force: true })
  }
  run(
    npm,
    [
      'install',
      '--no-save',
      '--no-package-lock',
      '--offline',
      '--ignore-scripts',
      '--no-audit',
      '--no-fund',
      tarball,
    ],
    { cwd: dir },
  )
  writeFileSync(join(dir, 'main.ts'), consumer(format))
  for (const mode of modes) {
    run(process.execPath, [tsc, '-p', `tsconfig.${mode}.json`], { cwd: dir })
    const out = join(dir, 'out', mode, 'main.js')
    const ran =
      mode === 'bundler' ? 'type-checked' : run(process.execPath, [out], { cwd: dir }).trim()
    console.log(`${format} (${mode}): ${ran}`)
  }
  const version = run(join(dir, 'node_modules/.bin/identity-model'), ['--version'], { cwd: dir })
  if (version.trim() !== `identity-model ${manifest.version}`) fail(`bin --version: ${version}`)
}
console.log('\ncheck:package: ok')
