/**
 * The portable suite: the sanity cases (no package), then the package's cases, run in order with
 * a timeout each. It imports the package only by its public names (see package.ts) and uses Web
 * APIs only, so the same code runs on Node, Bun, Deno, workerd and Chromium. Every runner calls
 * `run(context)` and reports what it resolves to.
 */
import { codeFlowCases } from './cases/code-flow.js'
import { discoveryCases } from './cases/discovery.js'
import { dpopCases } from './cases/dpop.js'
import { honoAdapterCases } from './cases/hono.js'
import { jweCases } from './cases/jwe.js'
import { clientCredentialsCases, discoveryValidationCases } from './cases/provider-tokens.js'
import { base64urlCases, staticKeyCases } from './cases/static-keys.js'
import type { PackageCaseArg } from './cases/support.js'
import { webAdapterCases } from './cases/web.js'
import type { PortableContext } from './context.js'
import { loadPackage } from './package.js'
import { type Case, type CaseResult, checkUnique, describe, failAll, runCases } from './registry.js'
import { detectRuntime, sanityCases } from './sanity.js'

export type { CaseResult } from './registry.js'

const packageCases: readonly Case<PackageCaseArg>[] = [
  ...discoveryCases,
  ...staticKeyCases,
  ...base64urlCases,
  ...clientCredentialsCases,
  ...discoveryValidationCases,
  ...codeFlowCases,
  ...webAdapterCases,
  ...honoAdapterCases,
  ...dpopCases,
  ...jweCases,
]
checkUnique([...sanityCases, ...packageCases])

/** What a runner reports: the runtime the suite found itself on, and one result per case. */
export interface SuiteReport {
  readonly runtime: string
  readonly results: readonly CaseResult[]
}

/** Every case name, in run order (read without loading the package). */
export function caseNames(): string[] {
  return [...sanityCases, ...packageCases].map((c) => c.name)
}

/** The names of the cases that do not need the package. */
export function sanityCaseNames(): string[] {
  return sanityCases.map((c) => c.name)
}

export async function run(ctx: PortableContext): Promise<SuiteReport> {
  const results = await runCases(sanityCases, { ctx }, ctx.caseTimeoutMs)
  let lib: Awaited<ReturnType<typeof loadPackage>>
  try {
    lib = await loadPackage()
  } catch (error) {
    const reason = `identity-model did not load on ${ctx.runtime}: ${describe(error)}`
    return { runtime: detectRuntime(), results: [...results, ...failAll(packageCases, reason)] }
  }
  results.push(...(await runCases(packageCases, { ctx, lib }, ctx.caseTimeoutMs)))
  return { runtime: detectRuntime(), results }
}
