/**
 * The adapter modules must load without Express, Fastify or Hono installed: walk every module
 * an adapter reaches at runtime (type-only imports are erased, as tsc emits them) and collect
 * the packages they import.
 */
import { readFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'
import { describe, expect, it } from 'vitest'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..')

/** The specifiers a module imports at runtime, per file (transpiled once for every walk). */
const specifiersOf = new Map<string, readonly string[]>()
function runtimeSpecifiers(file: string): readonly string[] {
  const known = specifiersOf.get(file)
  if (known !== undefined) return known
  const output = ts.transpileModule(readFileSync(file, 'utf8'), {
    compilerOptions: {
      module: ts.ModuleKind.ESNext,
      target: ts.ScriptTarget.ES2022,
      verbatimModuleSyntax: true,
    },
  }).outputText
  const source = ts.createSourceFile('out.js', output, ts.ScriptTarget.ES2022)
  const specifiers = source.statements.flatMap((statement) =>
    (ts.isImportDeclaration(statement) || ts.isExportDeclaration(statement)) &&
    statement.moduleSpecifier !== undefined &&
    ts.isStringLiteral(statement.moduleSpecifier)
      ? [statement.moduleSpecifier.text]
      : [],
  )
  specifiersOf.set(file, specifiers)
  return specifiers
}

/**
 * @param backend which crypto backend `#crypto-backend` stands for: Node's (what Node picks)
 *   or Web Crypto's (what Workers, Edge runtimes and browsers pick); `#tls-transport` follows.
 */
function runtimeImports(
  entry: string,
  backend: 'node' | 'web' = 'node',
): { packages: Set<string>; files: Set<string> } {
  const packages = new Set<string>()
  const seen = new Set<string>()
  const visit = (file: string): void => {
    if (seen.has(file)) return
    seen.add(file)
    for (const specifier of runtimeSpecifiers(file)) {
      if (specifier.startsWith('.'))
        visit(resolve(dirname(file), specifier.replace(/\.js$/, '.ts')))
      else if (specifier === '#crypto-backend')
        visit(resolve(root, `src/kernel/backend/${backend}.ts`))
      else if (specifier === '#diagnostics')
        visit(resolve(root, `src/diagnostics/backend/${backend === 'node' ? 'node' : 'none'}.ts`))
      // The TLS transport follows the same conditions: node:https on Node, none elsewhere.
      else if (specifier === '#tls-transport')
        visit(resolve(root, `src/http/tls/${backend === 'node' ? 'node' : 'unsupported'}.ts`))
      else packages.add(specifier)
    }
  }
  visit(resolve(root, entry))
  return { packages, files: seen }
}

describe('adapter modules', () => {
  for (const adapter of ['express', 'fastify', 'web', 'hono']) {
    it(`identity-model/${adapter} imports no framework at runtime`, () => {
      const packages = [...runtimeImports(`src/adapters/${adapter}.ts`).packages]
      expect(packages.filter((name) => !name.startsWith('node:'))).toEqual([])
    })
  }

  for (const entry of ['index', 'adapters/web', 'adapters/hono']) {
    it(`src/${entry}.ts with the Web Crypto backend imports nothing at all (no node: module)`, () => {
      const { packages, files } = runtimeImports(`src/${entry}.ts`, 'web')
      expect([...packages]).toEqual([])
      expect([...files].some((file) => file.endsWith('backend/web.ts'))).toBe(true)
    })
  }

  it('the library never imports the CLI', () => {
    const { packages, files } = runtimeImports('src/index.ts')
    expect([...packages].filter((name) => !name.startsWith('node:'))).toEqual([])
    expect(files.size).toBeGreaterThan(20)
    expect([...files].filter((file) => file.includes('/src/cli/'))).toEqual([])
  })
})
