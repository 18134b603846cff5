/**
 * Dynamic client registration management (RFC 7592): read, update and delete a registration at
 * its `registration_client_uri`, with its registration access token.
 */
import { isFailure } from '../../http/json.js'
import type { NetworkOptions } from '../../http/options.js'
import type { NoFailure, RequestFailure } from '../../http/result.js'
import {
  bearerCallFailure,
  type ClientRegistrationResponse,
  processClientInformationResponse,
} from './client-response.js'
import { type ClientMetadata, checkOutgoingMetadata } from './metadata.js'
import { prepareJsonRequest, sendJsonRequest } from './send-json.js'

/** What reading and deleting a registration take. */
export interface ClientConfigurationRequestInit extends NetworkOptions {
  /** The registration's `registration_client_uri`. */
  address?: string | undefined
  /** The registration's `registration_access_token` (the latest, when the server rotates it). */
  registrationAccessToken?: string | undefined
}

/** What {@link updateClientRegistration} takes. */
export interface ClientUpdateRequestInit extends ClientConfigurationRequestInit {
  /** The client id; default `metadata.client_id`. */
  clientId?: string | undefined
  /**
   * The complete metadata wanted, wire names: RFC 7592 §2.2 treats an omitted member as a
   * request to remove it, so start from what {@link getClientRegistration} returned.
   */
  metadata?: ClientMetadata | undefined
}

/** The result of {@link deleteClientRegistration}. */
export type ClientDeletionResponse =
  | ({ readonly isSuccessful: true; readonly httpStatus: number } & NoFailure)
  | RequestFailure

/** Members RFC 7592 §2.2 forbids in an update; read results carry them, so they are dropped. */
const SERVER_MANAGED = [
  'registration_access_token',
  'registration_client_uri',
  'client_secret_expires_at',
  'client_id_issued_at',
]

function token(request: ClientConfigurationRequestInit) {
  return {
    token: request.registrationAccessToken,
    name: 'registrationAccessToken',
    required: true,
  }
}

/**
 * Reads a registration: its current metadata, and a new registration access token when the
 * server rotates it (use that one from then on).
 *
 * @example
 * ```ts
 * const current = await getClientRegistration({ address: registrationClientUri, registrationAccessToken })
 * if (current.isSuccessful) console.log(current.metadata.redirect_uris)
 * ```
 * @see RFC 7592 §2.1
 * @throws TypeError when `address` or `registrationAccessToken` is missing.
 */
export async function getClientRegistration(
  request: ClientConfigurationRequestInit,
): Promise<ClientRegistrationResponse> {
  const response = await sendJsonRequest(
    prepareJsonRequest(request.address, 'GET', token(request)),
    request,
  )
  if (isFailure(response)) return response
  return processClientInformationResponse(response, [200], 'the client configuration endpoint')
}

/**
 * Replaces a registration's metadata (a full replacement, not a patch). `client_id` is sent as
 * RFC 7592 §2.2 requires; the server-managed members a read returns
 * (`registration_access_token`, `registration_client_uri`, `client_secret_expires_at`,
 * `client_id_issued_at`) are left out, so a read result can be edited and sent back.
 *
 * @example
 * ```ts
 * const updated = await updateClientRegistration({
 *   address: registrationClientUri, registrationAccessToken,
 *   metadata: { ...current.metadata, client_name: 'reporting v2' },
 * })
 * if (updated.isSuccessful) registrationAccessToken = updated.registrationAccessToken ?? registrationAccessToken
 * ```
 * @see RFC 7592 §2.2
 * @throws TypeError when `address`, `registrationAccessToken`, `metadata` or the client id is
 * missing, or `clientId` differs from `metadata.client_id`.
 */
export async function updateClientRegistration(
  request: ClientUpdateRequestInit,
): Promise<ClientRegistrationResponse> {
  const metadata = checkOutgoingMetadata(request.metadata)
  const clientId = request.clientId ?? metadata.client_id
  if (typeof clientId !== 'string' || clientId.length === 0) {
    throw new TypeError('clientId (or metadata.client_id) is required')
  }
  if (metadata.client_id !== undefined && metadata.client_id !== clientId) {
    throw new TypeError('clientId and metadata.client_id differ')
  }
  const body: Record<string, unknown> = { ...metadata, client_id: clientId }
  for (const name of SERVER_MANAGED) delete body[name]
  const prepared = prepareJsonRequest(request.address, 'PUT', token(request), body)
  const response = await sendJsonRequest(prepared, request)
  if (isFailure(response)) return response
  return processClientInformationResponse(response, [200], 'the client configuration endpoint')
}

/**
 * Deletes a registration: the client id, its secret and its tokens stop working.
 *
 * @example
 * ```ts
 * const deleted = await deleteClientRegistration({ address: registrationClientUri, registrationAccessToken })
 * if (!deleted.isSuccessful) console.log(deleted.error)
 * ```
 * @see RFC 7592 §2.3
 * @throws TypeError when `address` or `registrationAccessToken` is missing.
 */
export async function deleteClientRegistration(
  request: ClientConfigurationRequestInit,
): Promise<ClientDeletionResponse> {
  const response = await sendJsonRequest(
    prepareJsonRequest(request.address, 'DELETE', token(request)),
    request,
  )
  if (isFailure(response)) return response
  return processClientDeletionResponse(response)
}

/**
 * The process step of {@link deleteClientRegistration}: 204 No Content (or 200) is success; a
 * 401 `invalid_token`, 403 or 405 (deletion not supported) is a failure.
 *
 * @example
 * ```ts
 * await processClientDeletionResponse(new Response(null, { status: 204 })) // { isSuccessful: true, httpStatus: 204 }
 * ```
 * @see RFC 7592 §2.3
 */
export async function processClientDeletionResponse(
  response: Response,
): Promise<ClientDeletionResponse> {
  if (response.status === 204 || response.status === 200) {
    await response.body?.cancel()
    return { isSuccessful: true, httpStatus: response.status }
  }
  return bearerCallFailure(response, 'the client configuration endpoint')
}
