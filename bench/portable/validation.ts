/**
 * Runs inside each runtime (Node, Bun, Deno, workerd; see bench/scenarios/runtimes.ts): RS256,
 * ES256, EdDSA and HS256 validation with identity-model's `validateToken` (static key), `jose.jwtVerify` and raw
 * `crypto.subtle.verify` over the same tokens, measured in interleaved rounds on the wall clock
 * (bench/lib/measure.ts). Web APIs only, like the portable suite; the package and jose are
 * imported by name, so each runtime resolves them as a user's code would.
 */
import type * as Core from 'identity-model'
import { importVerifyKey, splitJws, subtleParams } from '../../test/portable/suite/encoding.js'
import { describe } from '../../test/portable/suite/registry.js'
import { type Contender, compare, type Measured } from '../lib/measure.js'

export interface BenchAlg {
  readonly alg: 'RS256' | 'ES256' | 'EdDSA' | 'HS256'
  /** The public JWK (with `alg` and `kid`; for HS256 the secret as an `oct` JWK). */
  readonly jwk: Record<string, unknown>
  readonly issuer: string
  readonly audience: string
  /** Distinct valid tokens, used round-robin. */
  readonly tokens: readonly string[]
}

export interface BenchInput {
  readonly algs: readonly BenchAlg[]
  readonly rounds: number
  /** Length of one measured segment. */
  readonly ms: number
}

export interface BenchOutput {
  readonly results: readonly {
    readonly alg: string
    /** raw subtle first, then identity-model (when it loaded), then jose. */
    readonly measured: readonly Measured[]
  }[]
  /** Why identity-model was not measured (it did not load here). */
  readonly unavailable?: string
}

export const RAW = 'raw crypto.subtle.verify'
export const OURS = 'identity-model validateToken'
export const JOSE = 'jose jwtVerify'

export async function run(input: BenchInput): Promise<BenchOutput> {
  let core: typeof Core | undefined
  let unavailable: string | undefined
  try {
    core = await import('identity-model')
  } catch (error) {
    unavailable = describe(error)
  }
  const jose = await import('jose')
  const results: { alg: string; measured: Measured[] }[] = []
  for (const { alg, jwk, issuer, audience, tokens } of input.algs) {
    const params = subtleParams(alg)
    const key = await importVerifyKey(jwk, params.import)
    // Raw: the signature check alone, on a pre-imported key over pre-split input.
    const parts = tokens.map(splitJws)
    const joseKey = await jose.importJWK(jwk as Parameters<typeof jose.importJWK>[0], alg)
    const config = { performDisco: false, key: jwk as Core.JsonWebKey, issuer, audience }
    let next = 0
    const pick = () => next++ % tokens.length
    const verifiers: [string, (i: number) => Promise<unknown>][] = [
      [
        RAW,
        async (i) => {
          const { data, signature } = parts[i]!
          if (!(await crypto.subtle.verify(params.verify, key, signature, data))) {
            throw new Error('raw verify refused a good token')
          }
        },
      ],
      ...(core === undefined
        ? []
        : [
            [OURS, (i: number) => core.validateToken(tokens[i]!, config)] as [
              string,
              (i: number) => Promise<unknown>,
            ],
          ]),
      [JOSE, (i) => jose.jwtVerify(tokens[i]!, joseKey, { issuer, audience, algorithms: [alg] })],
    ]
    const contenders: Contender[] = []
    for (const [name, verify] of verifiers) {
      await verify(0) // warm caches, and prove each accepts the tokens
      contenders.push({ name, run: () => verify(pick()) })
    }
    results.push({
      alg,
      measured: await compare(contenders, { rounds: input.rounds, ms: input.ms }),
    })
  }
  return {
    results,
    ...(unavailable === undefined ? {} : { unavailable }),
  }
}
