/**
 * Bundling for the runtimes that take one file: workerd (as Wrangler would: platform neutral,
 * conditions workerd, worker, browser) and Chromium (platform browser). When the package cannot
 * be bundled, the reason is made explicit (which package module pulled which import, and through
 * which chain from the package entry), and a second bundle is built in which importing
 * `identity-model` throws that reason: the runner and the suite's own cases still run, and every
 * package case fails with it.
 */
import { relative, resolve } from 'node:path'
import { type BuildOptions, build, type Message, type Metafile, type Plugin } from 'esbuild'
import type { Consumer } from './consumer.js'

export type BundleTarget = 'workerd' | 'chromium'

/** esbuild settings per target, as the usual tools for each set them. */
export const BUNDLE_SETTINGS: Record<BundleTarget, BuildOptions> = {
  workerd: {
    platform: 'neutral',
    conditions: ['workerd', 'worker', 'browser'],
    mainFields: ['module', 'main'],
  },
  chromium: { platform: 'browser' },
}

export interface Bundle {
  readonly code: string
  /** Set when the package could not be bundled: the code then holds the throwing stand-in. */
  readonly failure?: { readonly summary: string; readonly details: string }
}

export async function bundle(
  target: BundleTarget,
  consumer: Consumer,
  entry: string,
): Promise<Bundle> {
  const options: BuildOptions = {
    ...BUNDLE_SETTINGS[target],
    entryPoints: [entry],
    absWorkingDir: consumer.dir,
    bundle: true,
    format: 'esm',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
  }
  try {
    const result = await build(options)
    return { code: result.outputFiles![0]!.text }
  } catch (error) {
    const errors = (error as { errors?: Message[] }).errors
    if (errors === undefined) throw error
    const failure = await explain(target, consumer, options, errors)
    const fallback = await build({ ...options, plugins: [unavailablePackage(failure.summary)] })
    return { code: fallback.outputFiles![0]!.text, failure }
  }
}

/** `Could not resolve "node:crypto"` in dist/a.js → `node:crypto ← dist/a.js ← dist/index.js`. */
async function explain(
  target: BundleTarget,
  consumer: Consumer,
  options: BuildOptions,
  errors: readonly Message[],
): Promise<{ summary: string; details: string }> {
  const show = (file: string) => relative(consumer.packageDir, resolve(consumer.dir, file))
  const unresolved = errors.flatMap((message) => {
    const specifier = /^Could not resolve "([^"]+)"/.exec(message.text)?.[1]
    return specifier === undefined || message.location === null
      ? []
      : [{ specifier, file: message.location.file }]
  })
  const others = errors.filter((message) => !/^Could not resolve "/.test(message.text))
  // Build again with the unresolved imports left out, to learn who imports whom.
  let metafile: Metafile | undefined
  if (others.length === 0) {
    try {
      const external = [...new Set(unresolved.map((u) => u.specifier))]
      metafile = (await build({ ...options, external, metafile: true })).metafile
    } catch {
      metafile = undefined
    }
  }
  const parents =
    metafile === undefined ? new Map<string, string>() : importers(metafile, entryOf(options))
  const chain = (file: string): string => {
    const links: string[] = []
    for (
      let at: string | undefined = file;
      at !== undefined && links.length < 12;
      at = parents.get(at)
    ) {
      if (show(at).startsWith('..')) break // stop at the consumer's own files (the suite)
      links.push(show(at))
    }
    return links.join(' ← ')
  }
  const specifiers = [...new Set(unresolved.map((u) => u.specifier))]
  const files = new Set(unresolved.map((u) => u.file))
  const settings = BUNDLE_SETTINGS[target]
  const how = `esbuild, platform ${settings.platform}${settings.conditions ? `, conditions ${settings.conditions.join(',')}` : ''}`
  const summary =
    unresolved.length > 0
      ? `identity-model does not bundle for ${target} (${how}): ${files.size} of its modules import ${specifiers.join(', ')}`
      : `identity-model does not bundle for ${target} (${how}): ${errors[0]?.text ?? 'unknown error'}`
  const lines = [
    ...unresolved.map((u) => `  ${u.specifier} ← ${chain(u.file) || show(u.file)}`),
    ...others.map(
      (message) =>
        `  ${message.text}${message.location ? ` (${show(message.location.file)})` : ''}`,
    ),
  ]
  return { summary, details: `${summary}:\n${lines.join('\n')}` }
}

function entryOf(options: BuildOptions): string {
  return (options.entryPoints as string[])[0]!
}

/** Each input's first importer, breadth-first from the entry (the shortest chain). */
function importers(metafile: Metafile, entry: string): Map<string, string> {
  const parents = new Map<string, string>()
  const start = Object.keys(metafile.inputs).find((input) =>
    entry.endsWith(input.replace(/^\.\//, '')),
  )
  if (start === undefined) return parents
  const queue = [start]
  const seen = new Set(queue)
  while (queue.length > 0) {
    const file = queue.shift()!
    for (const { path, external } of metafile.inputs[file]?.imports ?? []) {
      if (external || seen.has(path)) continue
      seen.add(path)
      parents.set(path, file)
      queue.push(path)
    }
  }
  return parents
}

/** Resolves the package's names to a module that throws `reason` when it is evaluated. */
function unavailablePackage(reason: string): Plugin {
  return {
    name: 'unavailable-package',
    setup(plugin) {
      plugin.onResolve({ filter: /^identity-model(\/.*)?$/ }, (args) => ({
        path: args.path,
        namespace: 'unavailable-package',
      }))
      plugin.onLoad({ filter: /.*/, namespace: 'unavailable-package' }, () => ({
        contents: `throw new Error(${JSON.stringify(reason)})\nexport {}\n`,
        loader: 'js',
      }))
    },
  }
}
