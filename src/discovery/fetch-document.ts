/**
 * Discovery's request and process steps: fetch a provider's metadata document and check it
 * against the policy, without any cache (`getDiscoveryDocument`, in provider/, adds it).
 *
 * @see OpenID Connect Discovery 1.0 §4, RFC 8414 §3
 */
import { errorResponseFailure, isFailure, readJsonObject } from '../http/json.js'
import type { NoFailure, RequestFailure } from '../http/result.js'
import { type SendOptions, send } from '../http/send.js'
import type { DiscoveryTarget } from './address.js'
import {
  type DiscoveryDocument,
  OAUTH_REQUIRED_METADATA,
  parseDiscoveryDocument,
} from './document.js'
import { checkDocument, checkIssuerName, type DiscoveryPolicy, resolvePolicy } from './policy.js'

/** A successful discovery result: the typed metadata plus `isSuccessful: true`. */
export type DiscoverySuccess = { readonly isSuccessful: true } & DiscoveryDocument & NoFailure

/** The result of `getDiscoveryDocument`: the checked document, or why there is none. */
export type DiscoveryDocumentResponse =
  | DiscoverySuccess
  | (RequestFailure & { readonly [K in keyof DiscoveryDocument]?: undefined })

/** The request and process steps together: one fetch of the document, checked. */
export async function fetchDiscoveryDocument(
  target: DiscoveryTarget,
  policy: DiscoveryPolicy | undefined,
  network: SendOptions,
): Promise<
  { readonly response: Response; readonly result: DiscoveryDocumentResponse } | RequestFailure
> {
  const response = await send({ url: target.url, method: 'GET' }, network)
  if (isFailure(response)) return response
  const result = await processDiscoveryResponse(response, {
    expectedIssuers: expectedIssuers(target, policy),
    policy,
    kind: target.kind,
  })
  return { response, result }
}

/** The issuer values the document may carry: the policy's authority, else the address's. */
export function expectedIssuers(
  target: DiscoveryTarget,
  policy: DiscoveryPolicy | undefined,
): readonly string[] {
  const authority = resolvePolicy(policy).authority
  return authority === undefined ? target.expectedIssuers : [authority]
}

/**
 * The process step: turns a discovery HTTP response into the typed document or a failure.
 *
 * @param expected.expectedIssuers the issuer values the document may carry.
 */
export async function processDiscoveryResponse(
  response: Response,
  expected: {
    expectedIssuers: readonly string[]
    policy?: DiscoveryPolicy | undefined
    /** `oauth` for RFC 8414 metadata: fewer members are required (unless the policy says). */
    kind?: 'openid' | 'oauth' | undefined
  },
): Promise<DiscoveryDocumentResponse> {
  if (response.status !== 200) return errorResponseFailure(response, 'the discovery endpoint')
  const json = await readJsonObject(response, 'the discovery document')
  if (isFailure(json)) return json
  const policy = resolvePolicy(expected.policy)
  const required =
    expected.kind === 'oauth' && expected.policy?.requiredMetadata === undefined
      ? OAUTH_REQUIRED_METADATA
      : policy.requiredMetadata
  const document = parseDiscoveryDocument(json, required)
  if (isFailure(document)) return document
  const violation =
    checkIssuerName(document, expected.expectedIssuers, policy) ?? checkDocument(document, policy)
  if (violation) return violation
  return Object.freeze({ isSuccessful: true as const, ...document })
}
