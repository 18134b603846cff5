/**
 * Several issuers behind one API: an allow-list, each issuer with its own discovery and keys, and
 * a resolver for multi-tenant providers. The issuer is chosen from the token's (unverified) `iss`
 * before any network call, so a token from an issuer nobody listed costs no fetch at all; the
 * token is then validated against that issuer only.
 */
import type { DiscoveryPolicy } from '../discovery/policy.js'
import { TokenValidationError } from '../errors.js'
import { parseHttpUrl } from '../internal/url.js'
import { type Claims, decodeJws } from '../kernel/jws.js'
import type { TokenValidationConfigInit } from '../validation/config.js'
import { validateToken } from '../validation/validate-token.js'

/**
 * One accepted issuer, with settings that override the shared ones for its tokens (for example
 * its own `audience` or `algorithms`).
 */
export interface IssuerOptions
  extends Partial<Omit<TokenValidationConfigInit, 'performDisco' | 'issuer'>> {
  /** The `iss` value of its tokens, compared by exact string equality. */
  issuer: string
  /** Where to discover its metadata and keys (default: `issuer`); unused when `key` is set. */
  discoDocAddress?: string | undefined
}

/**
 * Maps a token's `iss` to the settings that validate it, or `undefined` to refuse it.
 *
 * @remarks **Warning:** `iss` comes from a token that is not verified yet: anyone can write any
 * value there. Return settings only for issuers you trust, and never build a discovery address
 * from `iss` alone: a resolver that answers `{ issuer: iss }` for every `iss` accepts tokens
 * signed by anyone who runs a provider.
 */
export type IssuerResolver = (
  iss: string,
) => IssuerOptions | undefined | Promise<IssuerOptions | undefined>

/** Validates a token with the settings of its issuer. */
export type IssuerValidator = (token: string) => Promise<Claims>

interface Bound {
  readonly config: TokenValidationConfigInit
  readonly address: string | undefined
}

const RESOLVED_LIMIT = 1000

/**
 * Builds the per-issuer validator once: every allow-listed issuer's validation config is fixed
 * here; resolved issuers are remembered (bounded) so the resolver runs once per `iss`.
 *
 * @throws TypeError for a malformed issuer entry (caller mistake).
 */
export function createIssuerValidator(
  shared: TokenValidationConfigInit,
  issuers: readonly (string | IssuerOptions)[] | undefined,
  resolver: IssuerResolver | undefined,
): IssuerValidator {
  if (issuers !== undefined && !Array.isArray(issuers)) {
    throw new TypeError('issuers must be a list of issuer URLs or { issuer, ... } objects')
  }
  if (resolver !== undefined && typeof resolver !== 'function') {
    throw new TypeError('resolveIssuer must be a function (iss) => IssuerOptions | undefined')
  }
  const fixed = new Map<string, Bound>()
  for (const entry of issuers ?? []) {
    const bound = bind(shared, typeof entry === 'string' ? { issuer: entry } : entry)
    fixed.set(bound.config.issuer as string, bound)
  }
  const resolved = new Map<string, Promise<Bound | undefined>>()

  const resolve = (iss: string): Promise<Bound | undefined> => {
    let pending = resolved.get(iss)
    if (pending === undefined) {
      pending = Promise.resolve(resolver!(iss)).then((entry) => {
        if (entry === undefined) return undefined
        if (entry === null || typeof entry !== 'object' || entry.issuer !== iss) {
          throw new TypeError(
            'resolveIssuer must answer undefined or settings whose `issuer` is the token issuer',
          )
        }
        return bind(shared, entry)
      })
      // A failed resolution (a database outage, say) is not remembered.
      pending.catch(() => resolved.delete(iss))
      if (resolved.size >= RESOLVED_LIMIT) resolved.clear()
      resolved.set(iss, pending)
    }
    return pending
  }

  return async (token) => {
    const iss = decodeJws(token).claims.iss
    if (typeof iss !== 'string') {
      throw new TokenValidationError('claim_validation', 'the token has no "iss" claim', {
        claim: 'iss',
      })
    }
    const bound = fixed.get(iss) ?? (resolver === undefined ? undefined : await resolve(iss))
    if (bound === undefined) {
      throw new TokenValidationError(
        'claim_validation',
        `the token issuer ${JSON.stringify(iss.slice(0, 200))} is not one of the accepted issuers`,
        { claim: 'iss' },
      )
    }
    return validateToken(token, bound.config, bound.address)
  }
}

/** The validation config of one issuer: shared settings, its overrides, its issuer. */
function bind(shared: TokenValidationConfigInit, entry: IssuerOptions): Bound {
  if (entry === null || typeof entry !== 'object') {
    throw new TypeError('an issuer entry must be an issuer URL or { issuer, ... }')
  }
  const { issuer, discoDocAddress, claimsValidator, ...overrides } = entry
  if (typeof issuer !== 'string' || issuer.length === 0) {
    throw new TypeError('an issuer entry needs a non-empty `issuer`')
  }
  const merged: TokenValidationConfigInit = { ...shared, ...overrides, issuer, performDisco: false }
  merged.claimsValidator = chain(shared.claimsValidator, claimsValidator)
  merged.performDisco = merged.key === undefined
  let address: string | undefined
  if (merged.performDisco) {
    address = discoDocAddress ?? issuer
    parseHttpUrl(address, `the discovery address of issuer ${issuer}`)
  }
  return { config: merged, address }
}

function chain(
  first: TokenValidationConfigInit['claimsValidator'],
  second: TokenValidationConfigInit['claimsValidator'],
): TokenValidationConfigInit['claimsValidator'] {
  if (first === undefined) return second
  if (second === undefined) return first
  return async (claims) => {
    await first(claims)
    await second(claims)
  }
}

/** Options of {@link multiTenantIssuer}. */
export interface MultiTenantIssuerOptions {
  /**
   * The discovery address shared by every tenant, for example
   * `https://login.microsoftonline.com/common/v2.0` (or `.../organizations/v2.0`).
   */
  discoDocAddress: string
  /**
   * The issuer the discovery document declares, with `{tenantid}` where each token carries its
   * tenant, for example `https://login.microsoftonline.com/{tenantid}/v2.0`.
   */
  issuerTemplate: string
  /**
   * The tenants accepted: a list of tenant ids or a predicate. Default: every tenant.
   * @remarks **Risk when left open:** any organisation's users can then call the API with a
   * valid token for its `audience`; restrict tenants unless the API is meant for everyone.
   */
  tenants?: readonly string[] | ((tenantId: string) => boolean) | undefined
  /**
   * A claim that, when the token has it, must equal the tenant of `iss` (default `'tid'`, Entra
   * ID's tenant claim); `false` skips this check.
   */
  tenantClaim?: string | false | undefined
  /** Settings for these tokens that override the shared ones (for example `audience`). */
  settings?: Partial<Omit<TokenValidationConfigInit, 'performDisco' | 'issuer'>> | undefined
}

const TENANT_PLACEHOLDER = '{tenantid}'

/**
 * A resolver for a multi-tenant provider whose discovery document declares an issuer template,
 * as Microsoft Entra ID's `common` and `organizations` endpoints do
 * (`https://login.microsoftonline.com/{tenantid}/v2.0`). A token is accepted when its `iss` fits
 * the template with an accepted tenant; it is then validated against that exact `iss` with the
 * shared keys of the discovery address. The discovery policy accepts the template as the
 * document's issuer through `policy.authority`, nothing else is relaxed.
 *
 * @example
 * ```ts
 * requireToken({
 *   audience: 'api://my-api',
 *   resolveIssuer: multiTenantIssuer({
 *     discoDocAddress: 'https://login.microsoftonline.com/organizations/v2.0',
 *     issuerTemplate: 'https://login.microsoftonline.com/{tenantid}/v2.0',
 *     tenants: ['72f988bf-86f1-41af-91ab-2d7cd011db47'],
 *   }),
 * })
 * ```
 * @see OpenID Connect Discovery 1.0 §4.3 (issuer equality, which the template is an exception to)
 * @throws TypeError when the template has no `{tenantid}` or the address is not a URL.
 */
export function multiTenantIssuer(options: MultiTenantIssuerOptions): IssuerResolver {
  if (options === null || typeof options !== 'object') {
    throw new TypeError('multiTenantIssuer needs { discoDocAddress, issuerTemplate }')
  }
  const { discoDocAddress, issuerTemplate, tenants, settings } = options
  parseHttpUrl(discoDocAddress, 'discoDocAddress')
  if (typeof issuerTemplate !== 'string' || issuerTemplate.split(TENANT_PLACEHOLDER).length !== 2) {
    throw new TypeError(`issuerTemplate must contain ${TENANT_PLACEHOLDER} exactly once`)
  }
  const [before, after] = issuerTemplate.split(TENANT_PLACEHOLDER) as [string, string]
  const pattern = new RegExp(`^${escapeRegExp(before)}([A-Za-z0-9._-]+)${escapeRegExp(after)}$`)
  const accepts =
    tenants === undefined
      ? () => true
      : typeof tenants === 'function'
        ? tenants
        : (tenant: string) => tenants.includes(tenant)
  const tenantClaim = options.tenantClaim === undefined ? 'tid' : options.tenantClaim
  // One policy object for every tenant: one discovery fetch and one cache entry for all of them.
  const policy: DiscoveryPolicy = Object.freeze({
    ...settings?.policy,
    authority: issuerTemplate,
  })
  return (iss) => {
    const tenant = pattern.exec(iss)?.[1]
    if (tenant === undefined || !accepts(tenant)) return undefined
    return {
      ...settings,
      issuer: iss,
      discoDocAddress,
      policy,
      claimsValidator: chain(settings?.claimsValidator, (claims: Claims) => {
        const value = tenantClaim === false ? undefined : claims[tenantClaim]
        if (value !== undefined && value !== tenant) {
          throw new TokenValidationError(
            'claim_validation',
            `the token's ${String(tenantClaim)} claim does not match the tenant of its issuer`,
            { claim: String(tenantClaim) },
          )
        }
      }),
    }
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}
