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

function runtimeImports(entry: string): { packages: Set<string>; files: Set<string> } {
  const packages = new Set<string>()
  const seen = new Set<string>()
  const visit = (file: string): void => {
    if (seen.has(file)) return
    seen.add(file)
    const output = ts.transpileModule(readFileSync(file, 'utf8'), {
      compilerOptions: {
        module: ts.ModuleKind.ESNext,
        target: ts.ScriptTarget.ES2022,
        verbatimModuleSyntax: true,
      },
    }).outputText
    const source = ts.createSourceFile('out.js', output, ts.ScriptTarget.ES2022)
    for (const statement of source.statements) {
      const specifier =
        (ts.isImportDeclaration(statement) || ts.isExportDeclaration(statement)) &&
        statement.moduleSpecifier !== undefined &&
        ts.isStringLiteral(statement.moduleSpecifier)
          ? statement.moduleSpecifier.text
          : undefined
      if (specifier === undefined) continue
      if (specifier.startsWith('.'))
        visit(resolve(dirname(file), specifier.replace(/\.js$/, '.ts')))
      else packages.add(specifier)
    }
  }
  visit(resolve(root, entry))
  return { packages, files: seen }
}

describe('adapter modules', () => {
  for (const adapter of ['express', 'fastify', 'web']) {
    it(`identity-model/${adapter} imports no framework at runtime`, () => {
      const packages = [...runtimeImports(`src/adapters/${adapter}.ts`).packages]
      expect(packages.filter((name) => !name.startsWith('node:'))).toEqual(['jose'])
    })
  }

  it('the library never imports the CLI', () => {
    const { packages, files } = runtimeImports('src/index.ts')
    expect([...packages].filter((name) => !name.startsWith('node:'))).toEqual(['jose'])
    expect(files.size).toBeGreaterThan(20)
    expect([...files].filter((file) => file.includes('/src/cli/'))).toEqual([])
  })
})
