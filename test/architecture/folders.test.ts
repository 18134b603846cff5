/**
 * The layout of `src/`: no import cycle between its folders (issue 10), and the lower layers
 * stay unaware of the higher ones. Reads every import and export of every source file
 * (type-only ones too: a cycle in types is still a cycle for a reader).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../../src')
const SPECIFIER = /(?:^|\n)\s*(?:import|export)\b[^'";]*?from\s*'([^']+)'/g

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    return statSync(path).isDirectory() ? files(path) : path.endsWith('.ts') ? [path] : []
  })
}

/** The top-level folder of a source file (`.` for files directly in src/). */
function folderOf(file: string): string {
  const parts = relative(SRC, file).split(sep)
  return parts.length === 1 ? '.' : parts[0]!
}

function folderGraph(): Map<string, Set<string>> {
  const graph = new Map<string, Set<string>>()
  for (const file of files(SRC)) {
    const from = folderOf(file)
    const edges = graph.get(from) ?? new Set<string>()
    graph.set(from, edges)
    for (const match of readFileSync(file, 'utf8').matchAll(SPECIFIER)) {
      const specifier = match[1]!
      if (!specifier.startsWith('.')) continue
      const to = folderOf(resolve(dirname(file), specifier))
      if (to !== from && to !== '.') edges.add(to)
    }
  }
  return graph
}

/** Every cycle's folders, found by a depth-first search (empty when the graph is acyclic). */
function cycles(graph: Map<string, Set<string>>): string[][] {
  const found: string[][] = []
  const state = new Map<string, 'open' | 'done'>()
  const stack: string[] = []
  const visit = (node: string): void => {
    state.set(node, 'open')
    stack.push(node)
    for (const next of graph.get(node) ?? []) {
      if (state.get(next) === 'open') found.push([...stack.slice(stack.indexOf(next)), next])
      else if (state.get(next) === undefined) visit(next)
    }
    stack.pop()
    state.set(node, 'done')
  }
  for (const node of [...graph.keys()].sort()) if (!state.has(node)) visit(node)
  return found
}

describe('src/ folder layout', () => {
  const graph = folderGraph()

  it('has no import cycle between folders', () => {
    expect(cycles(graph).map((cycle) => cycle.join(' → '))).toEqual([])
  })

  it('finds cycles when there are some (the check itself works)', () => {
    const sample = new Map([
      ['a', new Set(['b'])],
      ['b', new Set(['c'])],
      ['c', new Set(['a'])],
    ])
    expect(cycles(sample)).toEqual([['a', 'b', 'c', 'a']])
  })

  it('keeps the lower layers free of the higher ones', () => {
    const lower: Record<string, readonly string[]> = {
      kernel: ['internal'],
      http: ['internal'],
      internal: [],
      diagnostics: ['http', 'internal', 'kernel'],
      cache: ['diagnostics', 'http', 'internal', 'kernel'],
      'client-auth': ['http', 'internal', 'kernel'],
      dpop: ['http', 'internal', 'kernel'],
    }
    for (const [folder, allowed] of Object.entries(lower)) {
      const extra = [...(graph.get(folder) ?? [])].filter((to) => !allowed.includes(to))
      expect({ folder, imports: extra }).toEqual({ folder, imports: [] })
    }
  })
})
