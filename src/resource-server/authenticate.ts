/**
 * The framework-free core of bearer-token protection: take the token from the request
 * (RFC 6750 §2), validate it (a JWT against its issuer, or an opaque token by introspection),
 * apply the guards, and turn the outcome into a status, an RFC 6750 §3 challenge and a JSON body.
 * With the `dpop` option, DPoP-bound tokens with their proofs are accepted too (RFC 9449 §7;
 * see dpop.ts).
 * Adapters (Express, Fastify, web `Request`/`Response`) only move these values in and out of
 * their framework. Everything that can be decided once is decided when the middleware is built.
 */
import { publishRefusal } from '../diagnostics/events.js'
import { ConfigurationError, TokenValidationError } from '../errors.js'
import { parseHttpUrl } from '../internal/url.js'
import type { Claims } from '../kernel/jws.js'
import type { TokenValidationConfigInit } from '../validation/config.js'
import { validateToken } from '../validation/validate-token.js'
import {
  checkCertificateBinding,
  type MtlsOptions,
  type MtlsSettings,
  resolveMtls,
} from './certificate-binding.js'
import { type BearerRefusal, createDpopRefuser, createRefuser, type Refuser } from './challenge.js'
import { createDpopStep, type DpopAuthOptions, resolveDpop } from './dpop.js'
import {
  type BearerMethod,
  type BearerRequestParts,
  extractToken,
  resolveMethods,
} from './extract.js'
import { createGuard, type GuardDenial, type GuardOptions } from './guards.js'
import { createIntrospector, type IntrospectionOptions } from './introspection-strategy.js'
import { createIssuerValidator, type IssuerOptions, type IssuerResolver } from './issuers.js'
import type { ProtectedResourceMetadata } from './metadata.js'

export type { ClientCertificate, MtlsOptions } from './certificate-binding.js'
export type { BearerRefusal, Refuser } from './challenge.js'
export type { DpopAuthOptions } from './dpop.js'
export { extractBearerToken, extractDpopToken } from './extract.js'
export { createScopeGuard, tokenScopes } from './guards.js'

/**
 * Options of every bearer-token middleware: how to validate (one issuer by discovery, several
 * issuers, a static key, introspection), what to require (guards), how to challenge.
 */
export interface BearerAuthOptions
  extends Omit<TokenValidationConfigInit, 'performDisco'>,
    GuardOptions {
  /** The issuer or discovery URL of the one issuer whose tokens are accepted. */
  discoDocAddress?: string | undefined
  /** Default: `true` unless a static `key` is given. */
  performDisco?: boolean | undefined
  /**
   * Several accepted issuers (instead of `discoDocAddress`): issuer URLs, or objects with the
   * issuer's own `discoDocAddress`, `audience` and other overrides. The token's `iss` picks one
   * before any network call; an unlisted issuer is refused without a fetch.
   */
  issuers?: readonly (string | IssuerOptions)[] | undefined
  /**
   * Settings for issuers not in `issuers`, chosen at request time (multi-tenant providers; see
   * `multiTenantIssuer`). Answers are remembered per `iss`.
   * @remarks **Warning:** `iss` is not verified yet when the resolver runs; see
   * {@link IssuerResolver}.
   */
  resolveIssuer?: IssuerResolver | undefined
  /**
   * Validate opaque tokens (anything that is not a three-part JWS) by RFC 7662 introspection;
   * when no JWT validation is configured, every token is introspected.
   */
  introspection?: IntrospectionOptions | undefined
  /**
   * Enforce the JWT access-token profile (RFC 9068): header `typ` `at+jwt` (unless `typ` is
   * set), and the claims `iss`, `exp`, `aud`, `sub`, `client_id`, `iat` and `jti` required.
   * Stops an ID token from being used as an access token. Off by default, since some providers
   * (Amazon Cognito) send no `typ`.
   * @see RFC 9068 §2.1, §2.2, §4
   */
  jwtAccessTokenProfile?: boolean | undefined
  /**
   * Where the token may be: `['header']` by default; add `'body'` (a form-encoded body) or
   * `'query'` (the `access_token` parameter) only for clients that cannot send a header.
   * @remarks **Risk of `'query'`:** URLs end up in logs, browser history and `Referer`
   * headers (RFC 6750 §5.3); prefer the header.
   */
  bearerMethods?: readonly BearerMethod[] | undefined
  /**
   * With `bearerMethods` including `'body'`: the largest form body the web and Hono adapters
   * read to find the token, in bytes (default 64 KiB). A larger body is refused with 400
   * `invalid_request` before it is read further. Express and Fastify bodies are read by their
   * own parsers, under their own limits.
   */
  maxBodyBytes?: number | undefined
  /** The `realm` of the challenge. */
  realm?: string | undefined
  /**
   * The RFC 9728 metadata (from `protectedResourceMetadata`) or its URL, sent as the challenge's
   * `resource_metadata` so clients can find the authorization server.
   */
  resourceMetadata?: string | ProtectedResourceMetadata | undefined
  /**
   * Accept DPoP-bound tokens (RFC 9449 §7): `Authorization: DPoP <token>` with a `DPoP` proof
   * header is accepted when the proof is valid for this request (method, URI, age, nonce, `ath`),
   * the token is valid, and its `cnf.jkt` is the proof key's thumbprint; replayed proofs are
   * refused. Challenges then carry `DPoP algs="..."` beside `Bearer` (or alone with
   * `required`). `true` takes the defaults. Off by default: Bearer only, and a DPoP-bound token
   * presented as a bearer token is refused either way.
   * @remarks Set `origin` (this API's public origin) behind a proxy, and in production: the
   * proof's `htu` is otherwise compared with the request's `Host` header.
   */
  dpop?: boolean | DpopAuthOptions | undefined
  /**
   * Accept certificate-bound tokens (RFC 8705 §3): a token whose `cnf` holds `x5t#S256` passes
   * only when the connection's client certificate has that thumbprint. `true` reads the TLS
   * socket (Express, Fastify: ask for client certificates in the server's TLS options);
   * `{ certificateHeader }` reads the certificate a trusted TLS-terminating proxy passes (the web
   * adapter needs it). Off by default, and then a certificate-bound token is refused (401
   * `invalid_token`), never taken as a plain bearer token.
   */
  mtls?: boolean | MtlsOptions | undefined
  /**
   * Called with every refusal (401, 400, 403, 500, 503), for logs and metrics. `cause` says
   * why; it never contains the token. A hook that throws or rejects (an audit sink that is down)
   * changes nothing: the refusal is still sent and the process does not crash.
   */
  onRefusal?: ((refusal: BearerRefusal) => unknown) | undefined
}

/** A request whose token was accepted. */
export interface BearerSuccess {
  readonly ok: true
  readonly claims: Claims
  readonly token: string
  /** Where the token was found. */
  readonly method: BearerMethod
  /** The authentication scheme: `DPoP` for a DPoP-bound token with its proof. */
  readonly scheme: 'Bearer' | 'DPoP'
  /**
   * The 403 `insufficient_scope` refusal for a later guard on this request (such as
   * `requireScopes`), in this configuration's challenge and the scheme the request used, reported
   * to `onRefusal`. See {@link createScopeGuard}.
   */
  readonly refuse: (denial: GuardDenial) => BearerRefusal
}

/** The result of checking one request: the accepted token, or the refusal ready to send. */
export type BearerOutcome = BearerSuccess | BearerRefusal

/**
 * Checks one request: its parts (see {@link BearerRequestParts}), or just its `Authorization`
 * header value.
 */
export type BearerAuthenticator = (
  request: BearerRequestParts | string | readonly string[] | undefined,
) => Promise<BearerOutcome>

/**
 * A built middleware core: what the framework adapters need besides the authenticator. Not
 * exported from any entry point (adapter plumbing), yet not stripped from the declarations: the
 * adapters' shipped declarations refer to it.
 */
export interface BearerAuth {
  readonly authenticate: BearerAuthenticator
  /** The enabled token methods (adapters read a body or a query only when enabled). */
  readonly methods: ReadonlySet<BearerMethod>
  /** DPoP is enabled: adapters pass the `DPoP` header, the method and the URL. */
  readonly dpop: boolean
  /** The 500 for a server set up wrongly (e.g. a form body nobody parsed), reported. */
  readonly misconfigured: (description: string) => BearerRefusal
  /** A 400 `invalid_request` refusal (e.g. a body over its budget), reported. */
  readonly invalidRequest: (description: string) => BearerRefusal
  /** The largest form body to read for a token, in bytes. */
  readonly maxBodyBytes: number
  /** Mutual TLS is enabled: adapters pass the client certificate (from the socket or `header`). */
  readonly mtls: MtlsSettings | undefined
}

const JWT_PROFILE_CLAIMS = ['iss', 'exp', 'aud', 'sub', 'client_id', 'iat', 'jti'] as const

/**
 * Builds the check once (options resolved, validation configs fixed, guards compiled) so each
 * request pays only for its token.
 *
 * @example
 * ```ts
 * const authenticate = createBearerAuthenticator({ discoDocAddress, audience: 'my-api' })
 * const outcome = await authenticate(req.headers.authorization)
 * if (!outcome.ok) return send(outcome.status, outcome.headers, outcome.body)
 * ```
 * @see RFC 6750 §2, §3
 * @throws TypeError when the options cannot work (no issuer, key or introspection; no audience).
 */
export function createBearerAuthenticator(options: BearerAuthOptions): BearerAuthenticator {
  return createBearerAuth(options).authenticate
}

/**
 * One-shot form of {@link createBearerAuthenticator}; builds everything on each call, so prefer
 * the factory for a server.
 */
export function authenticateBearer(
  request: BearerRequestParts | string | readonly string[] | undefined,
  options: BearerAuthOptions,
): Promise<BearerOutcome> {
  return createBearerAuthenticator(options)(request)
}

/**
 * The core as adapters use it: the authenticator plus the enabled methods and refusals.
 *
 * @throws TypeError when the options cannot work. Not exported from any entry point.
 */
export function createBearerAuth(options: BearerAuthOptions): BearerAuth {
  if (options === null || typeof options !== 'object') {
    throw new TypeError('bearer authentication needs options: { discoDocAddress, audience, ... }')
  }
  const {
    discoDocAddress,
    performDisco,
    issuers,
    resolveIssuer,
    introspection,
    jwtAccessTokenProfile,
    bearerMethods,
    maxBodyBytes,
    realm,
    resourceMetadata,
    dpop,
    mtls,
    onRefusal,
    requiredScopes,
    scopeMatch,
    requiredClaimValues,
    authorize,
    ...validationOptions
  } = options
  const methods = resolveMethods(bearerMethods)
  const dpopSettings = resolveDpop(dpop)
  const mtlsSettings = resolveMtls(mtls)
  const challengeSettings = {
    realm,
    resourceMetadataUrl: metadataUrl(resourceMetadata),
    dpop:
      dpopSettings === undefined
        ? undefined
        : { algs: dpopSettings.algorithms, required: dpopSettings.required },
  }
  const refuser = createRefuser(challengeSettings)
  const dpopRefuser = dpopSettings === undefined ? undefined : createDpopRefuser(challengeSettings)
  const guard = createGuard({ requiredScopes, scopeMatch, requiredClaimValues, authorize })
  // validateToken's own default ('auto'): a request verifies on this thread unless other
  // validations are in flight. Handing every signature to the thread pool ('always') cost a
  // server about four times the signature's CPU per request (npm run bench, HTTP scenario).
  const validation = jwtAccessTokenProfile ? withJwtProfile(validationOptions) : validationOptions
  const multiIssuer = issuers !== undefined || resolveIssuer !== undefined
  if (multiIssuer && discoDocAddress !== undefined) {
    throw new TypeError(
      'use either discoDocAddress (one issuer) or issuers / resolveIssuer (several), not both',
    )
  }
  checkAudience(validation, issuers, resolveIssuer !== undefined)

  let validateJwt: ((token: string) => Promise<Claims>) | undefined
  if (multiIssuer) {
    validateJwt = createIssuerValidator(
      { ...validation, performDisco: true },
      issuers,
      resolveIssuer,
    )
  } else if (discoDocAddress !== undefined || validation.key !== undefined) {
    const disco = performDisco ?? validation.key === undefined
    const config: TokenValidationConfigInit = { ...validation, performDisco: disco }
    if (disco) parseHttpUrl(discoDocAddress, 'discoDocAddress')
    else checkStaticKey(config)
    validateJwt = (token) => validateToken(token, config, discoDocAddress)
  }
  const introspect =
    introspection === undefined
      ? undefined
      : createIntrospector(introspection, {
          audience: validation.audience,
          issuer: validation.issuer ?? listedIssuers(issuers),
          leeway: validation.leeway,
          currentDate: validation.currentDate,
          verifyAud: validation.options?.verifyAud,
          claimsValidator: validation.claimsValidator,
          discoDocAddress,
          policy: validation.policy,
          providerCache: validation.cache,
        })
  if (validateJwt === undefined && introspect === undefined) {
    throw new TypeError(
      'bearer authentication needs discoDocAddress, issuers, resolveIssuer, a static key or introspection',
    )
  }

  if (onRefusal !== undefined && typeof onRefusal !== 'function') {
    throw new TypeError('onRefusal must be a function (refusal) => void')
  }
  const report =
    onRefusal === undefined
      ? (refusal: BearerRefusal) => publishRefusal(refusal)
      : (refusal: BearerRefusal) => {
          publishRefusal(refusal)
          try {
            const pending: unknown = onRefusal(refusal)
            if (pending !== null && typeof (pending as Promise<void>)?.then === 'function') {
              // An async hook that rejects (an audit sink that is down) must not become an
              // unhandled rejection: any client can trigger a refusal.
              ;(pending as Promise<void>).then(undefined, ignore)
            }
          } catch {
            // A failing logger must not turn a refusal into a crash.
          }
          return refusal
        }
  const denyWith =
    (refusals: Refuser) =>
    (denial: GuardDenial): BearerRefusal =>
      report(refusals.insufficientScope(denial.description, denial.scopes))
  const bearerDeny = denyWith(refuser)
  const dpopDeny = dpopRefuser === undefined ? bearerDeny : denyWith(dpopRefuser)

  const validateAccessToken = (token: string, scheme: 'Bearer' | 'DPoP'): Promise<Claims> =>
    introspect !== undefined && (validateJwt === undefined || !isJwtShaped(token))
      ? introspect(token, scheme)
      : (validateJwt as (token: string) => Promise<Claims>)(token)

  /** The guards, then the success outcome. */
  const accept = async (
    claims: Claims,
    token: string,
    method: BearerMethod,
    scheme: 'Bearer' | 'DPoP',
    refusals: Refuser,
  ): Promise<BearerOutcome> => {
    if (guard !== undefined) {
      let denial: Awaited<ReturnType<typeof guard>>
      try {
        denial = await guard(claims)
      } catch (error) {
        return report(refusals.forError(error))
      }
      if (denial !== undefined) {
        return report(refusals.insufficientScope(denial.description, denial.scopes))
      }
    }
    return {
      ok: true,
      claims,
      token,
      method,
      scheme,
      refuse: scheme === 'DPoP' ? dpopDeny : bearerDeny,
    }
  }

  const dpopStep =
    dpopSettings === undefined || dpopRefuser === undefined
      ? undefined
      : createDpopStep({
          settings: dpopSettings,
          refuser: dpopRefuser,
          bearerRefuser: refuser,
          methods,
          validate: (token) => validateAccessToken(token, 'DPoP'),
          currentDate: validation.currentDate,
          report,
          accept,
        })

  const authenticate: BearerAuthenticator = async (request) => {
    const parts: BearerRequestParts =
      request !== null && typeof request === 'object' && !Array.isArray(request)
        ? (request as BearerRequestParts)
        : { authorization: request as string | readonly string[] | undefined }
    if (dpopStep !== undefined) {
      const outcome = await dpopStep(parts)
      if (outcome !== undefined) {
        if (!outcome.ok) return outcome
        // RFC 8705 §3 holds for DPoP-bound tokens too, should a token carry both bindings.
        const refusal = certificateRefusal(outcome.claims, parts, dpopRefuser ?? refuser)
        return refusal === undefined ? outcome : report(refusal)
      }
    }
    const extraction = extractToken(parts, methods)
    if (extraction.token === undefined) {
      return report(
        extraction.invalid === undefined
          ? refuser.missing
          : refuser.invalidRequest(extraction.invalid),
      )
    }
    const { token } = extraction
    let claims: Claims
    try {
      claims = await validateAccessToken(token, 'Bearer')
    } catch (error) {
      return report(refuser.forError(error))
    }
    const certificateRefused = certificateRefusal(claims, parts, refuser)
    if (certificateRefused !== undefined) return report(certificateRefused)
    if (isKeyBound(claims)) {
      return report(
        refuser.forError(
          new TokenValidationError(
            'claim_validation',
            'the token is bound to a DPoP key (cnf.jkt); this API accepts bearer tokens only',
            { claim: 'cnf' },
          ),
        ),
      )
    }
    return accept(claims, token, extraction.method, 'Bearer', refuser)
  }
  return {
    authenticate,
    methods,
    dpop: dpopSettings !== undefined,
    maxBodyBytes: bodyLimit(maxBodyBytes),
    misconfigured: (description) => report(refuser.forError(new ConfigurationError(description))),
    invalidRequest: (description) => report(refuser.invalidRequest(description)),
    mtls: mtlsSettings,
  }

  /** The refusal of a certificate-bound token this connection cannot use, if it is one. */
  function certificateRefusal(
    claims: Claims,
    parts: BearerRequestParts,
    refusals: Refuser,
  ): BearerRefusal | undefined {
    try {
      checkCertificateBinding(claims, parts.clientCertificate, mtlsSettings)
      return undefined
    } catch (error) {
      return refusals.forError(error)
    }
  }
}

function ignore(): void {}

const DEFAULT_BODY_LIMIT = 64 * 1024

function bodyLimit(value: number | undefined): number {
  if (value === undefined) return DEFAULT_BODY_LIMIT
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new TypeError('maxBodyBytes must be a positive whole number of bytes')
  }
  return value
}

/** A compact JWS has exactly two dots; anything else goes to introspection when enabled. */
function isJwtShaped(token: string): boolean {
  const first = token.indexOf('.')
  if (first === -1) return false
  const second = token.indexOf('.', first + 1)
  return second !== -1 && token.indexOf('.', second + 1) === -1
}

/** RFC 9449 §6: a token bound to a DPoP key must come with a proof, which bearer use lacks. */
function isKeyBound(claims: Claims): boolean {
  const cnf = claims.cnf
  return cnf !== null && typeof cnf === 'object' && (cnf as { jkt?: unknown }).jkt !== undefined
}

function withJwtProfile(
  validation: Omit<TokenValidationConfigInit, 'performDisco'>,
): Omit<TokenValidationConfigInit, 'performDisco'> {
  return {
    ...validation,
    typ: validation.typ ?? 'at+jwt',
    requiredClaims: [...new Set([...(validation.requiredClaims ?? []), ...JWT_PROFILE_CLAIMS])],
    options: { ...validation.options, requireExp: true, requireIat: true },
  }
}

function metadataUrl(metadata: string | ProtectedResourceMetadata | undefined): string | undefined {
  if (metadata === undefined) return undefined
  const url = typeof metadata === 'string' ? metadata : metadata?.url
  return parseHttpUrl(url, 'resourceMetadata').href
}

function listedIssuers(
  issuers: readonly (string | IssuerOptions)[] | undefined,
): readonly string[] | undefined {
  return issuers?.map((entry) => (typeof entry === 'string' ? entry : entry.issuer))
}

/** `verifyAud` without an audience cannot work: say so at construction, not on each request. */
function checkAudience(
  validation: Omit<TokenValidationConfigInit, 'performDisco'>,
  issuers: readonly (string | IssuerOptions)[] | undefined,
  hasResolver: boolean,
): void {
  if (validation.options?.verifyAud === false || hasResolver) return
  const has = (audience: string | readonly string[] | undefined) =>
    audience !== undefined && audience.length > 0
  if (has(validation.audience)) return
  if (issuers !== undefined && issuers.length > 0) {
    if (issuers.every((entry) => typeof entry === 'object' && has(entry.audience))) return
  }
  throw new TypeError(
    'an audience is required: set `audience` to the identifier of this API (or options.verifyAud to false)',
  )
}

function checkStaticKey(config: TokenValidationConfigInit): void {
  if (config.key === undefined) {
    throw new TypeError('performDisco is false, so a static `key` is required')
  }
  if (config.issuer === undefined && config.options?.verifyIss !== false) {
    throw new TypeError('with a static key, set `issuer` (or options.verifyIss to false)')
  }
}
