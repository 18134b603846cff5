/**
 * One process of a test fleet (run with `child_process.fork` under tsx): a TokenManager and a
 * ProviderCache on a Redis store, driven by messages from the test. Replies carry tokens only so
 * that the test can compare them; nothing is logged.
 */

import { MemoryStore } from '../../src/cache/memory-store.js'
import { IdentityModelError } from '../../src/errors.js'
import { ProviderCache } from '../../src/provider/provider-cache.js'
import { createRedisStore, type SharedRedisStore } from '../../src/redis/index.js'
import { TokenManager, type TokenManagerEvent } from '../../src/token-manager/token-manager.js'
import { validateToken } from '../../src/validation/validate-token.js'

export interface WorkerInit {
  /**
   * Without it (or `cluster`, `sentinel`), the process keeps tokens in its own memory (the
   * per-process baseline).
   */
  readonly redisUrl?: string
  /** A Redis Cluster: `createRedisStore({ cluster: { rootNodes } })`. */
  readonly cluster?: readonly { readonly url: string }[]
  /** Redis Sentinel: `createRedisStore({ sentinel })`. */
  readonly sentinel?: {
    readonly name: string
    readonly sentinelRootNodes: readonly { readonly host: string; readonly port: number }[]
  }
  readonly commandTimeoutMs?: number
  readonly tokenEndpoint: string
  readonly clientId: string
  readonly clientSecret: string
  readonly scope?: string
  readonly encryptionKey?: string
  readonly renewBeforeExpirySeconds?: number
  readonly timeoutMs?: number
}

export type WorkerCommand =
  | { readonly type: 'init'; readonly init: WorkerInit }
  /** `count` concurrent getAccessToken() calls. */
  | { readonly type: 'burst'; readonly count: number }
  /** One call every `everyMs` for `durationMs`, each outcome recorded with its time. */
  | { readonly type: 'loop'; readonly durationMs: number; readonly everyMs: number }
  /** `count` calls, one every `everyMs`. */
  | { readonly type: 'series'; readonly count: number; readonly everyMs: number }
  | { readonly type: 'validate'; readonly token: string; readonly issuer: string }
  /**
   * `callers` concurrent loops, each calling every `everyMs` for `durationMs`; the reply is a
   * summary (see {@link CallerSummary}), checked against `marginMs`.
   */
  | {
      readonly type: 'callers'
      readonly callers: number
      readonly durationMs: number
      readonly everyMs: number
      readonly marginMs: number
    }
  /** The events the manager reported since the last init or `events` command. */
  | { readonly type: 'events' }
  | { readonly type: 'close' }

export interface Outcome {
  readonly at: number
  readonly token?: string
  readonly code?: string
  readonly errorType?: string
}

/** What a `callers` run saw, without sending every outcome back. */
export interface CallerSummary {
  readonly calls: number
  /** Failed calls by error code. */
  readonly failures: Record<string, number>
  /** Each distinct token with its `iat` and `exp` (ms) and when it was first and last handed out. */
  readonly tokens: {
    readonly iat: number
    readonly exp: number
    readonly first: number
    readonly last: number
    readonly token: string
  }[]
  /** Calls answered with a token that had less than `marginMs` left when the call started. */
  readonly breaches: number
  /** Calls answered with a token past its `exp` when the answer came. */
  readonly expired: number
}

/** An event as the worker keeps it: the manager's event and when it came. */
export type TimedEvent = TokenManagerEvent & { readonly at: number }

export type WorkerReply =
  | {
      readonly ok: true
      readonly outcomes?: Outcome[]
      readonly summary?: CallerSummary
      readonly events?: TimedEvent[]
      readonly cacheKey?: string
      readonly sub?: string
      readonly warnings: string[]
    }
  | {
      readonly ok: false
      readonly error: string
      readonly code?: string
      readonly warnings: string[]
    }

let manager: TokenManager | undefined
let store: SharedRedisStore | undefined
let cache: ProviderCache | undefined
const warnings: string[] = []
let events: TimedEvent[] = []

function claims(token: string): { iat: number; exp: number } {
  const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString())
  return { iat: payload.iat * 1000, exp: payload.exp * 1000 }
}

async function callers(command: Extract<WorkerCommand, { type: 'callers' }>) {
  const failures: Record<string, number> = {}
  const tokens = new Map<string, { iat: number; exp: number; first: number; last: number }>()
  let calls = 0
  let breaches = 0
  let expired = 0
  const end = Date.now() + command.durationMs
  const loop = async (offset: number) => {
    await new Promise((resolve) => setTimeout(resolve, offset))
    while (Date.now() < end) {
      const started = Date.now()
      calls++
      try {
        const token = await manager!.getAccessToken()
        const answered = Date.now()
        let seen = tokens.get(token)
        if (seen === undefined) {
          seen = { ...claims(token), first: answered, last: answered }
          tokens.set(token, seen)
        }
        seen.last = answered
        if (seen.exp - started < command.marginMs) breaches++
        if (answered >= seen.exp) expired++
      } catch (error) {
        const code = error instanceof IdentityModelError ? error.code : 'unexpected'
        failures[code] = (failures[code] ?? 0) + 1
      }
      await new Promise((resolve) => setTimeout(resolve, command.everyMs))
    }
  }
  await Promise.all(
    Array.from({ length: command.callers }, (_, i) =>
      loop((i * command.everyMs) / command.callers),
    ),
  )
  return {
    calls,
    failures,
    breaches,
    expired,
    tokens: [...tokens].map(([token, seen]) => ({ token, ...seen })),
  }
}

async function outcome(): Promise<Outcome> {
  const at = Date.now()
  try {
    return { at, token: await manager!.getAccessToken() }
  } catch (error) {
    if (error instanceof IdentityModelError) {
      return { at, code: error.code, errorType: (error as { errorType?: string }).errorType ?? '' }
    }
    return { at, code: 'unexpected', errorType: String(error) }
  }
}

async function handle(command: WorkerCommand): Promise<WorkerReply> {
  switch (command.type) {
    case 'init': {
      const { init } = command
      await store?.close()
      events = []
      warnings.length = 0
      const common = {
        onWarning: (message: string) => warnings.push(message),
        ...(init.encryptionKey === undefined ? {} : { encryptionKey: init.encryptionKey }),
        ...(init.commandTimeoutMs === undefined ? {} : { commandTimeoutMs: init.commandTimeoutMs }),
      }
      store =
        init.redisUrl !== undefined
          ? await createRedisStore({ url: init.redisUrl, ...common })
          : init.cluster !== undefined
            ? await createRedisStore({ cluster: { rootNodes: [...init.cluster] }, ...common })
            : init.sentinel !== undefined
              ? await createRedisStore({
                  sentinel: {
                    name: init.sentinel.name,
                    sentinelRootNodes: init.sentinel.sentinelRootNodes.map((node) => ({
                      ...node,
                    })),
                  },
                  ...common,
                })
              : undefined
      const shared = store ?? new MemoryStore()
      manager = new TokenManager({
        request: {
          address: init.tokenEndpoint,
          clientId: init.clientId,
          clientSecret: init.clientSecret,
          scope: init.scope,
          timeoutMs: init.timeoutMs,
        },
        store: shared,
        renewBeforeExpirySeconds: init.renewBeforeExpirySeconds,
        onEvent: (event) => events.push({ ...event, at: Date.now() }),
      })
      cache = new ProviderCache({ store: shared })
      return { ok: true, cacheKey: manager.cacheKey, warnings }
    }
    case 'callers': {
      return { ok: true, summary: await callers(command), warnings }
    }
    case 'events': {
      const taken = events
      events = []
      return { ok: true, events: taken, warnings }
    }
    case 'burst': {
      const outcomes = await Promise.all(Array.from({ length: command.count }, outcome))
      return { ok: true, outcomes, warnings }
    }
    case 'loop': {
      const outcomes: Outcome[] = []
      const end = Date.now() + command.durationMs
      while (Date.now() < end) {
        outcomes.push(await outcome())
        await new Promise((resolve) => setTimeout(resolve, command.everyMs))
      }
      return { ok: true, outcomes, warnings }
    }
    case 'series': {
      const outcomes: Outcome[] = []
      for (let i = 0; i < command.count; i++) {
        outcomes.push(await outcome())
        await new Promise((resolve) => setTimeout(resolve, command.everyMs))
      }
      return { ok: true, outcomes, warnings }
    }
    case 'validate': {
      const claims = await validateToken(
        command.token,
        { performDisco: true, audience: 'my-api', cache: cache! },
        command.issuer,
      )
      return { ok: true, sub: String(claims.sub), warnings }
    }
    case 'close': {
      await store?.close()
      return { ok: true, warnings }
    }
  }
}

process.on('message', (message: { id: number; command: WorkerCommand }) => {
  handle(message.command).then(
    (reply) => process.send?.({ id: message.id, reply }),
    (error: unknown) =>
      process.send?.({
        id: message.id,
        reply: {
          ok: false,
          error: error instanceof Error ? error.message : String(error),
          code: error instanceof IdentityModelError ? error.code : undefined,
          warnings,
        },
      }),
  )
})
process.send?.({ id: 0, reply: { ok: true, warnings } })
