/**
 * Loads the package under test by its public names, `identity-model`, `identity-model/web` and `identity-model/hono`,
 * as a user's code would: the runtime's resolver (Node, Bun, Deno) or the bundler (workerd,
 * Chromium) picks the files through the package's `exports` conditions. The import is dynamic
 * so that the suite's own cases still run, and report why, when the package cannot load.
 */
import type * as Core from 'identity-model'
import type * as Hono from 'identity-model/hono'
import type * as Web from 'identity-model/web'

export interface Package {
  readonly core: typeof Core
  readonly web: typeof Web
  readonly hono: typeof Hono
}

export async function loadPackage(): Promise<Package> {
  const [core, web, hono] = await Promise.all([
    import('identity-model'),
    import('identity-model/web'),
    import('identity-model/hono'),
  ])
  return { core, web, hono }
}
