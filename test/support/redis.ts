/**
 * A real `redis-server` (the Debian package) for end-to-end tests: started on a free loopback
 * port with no persistence, in a temporary directory, and stopped by pid.
 */
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
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
  /** Freezes the server (SIGSTOP): connections stay open, nothing answers. */
  pause(): void
  /** Lets a paused server go on (SIGCONT). */
  resume(): void
  /** Kills the server at once (SIGKILL), as a crash would; `start()` brings it back empty. */
  kill(): Promise<void>
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
    pause() {
      if (pid !== undefined) process.kill(pid, 'SIGSTOP')
    },
    resume() {
      if (pid !== undefined) process.kill(pid, 'SIGCONT')
    },
    async kill() {
      if (pid === undefined) return
      const current = pid
      pid = undefined
      process.kill(current, 'SIGCONT')
      process.kill(current, 'SIGKILL')
      await waitFor(async () => !alive(current), 'redis-server to die')
      await rm(pidfile, { force: true })
    },
    async dispose() {
      if (pid !== undefined) process.kill(pid, 'SIGCONT')
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

/** A redis-server process started by {@link startNode}. */
interface NodeProcess {
  readonly port: number
  pid: number | undefined
  readonly dir: string
  readonly args: readonly string[]
}

async function startNode(
  dir: string,
  port: number,
  extra: readonly string[],
): Promise<NodeProcess> {
  const node: NodeProcess = { port, pid: undefined, dir, args: extra }
  await launch(node)
  return node
}

async function launch(node: NodeProcess): Promise<void> {
  const pidfile = join(node.dir, `redis-${node.port}.pid`)
  await rm(pidfile, { force: true })
  await run(findServer(), [
    ...node.args,
    '--bind',
    '127.0.0.1',
    '--port',
    String(node.port),
    '--save',
    '',
    '--appendonly',
    'no',
    '--daemonize',
    'yes',
    '--pidfile',
    pidfile,
    '--dir',
    node.dir,
    '--logfile',
    join(node.dir, `redis-${node.port}.log`),
  ])
  await waitFor(async () => existsSync(pidfile), `the pid file of redis on port ${node.port}`)
  node.pid = Number((await readFile(pidfile, 'utf8')).trim())
  await waitFor(() => canConnect(node.port), `redis on port ${node.port}`)
}

/** SIGKILL: the node gets no chance to hand anything over. */
async function kill(node: NodeProcess): Promise<void> {
  const pid = node.pid
  if (pid === undefined) return
  node.pid = undefined
  try {
    process.kill(pid, 'SIGKILL')
  } catch {
    return
  }
  await waitFor(async () => !alive(pid), `redis on port ${node.port} to die`)
}

/** `redis-cli -p port args...`, its output. */
async function cli(port: number, ...args: string[]): Promise<string> {
  const { stdout } = await run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args])
  return stdout.trim()
}

/** The CRC16 hash slot of a key (with its hash tag), as Redis Cluster computes it. */
export function hashSlot(key: string): number {
  const open = key.indexOf('{')
  if (open !== -1) {
    const close = key.indexOf('}', open + 1)
    if (close > open + 1) key = key.slice(open + 1, close)
  }
  let crc = 0
  for (const byte of Buffer.from(key)) {
    crc ^= byte << 8
    for (let i = 0; i < 8; i++)
      crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff
  }
  return crc % 16384
}

/** A Redis Cluster of real redis-server processes on 127.0.0.1. */
export interface TestRedisCluster {
  /** `[{ url }]` of every node, for `createCluster({ rootNodes })`. */
  readonly rootNodes: { url: string }[]
  /** Port of the master that serves `key`'s slot now. */
  masterOf(key: string): Promise<number>
  /**
   * SIGKILLs the master serving `key`; resolves once a replica has taken its slots over and the
   * cluster is healthy again (the killed node is started again, empty, as a replica).
   */
  failover(key: string): Promise<{ readonly killed: number; readonly promoted: number }>
  /** Kills the master serving `key` and returns at once (the failover runs on its own). */
  killMasterOf(key: string): Promise<number>
  /** Waits until every slot is served again (after {@link killMasterOf}). */
  healed(): Promise<number>
  dispose(): Promise<void>
}

/**
 * Starts `masters` masters with `replicas` replicas each (Debian's redis-server), joined with
 * `redis-cli --cluster create`, with a short node timeout so that failovers take a second or two.
 */
export async function startRedisCluster(
  options: { masters?: number; replicas?: number } = {},
): Promise<TestRedisCluster> {
  const masters = options.masters ?? 3
  const replicas = options.replicas ?? 1
  const dir = await mkdtemp(join(tmpdir(), 'identity-model-cluster-'))
  const nodes: NodeProcess[] = []
  try {
    const count = masters * (1 + replicas)
    const ports: number[] = []
    while (ports.length < 2 * count) {
      const port = await freePort()
      if (!ports.includes(port)) ports.push(port)
    }
    for (let i = 0; i < count; i++) {
      const port = ports[i]!
      nodes.push(
        await startNode(dir, port, [
          '--cluster-enabled',
          'yes',
          '--cluster-config-file',
          join(dir, `nodes-${port}.conf`),
          // The bus port: P + 10000 may be past 65535 for a port the system picked.
          '--cluster-port',
          String(ports[count + i]),
          '--cluster-node-timeout',
          '1000',
          '--cluster-replica-validity-factor',
          '0',
          '--cluster-require-full-coverage',
          'no',
        ]),
      )
    }
    await run('redis-cli', [
      '--cluster',
      'create',
      ...nodes.map((node) => `127.0.0.1:${node.port}`),
      '--cluster-replicas',
      String(replicas),
      '--cluster-yes',
    ])
    await waitFor(
      async () => {
        for (const node of nodes) {
          if (!(await cli(node.port, 'CLUSTER', 'INFO')).includes('cluster_state:ok')) return false
        }
        return true
      },
      'cluster_state:ok on every node',
      20_000,
    )
    // Replicas first sync in full; until then a failover would lose what was written.
    await waitFor(
      async () => {
        for (const node of nodes) {
          const info = await cli(node.port, 'INFO', 'replication')
          if (info.includes('role:slave') && !info.includes('master_link_status:up')) return false
        }
        return true
      },
      'every replica in sync',
      20_000,
    )
  } catch (error) {
    for (const node of nodes) await kill(node)
    await rm(dir, { recursive: true, force: true })
    throw error
  }

  const live = () => nodes.filter((node) => node.pid !== undefined)
  const masterOf = async (key: string): Promise<number> => {
    const slot = hashSlot(key)
    for (const node of live()) {
      // `CLUSTER SLOTS`: [start, end, [host, port, id], replicas...] per range.
      const text = await cli(node.port, '--json', 'CLUSTER', 'SLOTS').catch(() => '')
      if (text === '') continue
      for (const [start, end, [, port]] of JSON.parse(text) as [
        number,
        number,
        [string, number],
      ][]) {
        if (slot >= start && slot <= end) return port
      }
    }
    throw new Error(`no live node serves slot ${slot}`)
  }
  const healed = async (): Promise<number> => {
    let served = 0
    await waitFor(
      async () => {
        for (const node of live()) {
          const info = await cli(node.port, 'CLUSTER', 'INFO').catch(() => '')
          if (!info.includes('cluster_state:ok')) return false
          served = Number(/cluster_slots_ok:(\d+)/.exec(info)?.[1] ?? 0)
          if (served !== 16384) return false
        }
        return true
      },
      'every slot served again',
      20_000,
    )
    return served
  }
  const killMasterOf = async (key: string): Promise<number> => {
    const port = await masterOf(key)
    await kill(nodes.find((node) => node.port === port)!)
    return port
  }
  return {
    rootNodes: nodes.map((node) => ({ url: `redis://127.0.0.1:${node.port}` })),
    masterOf,
    killMasterOf,
    healed,
    async failover(key) {
      const killed = await killMasterOf(key)
      let promoted = killed
      await waitFor(
        async () => {
          promoted = await masterOf(key).catch(() => killed)
          return promoted !== killed
        },
        'a replica to take over',
        20_000,
      )
      await healed()
      return { killed, promoted }
    },
    async dispose() {
      for (const node of nodes) await kill(node)
      await rm(dir, { recursive: true, force: true })
    },
  }
}

/** A master, its replica and three sentinels, real processes on 127.0.0.1. */
export interface TestRedisSentinel {
  readonly name: string
  /** `[{ host, port }]` of the sentinels, for `createSentinel({ sentinelRootNodes })`. */
  readonly sentinelRootNodes: { host: string; port: number }[]
  /** Port of the master now, as the sentinels see it. */
  master(): Promise<number>
  /** SIGKILLs the master and returns at once (the sentinels fail over on their own). */
  killMaster(): Promise<number>
  /** Waits until the sentinels name a master other than `port`, and it accepts writes. */
  promoted(port: number): Promise<number>
  /** Stops (SIGSTOP) or resumes (SIGCONT) the master: connections stay open, nothing answers. */
  freezeMaster(frozen: boolean): Promise<number>
  dispose(): Promise<void>
}

/**
 * Starts a master, a replica and three sentinels (`redis-server --sentinel`, quorum 2) that
 * declare the master down after 1 s.
 */
export async function startRedisSentinel(): Promise<TestRedisSentinel> {
  const name = 'identity-model'
  const dir = await mkdtemp(join(tmpdir(), 'identity-model-sentinel-'))
  const nodes: NodeProcess[] = []
  const sentinels: NodeProcess[] = []
  try {
    const master = await startNode(dir, await freePort(), [])
    nodes.push(master)
    nodes.push(
      await startNode(dir, await freePort(), ['--replicaof', '127.0.0.1', String(master.port)]),
    )
    const replica = nodes[1]!
    await waitFor(
      async () =>
        (await cli(replica.port, 'INFO', 'replication')).includes('master_link_status:up'),
      'the replica to sync',
      10_000,
    )
    for (let i = 0; i < 3; i++) {
      const port = await freePort()
      const conf = join(dir, `sentinel-${port}.conf`)
      await writeFile(
        conf,
        [
          `sentinel monitor ${name} 127.0.0.1 ${master.port} 2`,
          `sentinel down-after-milliseconds ${name} 1000`,
          `sentinel failover-timeout ${name} 5000`,
          `sentinel parallel-syncs ${name} 1`,
          '',
        ].join('\n'),
      )
      sentinels.push(await startNode(dir, port, [conf, '--sentinel']))
    }
    await waitFor(
      async () => {
        for (const sentinel of sentinels) {
          const info = await cli(sentinel.port, 'SENTINEL', 'MASTER', name).catch(() => '')
          if (!/num-other-sentinels\s+2/.test(info) || !/num-slaves\s+1/.test(info)) return false
        }
        return true
      },
      'the sentinels to know each other and the replica',
      20_000,
    )
  } catch (error) {
    for (const node of [...nodes, ...sentinels]) await kill(node)
    await rm(dir, { recursive: true, force: true })
    throw error
  }
  const masterPort = async (): Promise<number> => {
    for (const sentinel of sentinels) {
      const reply = await cli(sentinel.port, 'SENTINEL', 'GET-MASTER-ADDR-BY-NAME', name).catch(
        () => '',
      )
      const port = Number(reply.split('\n')[1])
      if (port > 0) return port
    }
    throw new Error('no sentinel answered')
  }
  const byPort = (port: number) => nodes.find((node) => node.port === port)!
  return {
    name,
    sentinelRootNodes: sentinels.map((sentinel) => ({ host: '127.0.0.1', port: sentinel.port })),
    master: masterPort,
    async killMaster() {
      const port = await masterPort()
      await kill(byPort(port))
      return port
    },
    async promoted(old) {
      let port = old
      await waitFor(
        async () => {
          port = await masterPort().catch(() => old)
          if (port === old) return false
          return (await cli(port, 'ROLE').catch(() => '')).startsWith('master')
        },
        'the sentinels to promote the replica',
        30_000,
      )
      return port
    },
    async freezeMaster(frozen) {
      const port = await masterPort()
      const pid = byPort(port).pid
      if (pid !== undefined) process.kill(pid, frozen ? 'SIGSTOP' : 'SIGCONT')
      return port
    },
    async dispose() {
      for (const node of nodes) if (node.pid !== undefined) process.kill(node.pid, 'SIGCONT')
      for (const node of [...nodes, ...sentinels]) await kill(node)
      await rm(dir, { recursive: true, force: true })
    },
  }
}
