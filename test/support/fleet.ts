/**
 * A fleet of real processes for end-to-end tests: each is `fleet-worker.ts` forked under tsx.
 */
import { type ChildProcess, fork } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import type { WorkerCommand, WorkerInit, WorkerReply } from './fleet-worker.js'

const WORKER = fileURLToPath(new URL('./fleet-worker.ts', import.meta.url))

export interface FleetWorker {
  readonly pid: number
  send(command: WorkerCommand): Promise<WorkerReply & { ok: true }>
  /** SIGKILL: the process gets no chance to release anything. */
  crash(): void
  close(): Promise<void>
}

/** Forks a worker and initialises it. */
export async function startWorker(init: WorkerInit): Promise<FleetWorker> {
  const child: ChildProcess = fork(WORKER, [], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  let next = 1
  const pending = new Map<number, (reply: WorkerReply) => void>()
  const ready = new Promise<void>((resolve, reject) => {
    child.once('error', reject)
    child.once('exit', (code) => reject(new Error(`worker exited early (${code})`)))
    pending.set(0, () => resolve())
  })
  child.on('message', (message: { id: number; reply: WorkerReply }) => {
    pending.get(message.id)?.(message.reply)
    pending.delete(message.id)
  })
  const send = (command: WorkerCommand): Promise<WorkerReply & { ok: true }> =>
    new Promise((resolve, reject) => {
      const id = next++
      pending.set(id, (reply) =>
        reply.ok ? resolve(reply) : reject(new Error(`worker: ${reply.error} (${reply.code})`)),
      )
      child.send({ id, command })
    })
  await ready
  child.removeAllListeners('exit')
  await send({ type: 'init', init })
  return {
    pid: child.pid ?? -1,
    send,
    crash: () => child.kill('SIGKILL'),
    async close() {
      if (child.exitCode !== null || child.signalCode !== null) return
      const exited = new Promise((resolve) => child.once('exit', resolve))
      await send({ type: 'close' }).catch(() => {})
      child.kill('SIGTERM')
      await exited
    },
  }
}

/** Starts `count` workers in parallel. */
export function startFleet(count: number, init: WorkerInit): Promise<FleetWorker[]> {
  return Promise.all(Array.from({ length: count }, () => startWorker(init)))
}

export async function stopFleet(workers: readonly FleetWorker[] | undefined): Promise<void> {
  await Promise.all((workers ?? []).map((worker) => worker.close()))
}
