/**
 * One process of a test fleet (run with `child_process.fork` under tsx): a TokenManager and a
 * ProviderCache on a Redis store, driven by messages from the test. Replies carry tokens only so
 * that the test can compare them; nothing is logged.
 */

import { MemoryStore } from '../../src/cache/memory-store.js'
import { IdentityModelError } from '../../src/errors.js'
import { ProviderCache } from '../../src/provider/provider-cache.js'
import { createRedisStore, type SharedRedisStore } from '../../src/redis/index.js'
import { TokenManager } from '../../src/token-manager/token-manager.js'
import { validateToken } from '../../src/validation/validate-token.js'

export interface WorkerInit {
  /** Without it, the process keeps tokens in its own memory (the per-process baseline). */
  readonly redisUrl?: string
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
  | { readonly type: 'close' }

export interface Outcome {
  readonly at: number
  readonly token?: string
  readonly code?: string
  readonly errorType?: string
}

export type WorkerReply =
  | {
      readonly ok: true
      readonly outcomes?: Outcome[]
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
      store =
        init.redisUrl === undefined
          ? undefined
          : await createRedisStore({
              url: init.redisUrl,
              onWarning: (message) => warnings.push(message),
              ...(init.encryptionKey === undefined ? {} : { encryptionKey: init.encryptionKey }),
            })
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
      })
      cache = new ProviderCache({ store: shared })
      return { ok: true, warnings }
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
