#!/usr/bin/env node
/**
 * `npm run check:docs`: every ```ts block of README.md and docs/**\/*.md (not docs/api/) is
 * type-checked against the built package, as a user would paste it: each block is its own ES
 * module in a scratch folder inside this repository, where `identity-model` resolves to the
 * package itself (exports → dist/) and express, fastify, hono and redis to the devDependencies.
 *
 * A block that is on purpose a fragment (it continues an earlier block, or elides with `...`)
 * is fenced ```ts fragment and skipped. A block that continues the previous one in the same
 * file is fenced ```ts continued: it is checked appended to that block.
 *
 * What a guide's blocks take as given (the discovery result, the framework's `req`, `app`) is
 * declared in an HTML comment of that file, which neither GitHub nor npm shows:
 *   <!-- check:docs
 *   declare const disco: import('identity-model').DiscoverySuccess
 *   -->
 * Each block gets the declarations of the names it uses and does not declare or import itself.
 * A block imports what it calls from the library, unless an earlier block of the guide did (the
 * comment then declares those functions as `typeof import('identity-model').name`).
 */
import { execFileSync } from 'node:child_process'
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const scratch = resolve(root, '.docs-check')

function markdownFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) return path === resolve(root, 'docs/api') ? [] : markdownFiles(path)
    return entry.name.endsWith('.md') ? [path] : []
  })
}

/** `declare const x: T` lines of the file's `<!-- check:docs ... -->` comments, by name. */
function context(text) {
  const declared = new Map()
  for (const [, body] of text.matchAll(/<!-- check:docs\n([\s\S]*?)-->/g)) {
    for (const line of body.split('\n')) {
      const name = /^declare (?:const|function|let) (\w+)/.exec(line.trim())?.[1]
      if (name) declared.set(name, line.trim())
    }
  }
  return declared
}

/** The declarations of the context names `code` uses without declaring or importing them. */
function given(code, declared) {
  const text = code.join('\n')
  return [...declared]
    .filter(([name]) => new RegExp(`\\b${name}\\b`).test(text))
    .filter(
      ([name]) =>
        !new RegExp(
          `\\b(const|let|var|function|class)\\s+${name}\\b|import\\s+(type\\s+)?(\\{[^}]*\\b${name}\\b[^}]*\\}|${name}\\b|\\*\\s+as\\s+${name}\\b)`,
        ).test(text),
    )
    .map(([, line]) => line)
}

/** The ```ts blocks of a Markdown file, with their first line and fence info. */
function blocks(file) {
  const lines = readFileSync(file, 'utf8').split('\n')
  const found = []
  let open
  lines.forEach((line, index) => {
    const fence = /^```(\S*)\s*(.*)$/.exec(line)
    if (open === undefined && fence && ['ts', 'typescript'].includes(fence[1])) {
      open = { line: index + 2, info: fence[2].trim(), code: [] }
    } else if (open !== undefined && line.startsWith('```')) {
      found.push(open)
      open = undefined
    } else if (open !== undefined) {
      open.code.push(line)
    }
  })
  return found
}

rmSync(scratch, { recursive: true, force: true })
mkdirSync(scratch)
const sources = new Map()
let skipped = 0
for (const file of [resolve(root, 'README.md'), ...markdownFiles(resolve(root, 'docs'))]) {
  let previous
  const declared = context(readFileSync(file, 'utf8'))
  for (const block of blocks(file)) {
    if (block.info === 'fragment') {
      skipped++
      continue
    }
    const own =
      block.info === 'continued' && previous !== undefined
        ? [...previous.code, ...block.code]
        : block.code
    const code = [...given(own, declared), ...own]
    const name = `${relative(root, file).replace(/[/.]/g, '_')}_${block.line}.ts`
    writeFileSync(join(scratch, name), `${code.join('\n')}\nexport {}\n`)
    sources.set(name, {
      file: relative(root, file),
      line: block.line,
      offset: code.length - block.code.length,
    })
    previous = { code: own }
  }
}
writeFileSync(
  join(scratch, 'tsconfig.json'),
  JSON.stringify({
    compilerOptions: {
      target: 'ES2022',
      lib: ['ES2023', 'DOM'],
      module: 'NodeNext',
      moduleResolution: 'NodeNext',
      types: ['node'],
      strict: true,
      noEmit: true,
      skipLibCheck: true,
      isolatedModules: true,
    },
    include: ['*.ts'],
  }),
)

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc')
let output = ''
try {
  execFileSync(process.execPath, [tsc, '-p', scratch, '--pretty', 'false'], {
    cwd: root,
    encoding: 'utf8',
    stdio: 'pipe',
  })
} catch (error) {
  output = `${error.stdout ?? ''}${error.stderr ?? ''}`
}
// `.docs-check/README_md_40.ts(12,5): error TS...` → `README.md:51: error TS...`
const errors = output
  .split('\n')
  .filter((line) => line.trim() !== '')
  .map((line) => {
    const at = /^(?:\.docs-check\/)?([^(]+\.ts)\((\d+),(\d+)\): (.*)$/.exec(line)
    const source = at && sources.get(at[1])
    if (!source) return line
    return `${source.file}:${source.line + Number(at[2]) - 1 - source.offset}: ${at[4]}`
  })
if (!process.argv.includes('--keep')) rmSync(scratch, { recursive: true, force: true })
if (errors.length > 0) {
  console.error(errors.join('\n'))
  console.error(`check:docs: ${errors.length} error(s) in ${sources.size} TypeScript blocks`)
  process.exit(1)
}
console.log(`check:docs: ${sources.size} TypeScript blocks compile (${skipped} fragments skipped)`)
