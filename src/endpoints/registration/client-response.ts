/**
 * The process step shared by registration (RFC 7591 §3.2) and its management (RFC 7592 §3):
 * a client information response, or an error.
 */
import { errorResponseFailure, isFailure, oauthError, readJsonObject } from '../../http/json.js'
import { failure, type NoFailure, type RequestFailure } from '../../http/result.js'
import { type RegisteredClientMetadata, wronglyTypedMember } from './metadata.js'

/** A registered client, as registration, reading and updating return it. */
export interface ClientRegistrationSuccess extends NoFailure {
  readonly isSuccessful: true
  readonly clientId: string
  /** The secret, for confidential clients (a new one when the server rotated it). */
  readonly clientSecret?: string
  readonly clientIdIssuedAt?: number
  /** `0` means the secret does not expire. */
  readonly clientSecretExpiresAt?: number
  /** Keep it secret: it reads, changes and deletes the registration. It may be rotated on every call. */
  readonly registrationAccessToken?: string
  readonly registrationClientUri?: string
  /** Every registered member, with its wire name, as the server answered (it may differ from the request). */
  readonly metadata: RegisteredClientMetadata
  /** The response exactly as received. */
  readonly raw: Readonly<Record<string, unknown>>
  readonly httpStatus: number
}

/** The result of registering, reading or updating a client. */
export type ClientRegistrationResponse =
  | ClientRegistrationSuccess
  | (RequestFailure & { readonly clientId?: undefined; readonly metadata?: undefined })

/**
 * The failure of a call made with a bearer token: the OAuth error of the body, else the one of
 * the `WWW-Authenticate: Bearer` challenge (RFC 6750 §3), else an `http` failure.
 */
export async function bearerCallFailure(response: Response, what: string): Promise<RequestFailure> {
  const failed = await errorResponseFailure(response, what)
  if (failed.errorType !== 'http') return failed
  const challenge = response.headers.get('www-authenticate') ?? ''
  const param = (name: string) =>
    new RegExp(`(?:^|[\\s,])${name}="([^"]*)"`, 'i').exec(challenge)?.[1]
  const error = /^\s*bearer\b/i.test(challenge) ? param('error') : undefined
  if (!error) return failed
  const description = param('error_description')
  return failure('protocol', error, {
    httpStatus: response.status,
    ...(description === undefined ? {} : { errorDescription: description }),
  })
}

/**
 * A client information response to a {@link ClientRegistrationResponse}. A status outside
 * `successStatuses` is a failure (`protocol` with the OAuth error, e.g. `invalid_redirect_uri`,
 * `invalid_client_metadata`, `invalid_token`); a success needs a `client_id` and the RFC 7591
 * types for the members it types, else `invalid_response`.
 *
 * @see RFC 7591 §3.2.1, §3.2.2; RFC 7592 §3
 */
export async function processClientInformationResponse(
  response: Response,
  successStatuses: readonly number[],
  what: string,
): Promise<ClientRegistrationResponse> {
  if (!successStatuses.includes(response.status)) return bearerCallFailure(response, what)
  const httpStatus = response.status
  const raw = await readJsonObject(response, `the response of ${what}`)
  if (isFailure(raw)) return raw
  const oauth = oauthError(raw)
  if (oauth) return failure('protocol', oauth.error, { httpStatus, ...oauth.extra })
  const invalid = (why: string) =>
    failure('invalid_response', `the response of ${what} ${why}`, { httpStatus })
  if (typeof raw.client_id !== 'string' || raw.client_id.length === 0) {
    return invalid('has no client_id')
  }
  const wrong = wronglyTypedMember(raw)
  if (wrong) return invalid(`has a "${wrong}" of the wrong type`)
  const metadata = raw as RegisteredClientMetadata
  const success: Record<string, unknown> = {
    isSuccessful: true,
    clientId: metadata.client_id,
    metadata,
    raw,
    httpStatus,
  }
  const optional = {
    clientSecret: metadata.client_secret,
    clientIdIssuedAt: metadata.client_id_issued_at,
    clientSecretExpiresAt: metadata.client_secret_expires_at,
    registrationAccessToken: metadata.registration_access_token,
    registrationClientUri: metadata.registration_client_uri,
  }
  for (const [name, value] of Object.entries(optional)) {
    if (value !== undefined) success[name] = value
  }
  return success as unknown as ClientRegistrationSuccess
}
