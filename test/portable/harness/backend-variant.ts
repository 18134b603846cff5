/**
 * A copy of the built package whose `imports` map sends `#crypto-backend` to one backend on every
 * runtime: the runtime benchmark measures both backends on Bun and Deno with it (to choose the
 * `bun` and `deno` conditions), and a consumer can be pointed at it (`createConsumer({
 * packageDir })`) to run anything with the backend a runtime would not pick by itself.
 */
import { cp, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ROOT } from './consumer.js'

/** A file of src/kernel/backend/: `deno` is node:crypto with ECDSA verification through Web Crypto. */
export type BackendName = 'node' | 'web' | 'deno'

export interface BackendVariant {
  readonly backend: BackendName
  /** The package folder (package.json, dist, node_modules linked to the worktree's). */
  readonly dir: string
  remove(): Promise<void>
}

/** Copies `dist` and package.json of the worktree (built first) with the backend forced. */
export async function backendVariant(backend: BackendName): Promise<BackendVariant> {
  const dir = await mkdtemp(join(tmpdir(), `identity-model-${backend}-backend-`))
  try {
    const manifest = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as {
      imports: Record<string, unknown>
    }
    manifest.imports = {
      ...manifest.imports,
      '#crypto-backend': { default: `./dist/esm/kernel/backend/${backend}.js` },
    }
    await writeFile(join(dir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`)
    await cp(join(ROOT, 'dist'), join(dir, 'dist'), { recursive: true })
    // The package's own dependencies (jose), resolved from its folder as after `npm install`.
    await symlink(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir')
  } catch (error) {
    await rm(dir, { recursive: true, force: true })
    throw error
  }
  return { backend, dir, remove: () => rm(dir, { recursive: true, force: true }) }
}
