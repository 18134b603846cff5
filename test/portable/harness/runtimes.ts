/**
 * Runs a compiled runtime-neutral module (one that exports `run(input)`, see consumer.ts) on a
 * runtime and returns what `run` resolved to, as JSON:
 * - Node, Bun, Deno: un-bundled, in the consumer folder, so each runtime's own resolver picks the
 *   package's export conditions (Deno with `--node-modules-dir=manual`, network limited to
 *   127.0.0.1). The output comes back on one marked stdout line.
 * - workerd through Miniflare: bundled (bundle.ts), with NO compatibility flags (no
 *   nodejs_compat, as strict as Vercel's Edge runtime); the worker runs the module on a POST.
 * - Chromium (Debian package, driven by playwright-core): bundled for the browser; the page is
 *   served from `pageOrigin` (the testbed provider's origin, which sends no CORS headers) by
 *   Playwright itself, and every request that does not go to 127.0.0.1 is aborted.
 * Every run is bounded by `timeoutMs`.
 */
import { spawn } from 'node:child_process'
import { writeFile } from 'node:fs/promises'
import { basename, join } from 'node:path'
import { Miniflare } from 'miniflare'
import { launchBrowser } from '../../support/browser.js'
import type { RuntimeName } from '../suite/context.js'
import { type Bundle, bundle } from './bundle.js'
import { type Consumer, ROOT } from './consumer.js'

export const RUNTIMES: readonly RuntimeName[] = ['node', 'bun', 'deno', 'workerd', 'chromium']

/** The compatibility date of the worker; it must not be later than the workerd build's date. */
export const WORKERD_COMPATIBILITY_DATE = '2026-07-01'

export interface RunOptions {
  readonly timeoutMs: number
  /** Chromium: the origin the page is served from. */
  readonly pageOrigin?: string
}

export interface RunOutcome {
  readonly output: unknown
  /** workerd, Chromium: why the package could not be bundled, if it could not. */
  readonly bundleFailure?: Bundle['failure']
  /** Node, Bun, Deno: the process did not exit on its own after reporting (it was killed). */
  readonly lingered?: boolean
  /** The runtime's version, for reports. */
  readonly version: string
}

export async function runOn(
  runtime: RuntimeName,
  consumer: Consumer,
  modulePath: string,
  input: unknown,
  options: RunOptions,
): Promise<RunOutcome> {
  switch (runtime) {
    case 'node':
    case 'bun':
    case 'deno':
      return runProcess(runtime, consumer, modulePath, input, options.timeoutMs)
    case 'workerd':
      return runWorkerd(consumer, modulePath, input, options.timeoutMs)
    case 'chromium':
      if (options.pageOrigin === undefined) throw new TypeError('Chromium needs a pageOrigin')
      return runChromium(consumer, modulePath, input, options.pageOrigin, options.timeoutMs)
  }
}

// Node, Bun, Deno

const MARK = '@@identity-model-portable-output@@'
/** How long a process may take to exit on its own after it reported. */
const EXIT_GRACE_MS = 5000

const bin = (name: string) => join(ROOT, 'node_modules', '.bin', name)

function command(runtime: 'node' | 'bun' | 'deno', entry: string): [string, string[]] {
  switch (runtime) {
    case 'node':
      return [process.execPath, [entry]]
    case 'bun':
      // --no-install: never fetch a missing package; use node_modules as it is.
      return [bin('bun'), ['--no-install', entry]]
    case 'deno':
      return [
        bin('deno'),
        [
          'run',
          '--node-modules-dir=manual',
          '--no-lock',
          '--no-config',
          '--no-prompt',
          '--allow-net=127.0.0.1',
          entry,
        ],
      ]
  }
}

async function runProcess(
  runtime: 'node' | 'bun' | 'deno',
  consumer: Consumer,
  modulePath: string,
  input: unknown,
  timeoutMs: number,
): Promise<RunOutcome> {
  const entry = join(consumer.dir, `run-${runtime}-${basename(modulePath)}`)
  await writeFile(
    entry,
    [
      `import { run } from './${basename(modulePath)}'`,
      `const output = await run(JSON.parse(${JSON.stringify(JSON.stringify(input))}))`,
      `console.log(${JSON.stringify(MARK)} + JSON.stringify(output))`,
      '',
    ].join('\n'),
  )
  const [file, args] = command(runtime, entry)
  const version = await versionOf(runtime)
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? consumer.dir,
    NO_COLOR: '1',
    DENO_NO_UPDATE_CHECK: '1',
    DO_NOT_TRACK: '1',
  }
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { cwd: consumer.dir, env, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    let output: unknown
    let reported = false
    let lingered = false
    let grace: NodeJS.Timeout | undefined
    const deadline = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`${runtime} did not finish within ${timeoutMs} ms; stderr: ${tail(stderr)}`))
    }, timeoutMs)
    child.stdout.setEncoding('utf8')
    child.stderr.setEncoding('utf8')
    child.stdout.on('data', (chunk: string) => {
      stdout += chunk
      if (reported) return
      const line = stdout.split('\n').find((candidate) => candidate.startsWith(MARK))
      if (line === undefined || !stdout.slice(stdout.indexOf(line)).includes('\n')) return
      reported = true
      output = JSON.parse(line.slice(MARK.length))
      grace = setTimeout(() => {
        lingered = true
        child.kill('SIGKILL')
      }, EXIT_GRACE_MS)
    })
    child.stderr.on('data', (chunk: string) => {
      stderr += chunk
    })
    child.on('error', (error) => {
      clearTimeout(deadline)
      clearTimeout(grace)
      reject(error)
    })
    child.on('close', (code, signal) => {
      clearTimeout(deadline)
      clearTimeout(grace)
      if (reported) resolve({ output, version, lingered })
      else {
        reject(
          new Error(
            `${runtime} exited (${signal ?? code}) without a report; stderr: ${tail(stderr)}; stdout: ${tail(stdout)}`,
          ),
        )
      }
    })
  })
}

function tail(text: string): string {
  const trimmed = text.trim()
  return trimmed.length > 2000 ? `...${trimmed.slice(-2000)}` : trimmed || '(empty)'
}

const versions = new Map<string, Promise<string>>()

/** "Bun 1.4.4", "Deno 2.9.6", "workerd 2026-07-30": asked once per runtime. */
function versionOf(runtime: 'node' | 'bun' | 'deno' | 'workerd'): Promise<string> {
  let version = versions.get(runtime)
  if (version === undefined) {
    version =
      runtime === 'node'
        ? Promise.resolve(`Node ${process.version}`)
        : new Promise((resolve) => {
            const child = spawn(bin(runtime), ['--version'], {
              stdio: ['ignore', 'pipe', 'ignore'],
            })
            let text = ''
            child.stdout.on('data', (chunk: Buffer) => {
              text += chunk.toString()
            })
            child.on('close', () => {
              // bun prints "1.4.4", deno "deno 2.9.6 (stable, ...)", workerd "workerd 2026-07-30".
              const number = /(\S+)(?: \(.*)?$/.exec(text.split('\n')[0]?.trim() ?? '')?.[1] ?? '?'
              const name = { bun: 'Bun', deno: 'Deno', workerd: 'workerd' }[runtime]
              resolve(`${name} ${number}`)
            })
            child.on('error', () => resolve(`${runtime} (no version)`))
          })
    versions.set(runtime, version)
  }
  return version
}

// workerd

async function runWorkerd(
  consumer: Consumer,
  modulePath: string,
  input: unknown,
  timeoutMs: number,
): Promise<RunOutcome> {
  const entry = join(consumer.dir, `worker-${basename(modulePath)}`)
  await writeFile(
    entry,
    [
      `import { run } from './${basename(modulePath)}'`,
      'export default {',
      '  async fetch(request) {',
      '    try {',
      '      return Response.json(await run(await request.json()))',
      '    } catch (error) {',
      '      return new Response(String(error && error.stack || error), { status: 500 })',
      '    }',
      '  },',
      '}',
      '',
    ].join('\n'),
  )
  const built = await bundle('workerd', consumer, entry)
  const mf = new Miniflare({
    modules: true,
    script: built.code,
    compatibilityDate: WORKERD_COMPATIBILITY_DATE,
    compatibilityFlags: [],
  })
  try {
    const response = await bounded(
      mf.dispatchFetch('http://portable.invalid/run', {
        method: 'POST',
        body: JSON.stringify(input),
      }),
      timeoutMs,
      'workerd',
    )
    const text = await response.text()
    if (response.status !== 200)
      throw new Error(`the worker answered ${response.status}: ${tail(text)}`)
    return {
      output: JSON.parse(text),
      version: `${await versionOf('workerd')} (compatibility date ${WORKERD_COMPATIBILITY_DATE}, no flags)`,
      ...(built.failure === undefined ? {} : { bundleFailure: built.failure }),
    }
  } finally {
    await mf.dispose()
  }
}

// Chromium

async function runChromium(
  consumer: Consumer,
  modulePath: string,
  input: unknown,
  pageOrigin: string,
  timeoutMs: number,
): Promise<RunOutcome> {
  const entry = join(consumer.dir, `page-${basename(modulePath)}`)
  await writeFile(
    entry,
    [`import { run } from './${basename(modulePath)}'`, 'globalThis.__portable = { run }', ''].join(
      '\n',
    ),
  )
  const built = await bundle('chromium', consumer, entry)
  const browser = await launchBrowser()
  try {
    const page = await browser.page()
    const pageErrors: string[] = []
    page.on('pageerror', (error) => pageErrors.push(error.message))
    const base = `${pageOrigin}/__portable__/`
    const files: Record<string, [string, string]> = {
      'index.html': [
        'text/html',
        '<!doctype html><meta charset="utf-8"><title>portable</title><script type="module" src="bundle.js"></script>',
      ],
      'bundle.js': ['text/javascript', built.code],
    }
    await page.route(`${base}*`, (route) => {
      const file = files[new URL(route.request().url()).pathname.split('/').pop() ?? '']
      return file === undefined
        ? route.fulfill({ status: 404 })
        : route.fulfill({ status: 200, contentType: file[0], body: file[1] })
    })
    await page.goto(`${base}index.html`)
    await page
      .waitForFunction(() => '__portable' in globalThis)
      .catch((error: unknown) => {
        throw new Error(
          `the page did not load the bundle: ${pageErrors.join('; ') || String(error)}`,
        )
      })
    const output = await bounded(
      page.evaluate(
        (value) =>
          (
            globalThis as unknown as { __portable: { run(input: unknown): Promise<unknown> } }
          ).__portable.run(value),
        input,
      ),
      timeoutMs,
      'chromium',
    )
    const agent = await page.evaluate(
      () => (globalThis as unknown as { navigator: { userAgent: string } }).navigator.userAgent,
    )
    return {
      output,
      version: `Chromium ${/Chrome\/([\d.]+)/.exec(agent)?.[1] ?? '?'}`,
      ...(built.failure === undefined ? {} : { bundleFailure: built.failure }),
    }
  } finally {
    await browser.close()
  }
}

function bounded<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  return Promise.race([
    work,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms)
    }),
  ]).finally(() => clearTimeout(timer))
}
