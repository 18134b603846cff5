/**
 * A tiny test registry for the portable suite. The suite runs unchanged in Node, Bun, Deno, a
 * Worker and a browser page, so this uses nothing but the language and Web APIs: no vitest, no
 * `node:` module, no `Buffer`, no `process`. A case is a name and an async function; running
 * cases gives plain JSON results (name, ok, error message, duration).
 */

/** The outcome of one case, as every runner reports it. */
export interface CaseResult {
  readonly name: string
  readonly ok: boolean
  /** Why it failed: the assertion, or the unexpected error's name and message. */
  readonly error?: string
  /** Duration in milliseconds (information only: no test asserts on it). */
  readonly ms: number
}

export type CaseFn<T> = (arg: T) => void | Promise<void>

export interface Case<T> {
  readonly name: string
  readonly run: CaseFn<T>
}

/**
 * Names cases `<group>: <name>`. Names are the identity of a case across runtimes (the vitest
 * tier reports one test per runtime and name), so they must be unique.
 */
export function defineCases<T>(group: string, cases: Record<string, CaseFn<T>>): Case<T>[] {
  return Object.entries(cases).map(([name, run]) => ({ name: `${group}: ${name}`, run }))
}

/** Throws if two cases share a name. */
export function checkUnique(cases: readonly { readonly name: string }[]): void {
  const seen = new Set<string>()
  for (const { name } of cases) {
    if (seen.has(name)) throw new Error(`two portable cases are named "${name}"`)
    seen.add(name)
  }
}

/** Runs cases one after another, each bounded by `timeoutMs`; never throws. */
export async function runCases<T>(
  cases: readonly Case<T>[],
  arg: T,
  timeoutMs: number,
): Promise<CaseResult[]> {
  const results: CaseResult[] = []
  for (const { name, run } of cases) {
    const started = Date.now()
    try {
      await withTimeout(
        Promise.resolve().then(() => run(arg)),
        timeoutMs,
      )
      results.push({ name, ok: true, ms: Date.now() - started })
    } catch (error) {
      results.push({ name, ok: false, error: describe(error), ms: Date.now() - started })
    }
  }
  return results
}

/** Results for cases that could not run at all (the package did not load), with the reason. */
export function failAll(cases: readonly { readonly name: string }[], reason: string): CaseResult[] {
  return cases.map(({ name }) => ({ name, ok: false, error: reason, ms: 0 }))
}

async function withTimeout(work: Promise<void>, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new AssertionFailed(`timed out after ${ms} ms`)), ms)
  })
  try {
    await Promise.race([work, timeout])
  } finally {
    clearTimeout(timer)
  }
}

/** A failed expectation (as opposed to an unexpected error, which is reported with its name). */
export class AssertionFailed extends Error {
  override name = 'AssertionFailed'
}

/** The error as one line of text, with its cause chain and the first stack frame. */
export function describe(error: unknown): string {
  if (error instanceof AssertionFailed) return error.message
  if (!(error instanceof Error)) return `non-Error thrown: ${show(error)}`
  const parts = [`${error.name}: ${error.message}`]
  const frame = error.stack
    ?.split('\n')
    .slice(1)
    .find((line) => line.trim() !== '')
  if (frame !== undefined) parts.push(`(${frame.trim()})`)
  let cause: unknown = error.cause
  for (let depth = 0; cause !== undefined && depth < 3; depth++) {
    parts.push(
      cause instanceof Error ? `caused by ${cause.name}: ${cause.message}` : `cause ${show(cause)}`,
    )
    cause = cause instanceof Error ? cause.cause : undefined
  }
  return parts.join(' ')
}

/** A short printable form of a value for messages. */
export function show(value: unknown): string {
  let text: string
  try {
    text =
      typeof value === 'string' ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value))
  } catch {
    text = String(value)
  }
  return text.length > 200 ? `${text.slice(0, 200)}...` : text
}

// Assertions: each throws AssertionFailed with a message that says what was expected.

export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new AssertionFailed(message)
}

export function equal<T>(actual: unknown, expected: T, what: string): asserts actual is T {
  if (!Object.is(actual, expected)) {
    throw new AssertionFailed(`${what}: expected ${show(expected)}, got ${show(actual)}`)
  }
}

/** What a rejection must look like: the error class (by constructor) and its fields. */
export interface ExpectedError {
  // biome-ignore lint/complexity/noBannedTypes: any error constructor of the package.
  readonly class: Function
  readonly code?: string
  readonly claim?: string
  /** Strings that must not appear in the message (tokens, secrets). */
  readonly secrets?: readonly string[]
}

/** Awaits `work`, which must reject with the expected error; returns that error. */
export async function rejects(
  work: Promise<unknown>,
  expected: ExpectedError,
  what: string,
): Promise<Error & { code?: unknown; claim?: unknown }> {
  let error: unknown
  try {
    await work
  } catch (caught) {
    error = caught
  }
  if (error === undefined) throw new AssertionFailed(`${what}: resolved, expected a rejection`)
  if (!(error instanceof expected.class)) {
    throw new AssertionFailed(`${what}: expected a ${expected.class.name}, got ${describe(error)}`)
  }
  const typed = error as Error & { code?: unknown; claim?: unknown }
  if (expected.code !== undefined) {
    equal(typed.code, expected.code, `${what}: code (${typed.message})`)
  }
  if (expected.claim !== undefined) {
    equal(typed.claim, expected.claim, `${what}: claim (${typed.message})`)
  }
  for (const secret of expected.secrets ?? []) {
    assert(!typed.message.includes(secret), `${what}: the error message holds a token or secret`)
  }
  return typed
}
