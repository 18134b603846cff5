/**
 * Rich Authorization Requests (RFC 9396): `authorization_details`, a JSON array of typed
 * objects that says precisely what a client wants to do (pay 45 EUR to Merchant A, read account
 * 123), sent in authorization requests and every grant, and returned in token responses and
 * introspection answers. One serializer and one reader, used by all of them.
 */

/**
 * One authorization detail (RFC 9396 §2). `type` is required; the common members of §2.2 are
 * typed; each `type` defines the rest. Narrow on `type` with your own union:
 *
 * @example
 * ```ts
 * interface PaymentInitiation extends AuthorizationDetail {
 *   readonly type: 'payment_initiation'
 *   readonly instructedAmount: { readonly currency: string; readonly amount: string }
 *   readonly creditorName: string
 * }
 * const details: PaymentInitiation[] = [{ type: 'payment_initiation', instructedAmount: { currency: 'EUR', amount: '45.00' }, creditorName: 'Merchant A' }]
 * ```
 * @see RFC 9396 §2, §2.2
 */
export interface AuthorizationDetail {
  readonly type: string
  readonly locations?: readonly string[]
  readonly actions?: readonly string[]
  readonly datatypes?: readonly string[]
  readonly identifier?: string
  readonly privileges?: readonly string[]
  readonly [member: string]: unknown
}

/** The most details one request may carry, and the longest serialization sent. */
const MAX_DETAILS = 100
const MAX_SERIALIZED = 64 * 1024

const STRING_LISTS = ['locations', 'actions', 'datatypes', 'privileges'] as const

/** Why `value` is not a valid list of authorization details, or `undefined` when it is. */
export function authorizationDetailsProblem(value: unknown): string | undefined {
  if (!Array.isArray(value)) return 'is not a JSON array'
  if (value.length > MAX_DETAILS) return `has more than ${MAX_DETAILS} entries`
  for (let i = 0; i < value.length; i++) {
    const detail = value[i] as Record<string, unknown> | null
    if (detail === null || typeof detail !== 'object' || Array.isArray(detail)) {
      return `entry ${i} is not an object`
    }
    if (typeof detail.type !== 'string' || detail.type.length === 0) {
      return `entry ${i} has no string "type"`
    }
    for (const name of STRING_LISTS) {
      const list = detail[name]
      if (
        list !== undefined &&
        !(Array.isArray(list) && list.every((s) => typeof s === 'string'))
      ) {
        return `entry ${i} has a "${name}" that is not a list of strings`
      }
    }
    if (detail.identifier !== undefined && typeof detail.identifier !== 'string') {
      return `entry ${i} has an "identifier" that is not a string`
    }
  }
  return undefined
}

/**
 * The `authorization_details` parameter value: the details as JSON.
 *
 * @throws TypeError for anything that is not a non-empty list of objects with a string `type`.
 */
export function serializeAuthorizationDetails(details: readonly AuthorizationDetail[]): string {
  const problem = authorizationDetailsProblem(details)
  if (problem !== undefined) throw new TypeError(`authorizationDetails ${problem}`)
  if (details.length === 0) throw new TypeError('authorizationDetails is empty')
  const json = JSON.stringify(details)
  if (json.length > MAX_SERIALIZED) {
    throw new TypeError(`authorizationDetails is longer than ${MAX_SERIALIZED} characters as JSON`)
  }
  return json
}

/** Sets `authorization_details` on a form or query when details are given. */
export function appendAuthorizationDetails(
  target: URLSearchParams,
  details: readonly AuthorizationDetail[] | undefined,
): void {
  if (details === undefined) return
  target.set('authorization_details', serializeAuthorizationDetails(details))
}
