/** `identity-model discover <issuer>`: fetch and check the discovery document. */
import { type Command, discover, text } from '../command.js'
import { CliError, EXIT } from '../exit.js'
import { table } from '../format.js'

export const discoverCommand: Command = {
  name: 'discover',
  synopsis: 'discover <issuer> [--expect-issuer <value>]',
  help: `Fetches the OpenID Connect discovery document of <issuer> (or of a full
.well-known URL) and checks it as token validation would: the issuer must match, endpoints
must use HTTPS (plain HTTP only on loopback) and live on the issuer's origin.
  --expect-issuer <value>  the issuer the document declares when it differs from the address
                           (Entra ID common: https://login.microsoftonline.com/{tenantid}/v2.0)
With --json, prints the document as received.`,
  options: { 'expect-issuer': { type: 'string' } },
  async run(values, positionals, context) {
    const address = positionals[0]
    if (address === undefined) throw new CliError(EXIT.usage, 'usage', 'missing <issuer>')
    const expected = text(values, 'expect-issuer')
    const document = await discover(
      address,
      context,
      expected === undefined ? undefined : { authority: expected },
    )
    const raw = document.raw
    context.print(
      table([
        ['issuer', document.issuer],
        ['authorization_endpoint', document.authorizationEndpoint],
        ['token_endpoint', document.tokenEndpoint],
        ['jwks_uri', document.jwksUri],
        ['userinfo_endpoint', document.userinfoEndpoint],
        ['introspection_endpoint', document.introspectionEndpoint],
        ['revocation_endpoint', document.revocationEndpoint],
        ['end_session_endpoint', document.endSessionEndpoint],
        ['device_authorization_endpoint', document.deviceAuthorizationEndpoint],
        ['pushed_authorization_request_endpoint', document.pushedAuthorizationRequestEndpoint],
        ['registration_endpoint', document.registrationEndpoint],
        ['grant_types_supported', raw.grant_types_supported],
        ['scopes_supported', raw.scopes_supported],
        ['token_endpoint_auth_methods_supported', raw.token_endpoint_auth_methods_supported],
        ['id_token_signing_alg_values_supported', raw.id_token_signing_alg_values_supported],
        ['code_challenge_methods_supported', raw.code_challenge_methods_supported],
      ]),
      raw,
    )
    return EXIT.ok
  },
}
