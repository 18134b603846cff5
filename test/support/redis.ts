/**
 * A real `redis-server` (the Debian package) for end-to-end tests: started on a free loopback
 * port with no persistence, in a temporary directory, and stopped by pid.
 */
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { connect, createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)

export interface TestRedis {
  readonly port: number
  readonly url: string
  /** Stops the server (its data is lost: no persistence). */
  stop(): Promise<void>
  /** Starts it again on the same port, empty. */
  start(): Promise<void>
  /** Stops the server and removes its directory. */
  dispose(): Promise<void>
}

function findServer(): string {
  for (const candidate of ['/usr/bin/redis-server', '/usr/local/bin/redis-server']) {
    if (existsSync(candidate)) return candidate
  }
  throw new Error(
    'redis-server is not installed: the Redis end-to-end tests need it (Debian: apt-get install -y redis-server)',
  )
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() =>
        typeof address === 'object' && address
          ? resolve(address.port)
          : reject(new Error('no port')),
      )
    })
  })
}

async function waitFor(check: () => Promise<boolean>, what: string, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms
  while (Date.now() < deadline) {
    if (await check()) return
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  throw new Error(`timed out waiting for ${what}`)
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/** Starts a private redis-server on 127.0.0.1 and a free port. */
export async function startRedis(): Promise<TestRedis> {
  const server = findServer()
  const dir = await mkdtemp(join(tmpdir(), 'identity-model-redis-'))
  const port = await freePort()
  const pidfile = join(dir, 'redis.pid')
  let pid: number | undefined

  const start = async (): Promise<void> => {
    await run(server, [
      '--bind',
      '127.0.0.1',
      '--port',
      String(port),
      '--save',
      '',
      '--appendonly',
      'no',
      '--daemonize',
      'yes',
      '--pidfile',
      pidfile,
      '--dir',
      dir,
      '--logfile',
      join(dir, 'redis.log'),
    ])
    await waitFor(async () => existsSync(pidfile), 'the redis-server pid file')
    pid = Number((await readFile(pidfile, 'utf8')).trim())
    await waitFor(() => canConnect(port), `redis-server on port ${port}`)
  }
  const stop = async (): Promise<void> => {
    if (pid === undefined) return
    const current = pid
    pid = undefined
    try {
      process.kill(current, 'SIGTERM')
    } catch {
      return
    }
    await waitFor(async () => !alive(current), 'redis-server to exit')
    await rm(pidfile, { force: true })
  }
  try {
    await start()
  } catch (error) {
    await rm(dir, { recursive: true, force: true })
    throw error
  }
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    stop,
    start,
    async dispose() {
      await stop()
      await rm(dir, { recursive: true, force: true })
    },
  }
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1')
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
  })
}
