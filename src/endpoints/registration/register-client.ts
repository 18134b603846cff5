/**
 * Dynamic client registration (RFC 7591): a client registers itself at the provider's
 * registration endpoint and gets its client id (and secret).
 */
import { isFailure } from '../../http/json.js'
import type { NetworkOptions } from '../../http/options.js'
import {
  type ClientRegistrationResponse,
  processClientInformationResponse,
} from './client-response.js'
import { type ClientMetadata, checkOutgoingMetadata } from './metadata.js'
import { prepareJsonRequest, sendJsonRequest } from './send-json.js'

/** What {@link registerClient} takes. */
export interface ClientRegistrationRequestInit extends NetworkOptions {
  /** The registration endpoint (discovery's `registrationEndpoint`). */
  address?: string | undefined
  /** The metadata to register, with its wire names (`redirect_uris`, `client_name` ...). */
  metadata?: ClientMetadata | undefined
  /** The initial access token, when the provider's registration is not open (RFC 7591 §3). */
  initialAccessToken?: string | undefined
}

/**
 * A registration request, for readers coming from py-identity-model; a plain object works as well.
 * It carries no behaviour and no own property beyond those given, so it spreads like the object.
 *
 * @example
 * ```ts
 * const result = await registerClient(new ClientRegistrationRequest({
 *   address: disco.registrationEndpoint, metadata: { client_name: 'cli', redirect_uris: ['http://127.0.0.1/cb'] },
 * }))
 * ```
 * @see RFC 7591 §3.1
 */
// The interface gives the class its fields, so they are exactly the init type's and the class
// stays without behaviour; instances carry only the members that were passed.
export interface ClientRegistrationRequest extends ClientRegistrationRequestInit {}
// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: the fields come from the interface by design.
export class ClientRegistrationRequest {
  constructor(init: ClientRegistrationRequestInit) {
    Object.assign(this, init)
  }
}

/**
 * Registers a client. The result carries `clientId`, `clientSecret` (confidential clients),
 * `registrationAccessToken` and `registrationClientUri` (for reading, updating and deleting the
 * registration per RFC 7592) and the full registered `metadata`, which the server may have
 * changed from what was asked for.
 *
 * > **Warning:** the client secret and the registration access token are credentials: store them
 * > as such, never log them. Check `metadata` for values the server substituted.
 *
 * @example
 * ```ts
 * const registered = await registerClient({
 *   address: disco.registrationEndpoint,
 *   metadata: { client_name: 'reporting', redirect_uris: ['https://app.example.com/cb'] },
 * })
 * if (registered.isSuccessful) saveCredentials(registered.clientId, registered.clientSecret, registered.registrationAccessToken)
 * else console.log(registered.error, registered.errorDescription) // e.g. invalid_redirect_uri
 * ```
 * @see RFC 7591 §3.1 (request), §3.2.1 (response), §3.2.2 (errors)
 * @throws TypeError when `address` or `metadata` is missing or malformed (camelCase names such as
 * `redirectUris` included), or `initialAccessToken` is empty.
 */
export async function registerClient(
  request: ClientRegistrationRequestInit,
): Promise<ClientRegistrationResponse> {
  const prepared = prepareJsonRequest(
    request.address,
    'POST',
    { token: request.initialAccessToken, name: 'initialAccessToken', required: false },
    checkOutgoingMetadata(request.metadata),
  )
  const response = await sendJsonRequest(prepared, request)
  if (isFailure(response)) return response
  return processClientRegistrationResponse(response)
}

/**
 * The process step of {@link registerClient}: 201 Created (or 200, which some servers send)
 * with the client information; an error body (400 `invalid_redirect_uri`,
 * `invalid_client_metadata`, `invalid_software_statement` ...) is a `protocol` failure.
 *
 * @example
 * ```ts
 * const result = await processClientRegistrationResponse(
 *   new Response('{"client_id":"c1"}', { status: 201 }),
 * ) // { isSuccessful: true, clientId: 'c1', metadata: { client_id: 'c1' }, ... }
 * ```
 * @see RFC 7591 §3.2
 */
export function processClientRegistrationResponse(
  response: Response,
): Promise<ClientRegistrationResponse> {
  return processClientInformationResponse(response, [201, 200], 'the registration endpoint')
}
