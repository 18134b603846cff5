/**
 * What the framework adapters (Express, Fastify, web) share: which parts of a request to read,
 * how to put them together, the refusal for a body nobody parsed, and where a token check leaves
 * its refusals for a later scope check on the same request. Internal: adapters import it, users
 * do not.
 */
import { ConfigurationError } from '../errors.js'
import type { BearerAuth } from '../resource-server/authenticate.js'
import { certificateFromHeader, socketCertificate } from '../resource-server/certificate-binding.js'
import type { BearerRefusal, Refuser } from '../resource-server/challenge.js'
import { type BearerRequestParts, queryAccessTokens } from '../resource-server/extract.js'

/** Where a token check leaves its refusals for `requireScopes` on the same request. */
export const REFUSALS: unique symbol = Symbol('identity-model.refusals')

/** The refusals a follow-up guard answers with (the scheme the request used decides which). */
export interface Refusals {
  readonly refuser: Refuser
  readonly report: (refusal: BearerRefusal) => BearerRefusal
}

/** What an adapter read from one request, each in its framework's own way. */
export interface RequestView {
  readonly authorization: string | readonly string[] | undefined
  /** The `access_token` values of a form body, when the body method is enabled. */
  readonly bodyTokens: readonly string[] | undefined
  /** The request target (path and query), parsed for `access_token` when query is enabled. */
  readonly target: string | undefined
  readonly dpop: string | readonly string[] | undefined
  readonly method: string | undefined
  /** The URL as the client addressed it (for the DPoP `htu`); called only when DPoP is on. */
  readonly url: () => string | undefined
  /** A request header by lower-case name (the mTLS proxy header); called only when mTLS is on. */
  readonly header?: ((name: string) => string | readonly string[] | undefined) | undefined
  /** The TLS socket (Node.js), for its client certificate; read only when mTLS is on. */
  readonly socket?: unknown
}

/** One bearer check's adapter-side state, built once per route. */
export interface AdapterState {
  readonly readBody: boolean
  readonly readQuery: boolean
  /** More than the `Authorization` header is needed (body, query, DPoP or mTLS). */
  readonly needsParts: boolean
  /** The refusals to leave on the request after a success with `scheme`. */
  refusalsFor(scheme: 'Bearer' | 'DPoP' | undefined): Refusals
  /** The 500 for a form body the framework did not parse, with how to fix it. */
  unparsedBody(fix: string): BearerRefusal
  /** The parts of a request from what the adapter read. */
  parts(view: RequestView): BearerRequestParts
}

export function adapterState(auth: BearerAuth): AdapterState {
  const { methods, refuser, dpopRefuser, dpop, mtls, report } = auth
  const bearer: Refusals = { refuser, report }
  const proof: Refusals = { refuser: dpopRefuser ?? refuser, report }
  const readBody = methods.has('body')
  const readQuery = methods.has('query')
  return {
    readBody,
    readQuery,
    needsParts: readBody || readQuery || dpop || mtls !== undefined,
    refusalsFor: (scheme) => (scheme === 'DPoP' ? proof : bearer),
    unparsedBody: (fix) =>
      report(refuser.forError(new ConfigurationError(`bearerMethods includes "body" but ${fix}`))),
    parts: (view) => ({
      authorization: view.authorization,
      bodyTokens: view.bodyTokens,
      queryTokens: readQuery ? queryAccessTokens(view.target) : undefined,
      ...(dpop ? { dpop: view.dpop, method: view.method, url: view.url() } : {}),
      ...(mtls === undefined
        ? {}
        : {
            clientCertificate:
              mtls.header === undefined
                ? socketCertificate(view.socket)
                : certificateFromHeader(view.header?.(mtls.header)),
          }),
    }),
  }
}
