/**
 * The introspection strategy for opaque access tokens (RFC 7662): ask the authorization server,
 * remember the answer in a hash-keyed cache that never outlives the token, then apply the same
 * audience and time checks a JWT gets.
 */

import type { ClientCredentials } from '../client-auth/methods.js'
import type { DiscoveryPolicy } from '../discovery/policy.js'
import { introspectToken } from '../endpoints/introspection.js'
import {
  ConfigurationError,
  type IdentityModelError,
  ProviderUnavailableError,
  TokenValidationError,
} from '../errors.js'
import { isUnavailable, type RequestFailure } from '../http/result.js'
import { parseHttpUrl } from '../internal/url.js'
import { checkClaims, checkedLeeway, checkedNow, claimError as fail } from '../kernel/claims.js'
import type { Claims } from '../kernel/jws.js'
import { getDiscoveryDocument } from '../provider/get-discovery-document.js'
import { defaultProviderCache, type ProviderCache } from '../provider/provider-cache.js'
import { DEFAULT_LEEWAY_SECONDS } from '../validation/config.js'
import { runClaimsValidator } from '../validation/validate-token.js'
import {
  IntrospectionCache,
  type IntrospectionCacheOptions,
  type IntrospectionEntry,
} from './introspection-cache.js'

/** How to introspect opaque tokens: the endpoint and this API's own client credentials. */
export interface IntrospectionOptions extends ClientCredentials {
  /** The introspection endpoint; default: `introspection_endpoint` from discovery. */
  address?: string | undefined
  /** Where to discover the endpoint (default: the middleware's `discoDocAddress`). */
  discoDocAddress?: string | undefined
  /** The `token_type_hint` sent (default `'access_token'`; `false` sends none). */
  tokenTypeHint?: string | false | undefined
  /**
   * The answer cache: an {@link IntrospectionCache} (to share one between middlewares), its
   * options, or `false` to ask the provider on every request. Default: a cache per middleware,
   * 10 000 entries, answers reused for at most 60 s and never past the token's `exp`.
   */
  cache?: IntrospectionCache | IntrospectionCacheOptions | false | undefined
  /**
   * Ask for signed answers (RFC 9701 JWT introspection responses) and verify them with the
   * provider's keys from the discovery address: for a client registered with
   * `introspection_signed_response_alg`. A plain JSON answer is then refused (500: the provider
   * is not configured as this API expects).
   */
  jwtResponse?: boolean | undefined
  /** A custom `fetch` for the introspection and discovery requests. */
  fetch?: typeof fetch | undefined
  /** Per-attempt timeout in milliseconds. */
  timeoutMs?: number | undefined
}

/** The checks applied to an active token, taken from the middleware's validation settings. */
export interface IntrospectionChecks {
  readonly audience?: string | readonly string[] | undefined
  readonly issuer?: string | readonly string[] | undefined
  readonly leeway?: number | undefined
  readonly currentDate?: Date | undefined
  readonly verifyAud?: boolean | undefined
  readonly claimsValidator?: ((claims: Claims) => unknown) | undefined
  readonly discoDocAddress?: string | undefined
  readonly policy?: DiscoveryPolicy | undefined
  readonly providerCache?: ProviderCache | undefined
}

/**
 * Introspects a token and resolves to its claims, or throws like `validateToken`. `scheme` is the
 * one the request used: a `token_type` of `DPoP` is accepted only for a DPoP request.
 */
export type Introspector = (token: string, scheme?: 'Bearer' | 'DPoP') => Promise<Claims>

/**
 * Builds the introspection strategy once.
 *
 * @throws TypeError when neither an endpoint nor a discovery address is known, or the client id
 *   is missing.
 */
export function createIntrospector(
  options: IntrospectionOptions,
  checks: IntrospectionChecks,
): Introspector {
  if (options === null || typeof options !== 'object') {
    throw new TypeError('introspection must be { clientId, clientSecret, address? }')
  }
  if (typeof options.clientId !== 'string' || options.clientId.length === 0) {
    throw new TypeError('introspection.clientId is required (this API authenticates to introspect)')
  }
  const discoDocAddress = options.discoDocAddress ?? checks.discoDocAddress
  if (options.address !== undefined) parseHttpUrl(options.address, 'introspection.address')
  else if (discoDocAddress !== undefined) parseHttpUrl(discoDocAddress, 'discoDocAddress')
  else {
    throw new TypeError(
      'introspection needs an endpoint: set introspection.address or a discoDocAddress',
    )
  }
  const cache =
    options.cache === false
      ? undefined
      : options.cache instanceof IntrospectionCache
        ? options.cache
        : new IntrospectionCache(options.cache)
  const {
    address: _address,
    discoDocAddress: _disco,
    cache: _cache,
    tokenTypeHint: _hint,
    jwtResponse,
    ...client
  } = options
  if (jwtResponse && discoDocAddress === undefined) {
    throw new TypeError(
      'introspection.jwtResponse needs a discoDocAddress: the provider whose keys sign the answers',
    )
  }
  const hint = options.tokenTypeHint === undefined ? 'access_token' : options.tokenTypeHint
  const request = {
    ...client,
    ...(hint === false ? {} : { tokenTypeHint: hint }),
    ...(jwtResponse
      ? {
          jwtResponse: true,
          discoDocAddress,
          policy: checks.policy,
          cache: checks.providerCache ?? defaultProviderCache,
        }
      : {}),
  }
  const check = activeTokenCheck(checks)

  let endpoint: Promise<string> | undefined =
    options.address === undefined ? undefined : Promise.resolve(options.address)
  const findEndpoint = (): Promise<string> => {
    endpoint ??= discover(discoDocAddress as string, options, checks).catch((error: unknown) => {
      endpoint = undefined
      throw error
    })
    return endpoint
  }

  const inflight = new Map<string, Promise<IntrospectionEntry>>()
  const ask = async (token: string, key: string, address: string): Promise<IntrospectionEntry> => {
    const result = await introspectToken({ ...request, address, token })
    if (!result.isSuccessful) throw introspectionError(result)
    const entry: IntrospectionEntry = result.active
      ? { active: true, claims: result.claims as Claims }
      : { active: false }
    const exp = result.active ? result.claims.exp : undefined
    cache?.set(key, address, entry, typeof exp === 'number' ? exp : undefined)
    return entry
  }

  return async (token, scheme = 'Bearer') => {
    const address = await findEndpoint()
    const key = IntrospectionCache.keyOf(token)
    let entry = cache?.get(key, address)
    if (entry === undefined) {
      let pending = inflight.get(key)
      if (pending === undefined) {
        pending = ask(token, key, address).finally(() => inflight.delete(key))
        inflight.set(key, pending)
      }
      entry = await pending
    }
    if (!entry.active) {
      throw new TokenValidationError(
        'claim_validation',
        'the introspection endpoint says the token is not active',
        { claim: 'active' },
      )
    }
    await check(entry.claims, scheme)
    return entry.claims
  }
}

async function discover(
  address: string,
  options: IntrospectionOptions,
  checks: IntrospectionChecks,
): Promise<string> {
  const result = await getDiscoveryDocument({
    address,
    policy: checks.policy,
    cache: checks.providerCache ?? defaultProviderCache,
    fetch: options.fetch,
    timeoutMs: options.timeoutMs,
  })
  if (!result.isSuccessful) throw failureError('the discovery document', result)
  if (result.introspectionEndpoint === undefined) {
    throw new ConfigurationError(
      `the discovery document of ${result.issuer} has no introspection_endpoint; set introspection.address`,
    )
  }
  return result.introspectionEndpoint
}

/** What an active token must still pass: time, audience, issuer, token type, the validator. */
function activeTokenCheck(
  checks: IntrospectionChecks,
): (claims: Claims, scheme: 'Bearer' | 'DPoP') => Promise<void> {
  const leeway = checkedLeeway(checks.leeway, DEFAULT_LEEWAY_SECONDS)
  const audience = checks.verifyAud === false ? undefined : checks.audience
  const issuer = checks.issuer
  const validator = checks.claimsValidator
  return async (claims, scheme) => {
    const tokenType = claims.token_type
    // RFC 9449 §6.2: a DPoP-bound token introspects as token_type DPoP; it is acceptable only
    // with its proof (a DPoP request), and the binding is checked by the caller.
    const accepted = scheme === 'DPoP' ? ['bearer', 'dpop'] : ['bearer']
    if (typeof tokenType === 'string' && !accepted.includes(tokenType.toLowerCase())) {
      throw fail('token_type', `the token is a ${tokenType} token, not a ${scheme} access token`)
    }
    // RFC 7662 §2.2: every member but `active` is optional, so only what is there is checked
    // (an absent `iss` passes), except the audience this API requires.
    checkClaims(claims, {
      now: checkedNow(checks.currentDate),
      leeway,
      issuer,
      issuerOptional: true,
      audience,
      verifyIat: false,
      what: 'the introspection answer',
    })
    if (validator !== undefined) await runClaimsValidator(validator, claims)
  }
}

/**
 * An introspection failure as an error: the provider being down is a 503, the provider refusing
 * this API's own credentials (or a 4xx) is a configuration problem (500).
 */
function introspectionError(failure: RequestFailure): IdentityModelError {
  return failureError('the introspection endpoint', failure)
}

function failureError(what: string, failure: RequestFailure): IdentityModelError {
  const status = failure.httpStatus
  const detail = failure.errorDescription
    ? `${failure.error}: ${failure.errorDescription}`
    : failure.error
  if (isUnavailable(failure)) {
    return new ProviderUnavailableError(`${what} is unavailable: ${detail}`, {
      cause: failure,
      ...(status === undefined ? {} : { httpStatus: status }),
    })
  }
  return new ConfigurationError(`${what} refused this API's request: ${detail}`, {
    cause: failure,
  })
}
