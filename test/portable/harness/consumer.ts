/**
 * A throw-away consumer project, as a user of the package has one: a temp folder with a
 * package.json and `node_modules/identity-model` (a link to the package folder, by default this
 * worktree), so that each runtime's own resolver, or the bundler, meets the package through its
 * `exports` conditions exactly as it would after `npm install`. `jose` is linked beside it for
 * the runtime benchmark.
 *
 * Runtime-neutral TypeScript modules (the suite, the benchmark) are compiled into it with esbuild
 * with the package left as an import: Node, Bun and Deno then run them un-bundled.
 */
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'

/** The worktree: the package under test, and where the runtimes' binaries are installed. */
export const ROOT = resolve(fileURLToPath(import.meta.url), '../../../..')

/** Imports that stay imports in the compiled modules: the runtime resolves them. */
const LEFT_TO_THE_RUNTIME = ['identity-model', 'identity-model/*', 'jose']

export interface Consumer {
  readonly dir: string
  /** The folder `node_modules/identity-model` points at. */
  readonly packageDir: string
  /**
   * Compiles a runtime-neutral module (one that exports `run(input)`) to `<dir>/<name>.mjs`;
   * returns that path.
   */
  module(entry: string, name: string): Promise<string>
  remove(): Promise<void>
}

export interface ConsumerOptions {
  /** The package to install (link); default this worktree. */
  readonly packageDir?: string
}

export async function createConsumer(options: ConsumerOptions = {}): Promise<Consumer> {
  const packageDir = resolve(options.packageDir ?? ROOT)
  if (!existsSync(join(packageDir, 'package.json'))) {
    throw new Error(`no package.json in ${packageDir}`)
  }
  const dir = await mkdtemp(join(tmpdir(), 'identity-model-portable-'))
  try {
    await writeFile(
      join(dir, 'package.json'),
      `${JSON.stringify({ name: 'portable-consumer', private: true, type: 'module' }, null, 2)}\n`,
    )
    await mkdir(join(dir, 'node_modules'))
    await symlink(packageDir, join(dir, 'node_modules', 'identity-model'), 'dir')
    const jose = [join(packageDir, 'node_modules', 'jose'), join(ROOT, 'node_modules', 'jose')]
    await symlink(
      jose.find((candidate) => existsSync(candidate))!,
      join(dir, 'node_modules', 'jose'),
      'dir',
    )
  } catch (error) {
    await rm(dir, { recursive: true, force: true })
    throw error
  }
  return {
    dir,
    packageDir,
    async module(entry, name) {
      const outfile = join(dir, `${name}.mjs`)
      await build({
        entryPoints: [entry],
        outfile,
        bundle: true,
        format: 'esm',
        platform: 'neutral',
        target: 'es2022',
        external: LEFT_TO_THE_RUNTIME,
        logLevel: 'silent',
      })
      return outfile
    },
    remove: () => rm(dir, { recursive: true, force: true }),
  }
}
