/**
 * The runtime examples, run on their runtimes against the testbed provider (`npm run
 * test:portable`): examples/workers (workerd through Miniflare, no compatibility flags, with a
 * Workers KV namespace and the Cache API), examples/nextjs-middleware (bundled as Vercel's Edge
 * runtime is: `edge-light` condition, `process.env.*` inlined; executed in workerd),
 * examples/deno and examples/bun (their own HTTP servers on 127.0.0.1). Each is copied into a
 * consumer project (node_modules/identity-model linked to this worktree), so it meets the
 * package through its `exports` and `imports` conditions as after `npm install`.
 *
 * Every example must: refuse a request without a token (401 with a Bearer challenge) and with a
 * forged one (401 invalid_token), accept the provider's JWT access token, and refuse a write
 * with a token that lacks `api:write` (403 insufficient_scope).
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { cp, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { build } from 'esbuild'
import { Miniflare, fetch as miniflareFetch } from 'miniflare'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { getDiscoveryDocument, requestClientCredentialsToken } from '../../src/index.js'
import { clients, resources, startProvider, type TestProvider } from '../../testbed/provider.js'
import { BUNDLE_SETTINGS } from './harness/bundle.js'
import { type Consumer, createConsumer, ROOT } from './harness/consumer.js'
import { WORKERD_COMPATIBILITY_DATE } from './harness/runtimes.js'

const AUDIENCE = 'my-api'

let op: TestProvider
let consumer: Consumer
/** api:read api:write, and api:read only. */
let fullToken: string
let readToken: string

async function clientToken(
  client: { clientId: string; clientSecret: string },
  scope: string,
): Promise<string> {
  const disco = await getDiscoveryDocument({ address: op.issuer })
  if (!disco.isSuccessful) throw new Error(`discovery failed: ${disco.error}`)
  const response = await requestClientCredentialsToken({
    address: disco.tokenEndpoint!,
    clientId: client.clientId,
    clientSecret: client.clientSecret,
    resource: resources.api,
    scope,
  })
  if (!response.isSuccessful) throw new Error(`token request failed: ${response.error}`)
  return response.token.access_token
}

beforeAll(async () => {
  op = await startProvider()
  fullToken = await clientToken(clients.serviceBasic, 'api:read api:write')
  readToken = await clientToken(clients.serviceReadonly, 'api:read')
  consumer = await createConsumer()
  for (const name of ['workers', 'nextjs-middleware', 'deno', 'bun']) {
    await cp(join(ROOT, 'examples', name), join(consumer.dir, name), { recursive: true })
  }
}, 60_000)

afterAll(async () => {
  await consumer?.remove()
  await op?.stop()
})

type Call = (path: string, init?: { method?: string; token?: string }) => Promise<Response>

/** What every example must do with the same requests. */
async function expectProtectsTheApi(call: Call): Promise<void> {
  const none = await call('/api/orders')
  expect(none.status).toBe(401)
  expect(none.headers.get('www-authenticate')).toMatch(/^Bearer\b/)

  const forged = await call('/api/orders', { token: `${fullToken.slice(0, -4)}AAAA` })
  expect(forged.status).toBe(401)
  expect(forged.headers.get('www-authenticate')).toContain('error="invalid_token"')

  const read = await call('/api/orders', { token: readToken })
  expect([read.status, read.headers.get('www-authenticate')]).toEqual([200, null])
  expect(await read.json()).toMatchObject({ client_id: clients.serviceReadonly.clientId })

  const refused = await call('/api/orders', { method: 'POST', token: readToken })
  expect(refused.status).toBe(403)
  expect(refused.headers.get('www-authenticate')).toContain('error="insufficient_scope"')

  const written = await call('/api/orders', { method: 'POST', token: fullToken })
  expect(written.status).toBe(200)
  expect(await written.json()).toMatchObject({ client_id: clients.serviceBasic.clientId })
}

function requestInit(init: { method?: string; token?: string } = {}): RequestInit {
  return {
    method: init.method ?? 'GET',
    headers: init.token === undefined ? {} : { authorization: `Bearer ${init.token}` },
  }
}

/** Bundles an entry in the consumer project as a Workers (or Edge) bundler would. */
async function bundleFor(
  entry: string,
  conditions: readonly string[],
  define: Record<string, string> = {},
): Promise<string> {
  const result = await build({
    ...BUNDLE_SETTINGS.workerd,
    conditions: [...conditions],
    entryPoints: [join(consumer.dir, entry)],
    absWorkingDir: consumer.dir,
    bundle: true,
    format: 'esm',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
    define,
  })
  return result.outputFiles[0]!.text
}

describe('examples/workers on workerd (Miniflare, no compatibility flags)', () => {
  const persist = { dir: '' }
  beforeAll(async () => {
    persist.dir = await mkdtemp(join(tmpdir(), 'identity-model-workers-'))
  })
  afterAll(async () => {
    await rm(persist.dir, { recursive: true, force: true })
  })

  /** A worker in a fresh isolate; `outbound` records the URLs it fetches. */
  const worker = (options: { kv: boolean; outbound?: string[] }) =>
    bundleFor('workers/worker.ts', BUNDLE_SETTINGS.workerd.conditions!).then(
      (script) =>
        new Miniflare({
          modules: true,
          script,
          compatibilityDate: WORKERD_COMPATIBILITY_DATE,
          compatibilityFlags: [],
          bindings: { ISSUER: op.issuer, AUDIENCE },
          ...(options.kv
            ? { kvNamespaces: ['OIDC_CACHE'], kvPersist: join(persist.dir, 'kv') }
            : { cachePersist: join(persist.dir, 'cache') }),
          outboundService: (request: Parameters<typeof miniflareFetch>[0] & { url: string }) => {
            options.outbound?.push(request.url)
            return miniflareFetch(request)
          },
        }),
    )
  const caller =
    (mf: Miniflare): Call =>
    (path, init) =>
      mf.dispatchFetch(
        `http://worker.example${path}`,
        requestInit(init) as never,
      ) as unknown as Promise<Response>

  /** The first isolate fetches discovery and keys; a second one, started cold, reads the store. */
  async function expectWarmAcrossIsolates(kv: boolean): Promise<Miniflare> {
    const fetched: string[] = []
    const first = await worker({ kv, outbound: fetched })
    try {
      await expectProtectsTheApi(caller(first))
    } finally {
      await first.dispose()
    }
    // The hook sees the provider fetches (so an empty list below means there were none).
    expect(fetched.some((url) => url.endsWith('/.well-known/openid-configuration'))).toBe(true)
    const outbound: string[] = []
    const second = await worker({ kv, outbound })
    const response = await caller(second)('/api/orders', { token: readToken })
    expect(response.status).toBe(200)
    expect(outbound).toEqual([])
    return second
  }

  it('protects the API, and keeps discovery and keys warm across isolates in Workers KV', async () => {
    const mf = await expectWarmAcrossIsolates(true)
    try {
      const kv = (await mf.getKVNamespace('OIDC_CACHE')) as unknown as {
        list(): Promise<{ keys: { name: string }[] }>
      }
      const keys = (await kv.list()).keys.map((key) => key.name)
      expect(keys.some((key) => key.startsWith('identity-model:discovery:'))).toBe(true)
      expect(keys.some((key) => key.startsWith('identity-model:jwks:'))).toBe(true)
    } finally {
      await mf.dispose()
    }
  })

  it('protects the API, and keeps discovery and keys warm across isolates in the Cache API', async () => {
    const mf = await expectWarmAcrossIsolates(false)
    await mf.dispose()
  })
})

describe('examples/nextjs-middleware as the Edge runtime runs it (edge-light, in workerd)', () => {
  it('answers refusals itself and lets good requests through to the route', async () => {
    const shim = join(consumer.dir, 'next-edge-entry.mjs')
    await import('node:fs/promises').then(({ writeFile }) =>
      writeFile(
        shim,
        [
          "import { middleware } from './nextjs-middleware/middleware.ts'",
          'export default {',
          '  async fetch(request) {',
          '    const answer = await middleware(request)',
          "    return answer ?? Response.json({ route: 'reached', client_id: request.headers.get('x-client') })",
          '  },',
          '}',
          '',
        ].join('\n'),
      ),
    )
    const script = await bundleFor('next-edge-entry.mjs', ['edge-light', 'worker', 'browser'], {
      'process.env.ISSUER': JSON.stringify(op.issuer),
      'process.env.AUDIENCE': JSON.stringify(AUDIENCE),
    })
    expect(script).not.toMatch(/from\s*["']node:/)
    const mf = new Miniflare({
      modules: true,
      script,
      compatibilityDate: WORKERD_COMPATIBILITY_DATE,
      compatibilityFlags: [],
    })
    try {
      const call: Call = async (path, init) => {
        const response = (await mf.dispatchFetch(
          `http://next.example${path}`,
          requestInit(init) as never,
        )) as unknown as Response
        if (response.status !== 200) return response
        // The middleware let it through: the stand-in route answers; report who was let in.
        const body = (await response.json()) as { route?: string }
        expect(body.route).toBe('reached')
        const token = init?.token
        const client =
          token === fullToken
            ? clients.serviceBasic.clientId
            : token === readToken
              ? clients.serviceReadonly.clientId
              : undefined
        return Response.json({ client_id: client })
      }
      await expectProtectsTheApi(call)
    } finally {
      await mf.dispose()
    }
  })
})

/** Starts an example server; resolves to its port once it says it listens. */
function startServer(
  command: string,
  args: readonly string[],
): Promise<{ port: number; child: ChildProcess }> {
  const child = spawn(command, [...args], {
    cwd: consumer.dir,
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: process.env.HOME ?? consumer.dir,
      NO_COLOR: '1',
      DENO_NO_UPDATE_CHECK: '1',
      DO_NOT_TRACK: '1',
      ISSUER: op.issuer,
      AUDIENCE,
      PORT: '0',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  return new Promise((resolve, reject) => {
    let output = ''
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`${command} did not start listening: ${output}`))
    }, 60_000)
    const read = (chunk: Buffer) => {
      output += chunk.toString()
      const port = /listening on (\d+)/.exec(output)?.[1]
      if (port !== undefined) {
        clearTimeout(timer)
        resolve({ port: Number(port), child })
      }
    }
    child.stdout!.on('data', read)
    child.stderr!.on('data', read)
    child.on('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`${command} exited (${code}) before listening: ${output}`))
    })
  })
}

const bin = (name: string) => join(ROOT, 'node_modules', '.bin', name)

describe.each([
  {
    name: 'examples/deno with Deno',
    command: bin('deno'),
    args: [
      'run',
      '--node-modules-dir=manual',
      '--no-lock',
      '--no-config',
      '--no-prompt',
      '--allow-net=127.0.0.1',
      '--allow-env=ISSUER,AUDIENCE,PORT',
      'deno/main.ts',
    ],
  },
  { name: 'examples/bun with Bun', command: bin('bun'), args: ['--no-install', 'bun/server.ts'] },
])('$name', ({ command, args }) => {
  it('protects the API', async () => {
    const { port, child } = await startServer(command, args)
    try {
      await expectProtectsTheApi((path, init) =>
        fetch(`http://127.0.0.1:${port}${path}`, requestInit(init)),
      )
    } finally {
      child.kill('SIGKILL')
    }
  })
})
