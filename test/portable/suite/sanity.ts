/**
 * Cases that do not import the package: they show that a runner itself works (the intended
 * runtime runs the suite, reaches the testbed provider, verifies signatures with Web Crypto and
 * reports back), so that a failure of the package's cases is the package's, not the runner's.
 */
import type { PortableContext, RuntimeName } from './context.js'
import { importVerifyKey, type SubtleParams, splitJws, subtleParams } from './encoding.js'
import { assert, defineCases, equal } from './registry.js'

interface Globals {
  readonly Deno?: { readonly version?: { readonly deno?: string } }
  readonly Bun?: { readonly version?: string }
  readonly process?: { readonly versions?: { readonly node?: string } }
  readonly navigator?: { readonly userAgent?: string }
  readonly document?: unknown
  readonly Buffer?: unknown
  readonly require?: unknown
}

/** Which runtime this is, from its globals (Bun and Deno also define `process`: ask them first). */
export function detectRuntime(): RuntimeName | 'unknown' {
  const g = globalThis as Globals
  if (typeof g.Deno?.version?.deno === 'string') return 'deno'
  if (typeof g.Bun?.version === 'string') return 'bun'
  if (g.navigator?.userAgent === 'Cloudflare-Workers') return 'workerd'
  if (typeof g.process?.versions?.node === 'string') return 'node'
  if (typeof g.document === 'object' && /Chrome\//.test(g.navigator?.userAgent ?? '')) {
    return 'chromium'
  }
  return 'unknown'
}

export const sanityCases = defineCases<{ readonly ctx: PortableContext }>('sanity', {
  'the runner started the intended runtime': ({ ctx }) => {
    equal(detectRuntime(), ctx.runtime, 'the runtime running the suite')
    if (ctx.runtime === 'workerd' || ctx.runtime === 'chromium') {
      // No Node compatibility layer: what Workers without nodejs_compat and browsers offer.
      const g = globalThis as Globals
      equal(typeof g.process, 'undefined', 'typeof process')
      equal(typeof g.Buffer, 'undefined', 'typeof Buffer')
      equal(typeof g.require, 'undefined', 'typeof require')
    }
  },

  'fetch reaches the testbed provider': async ({ ctx }) => {
    const response = await fetch(ctx.discoveryUrl, { signal: AbortSignal.timeout(5000) })
    equal(response.status, 200, 'discovery status')
    const document = (await response.json()) as { issuer?: unknown }
    equal(document.issuer, ctx.issuer, 'discovery issuer')
  },

  'Web Crypto verifies the fixture signatures': async ({ ctx }) => {
    for (const fixture of ctx.staticKeys) {
      const { good, tampered } = fixture.tokens
      const hmac = fixture.alg === 'HS256'
      const params: SubtleParams = hmac
        ? { import: { name: 'HMAC', hash: 'SHA-256' }, verify: { name: 'HMAC' } }
        : subtleParams(fixture.alg)
      const key = await importVerifyKey(fixture.key, params.import)
      for (const [token, expected] of [
        [good, true],
        [tampered, false],
      ] as const) {
        const { data, signature } = splitJws(token)
        const verified = await crypto.subtle.verify(params.verify, key, signature, data)
        assert(
          verified === expected,
          `${fixture.alg}: verify gave ${verified} for the ${expected ? 'good' : 'tampered'} token`,
        )
      }
    }
  },
})
