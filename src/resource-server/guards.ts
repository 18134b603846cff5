/**
 * Authorization guards run after a token is verified: required scopes (all of or any of),
 * required claim values, and a custom predicate. A failed guard answers 403
 * `insufficient_scope`: the token is good, it just does not allow this request.
 */
import type { Claims } from '../kernel/jws.js'
import type { BearerSuccess } from './authenticate.js'
import type { BearerRefusal } from './challenge.js'

/** A claim value a guard can compare with. */
export type ClaimValue = string | number | boolean

/** Options shared by every guard. */
export interface GuardOptions {
  /**
   * Scopes the token must carry (from `scope`, or `scp`): every one of them, or at least one when
   * `scopeMatch` is `'any'`. A miss answers 403 with the `scope` needed in the challenge.
   */
  requiredScopes?: string | readonly string[] | undefined
  /** `'all'` (default): every scope of `requiredScopes`; `'any'`: at least one. */
  scopeMatch?: 'all' | 'any' | undefined
  /**
   * Claim values the token must carry, by claim name: a value, or a list of acceptable values.
   * For a claim that is an array (`roles`, `groups`), one of its members must be acceptable.
   *
   * @example `{ tid: '72f988bf-...', roles: ['admin', 'owner'] }`
   */
  requiredClaimValues?: Readonly<Record<string, ClaimValue | readonly ClaimValue[]>> | undefined
  /**
   * A last check on the verified claims; `false` answers 403. A throw or rejection answers 500
   * (it is a bug or an outage, not a verdict on the token).
   */
  authorize?: ((claims: Claims) => boolean | Promise<boolean>) | undefined
}

/** Why a guard refused. */
export interface GuardDenial {
  readonly description: string
  /** The scopes to name in the challenge. */
  readonly scopes?: readonly string[]
}

/** A built guard: `undefined` when the claims pass. */
export type Guard = (claims: Claims) => GuardDenial | undefined | Promise<GuardDenial | undefined>

/**
 * The scopes a token carries, from `scope` (space-delimited) or `scp` (an array or a
 * space-delimited string, as Entra ID and Okta send them).
 *
 * @example
 * ```ts
 * tokenScopes({ scope: 'api:read api:write' }) // ['api:read', 'api:write']
 * tokenScopes({ scp: ['Files.Read'] })         // ['Files.Read']
 * ```
 * @see RFC 9068 §2.2.3, RFC 8693 §4.2
 */
export function tokenScopes(claims: Claims): string[] {
  const source = claims.scope ?? claims.scp
  if (typeof source === 'string') return source.split(' ').filter(Boolean)
  if (Array.isArray(source))
    return source.filter((scope): scope is string => typeof scope === 'string')
  return []
}

/**
 * Builds the guard for `options`, once; `undefined` when there is nothing to check.
 *
 * @throws TypeError for a malformed option (caller mistake).
 */
export function createGuard(options: GuardOptions): Guard | undefined {
  const checks: ((claims: Claims) => GuardDenial | undefined)[] = []
  const scopes = createScopeCheck(options.requiredScopes, options.scopeMatch)
  if (scopes) checks.push(scopes)
  if (options.requiredClaimValues !== undefined) {
    checks.push(claimValuesCheck(options.requiredClaimValues))
  }
  const authorize = options.authorize
  if (authorize !== undefined && typeof authorize !== 'function') {
    throw new TypeError('authorize must be a function (claims) => boolean | Promise<boolean>')
  }
  if (checks.length === 0 && authorize === undefined) return undefined

  const denied: GuardDenial = Object.freeze({
    description: 'The token does not allow this request',
  })
  return (claims) => {
    for (const check of checks) {
      const denial = check(claims)
      if (denial) return denial
    }
    if (authorize === undefined) return undefined
    const verdict: unknown = authorize(claims)
    if (verdict instanceof Promise) {
      return verdict.then((allowed) => (allowed === true ? undefined : denied))
    }
    return verdict === true ? undefined : denied
  }
}

/**
 * The scope check alone, synchronous; `undefined` when no scope is required.
 *
 * @throws TypeError for malformed scopes.
 */
export function createScopeCheck(
  required: string | readonly string[] | undefined,
  match: 'all' | 'any' | undefined,
): ((claims: Claims) => GuardDenial | undefined) | undefined {
  if (required === undefined) return undefined
  const list = typeof required === 'string' ? required.split(' ').filter(Boolean) : [...required]
  if (!Array.isArray(list) || list.some((scope) => typeof scope !== 'string' || scope === '')) {
    throw new TypeError('requiredScopes must be a scope string or a list of non-empty scopes')
  }
  if (match !== undefined && match !== 'all' && match !== 'any') {
    throw new TypeError('scopeMatch must be "all" or "any"')
  }
  if (list.length === 0) return undefined
  const scopes = Object.freeze(list)
  if (match === 'any') {
    const denial: GuardDenial = Object.freeze({
      description: 'The token lacks one of the accepted scopes',
      scopes,
    })
    return (claims) => {
      const granted = tokenScopes(claims)
      return scopes.some((scope) => granted.includes(scope)) ? undefined : denial
    }
  }
  // The challenge's `scope` names what is needed; the description stays a fixed text.
  const denial: GuardDenial = Object.freeze({
    description: 'The token lacks a required scope',
    scopes,
  })
  return (claims) => {
    const granted = tokenScopes(claims)
    return scopes.every((scope) => granted.includes(scope)) ? undefined : denial
  }
}

/** Options of {@link createScopeGuard}. */
export interface ScopeGuardOptions {
  /** `'all'` (default): every scope; `'any'`: at least one. */
  readonly match?: 'all' | 'any' | undefined
}

/**
 * A scope check for one route, after the token check: the 403 `insufficient_scope` refusal
 * (in the challenge and scheme of the request's own token check, reported to its `onRefusal`)
 * or `undefined` when the token carries the scopes. Every adapter's `requireScopes` is this
 * guard; use it directly with {@link createBearerAuthenticator}.
 *
 * @example
 * ```ts
 * const authenticate = createBearerAuthenticator({ discoDocAddress, audience: 'my-api' })
 * const canWrite = createScopeGuard('orders:write')
 * const outcome = await authenticate(request.headers.authorization)
 * const refusal = outcome.ok ? canWrite(outcome) : outcome
 * if (refusal !== undefined) return send(refusal.status, refusal.headers, refusal.body)
 * ```
 * @see RFC 6750 §3.1
 * @throws TypeError at once for malformed or missing scopes.
 */
export function createScopeGuard(
  scopes: string | readonly string[],
  options: ScopeGuardOptions = {},
): (outcome: BearerSuccess) => BearerRefusal | undefined {
  const check = createScopeCheck(scopes, options?.match)
  if (check === undefined) throw new TypeError('a scope guard needs at least one scope')
  return (outcome) => {
    const denial = check(outcome.claims)
    return denial === undefined ? undefined : outcome.refuse(denial)
  }
}

function claimValuesCheck(
  required: Readonly<Record<string, ClaimValue | readonly ClaimValue[]>>,
): (claims: Claims) => GuardDenial | undefined {
  if (required === null || typeof required !== 'object') {
    throw new TypeError('requiredClaimValues must be an object of claim names to values')
  }
  const entries = Object.entries(required).map(([name, accepted]) => {
    const values: readonly unknown[] = Array.isArray(accepted) ? accepted : [accepted]
    if (values.length === 0 || values.some((value) => !isClaimValue(value))) {
      throw new TypeError(
        `requiredClaimValues.${name} must be a string, number or boolean, or a non-empty list of them`,
      )
    }
    const denial: GuardDenial = Object.freeze({
      description: `The token's ${name} claim does not allow this request`,
    })
    return { name, values, denial }
  })
  return (claims) => {
    for (const { name, values, denial } of entries) {
      const actual = claims[name]
      const ok = Array.isArray(actual)
        ? actual.some((item) => values.includes(item))
        : values.includes(actual)
      if (!ok) return denial
    }
    return undefined
  }
}

function isClaimValue(value: unknown): value is ClaimValue {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'
}
