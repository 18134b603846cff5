/** `identity-model introspect <token>`: ask the provider whether a token is active. */
import { introspectToken } from '../../index.js'
import { CLIENT_HELP, CLIENT_OPTIONS, type Command, tokenEndpointRequest } from '../command.js'
import { EXIT, failureError } from '../exit.js'
import { table, timeRows } from '../format.js'

export const introspectCommand: Command = {
  name: 'introspect',
  synopsis:
    'introspect <token | -> (--issuer <url> | --introspection-endpoint <url>) --client-id <id>',
  help: `Introspects a token (RFC 7662). Exit 0 when it is active, 1 when it is not.
  --issuer <url>                   find the introspection endpoint by discovery
  --introspection-endpoint <url>   use this endpoint
  --token-type-hint <hint>         access_token or refresh_token
${CLIENT_HELP}
With --json, prints the introspection response as received.`,
  options: {
    issuer: { type: 'string' },
    'introspection-endpoint': { type: 'string' },
    'token-type-hint': { type: 'string' },
    ...CLIENT_OPTIONS,
  },
  async run(values, positionals, context) {
    const result = await introspectToken(
      await tokenEndpointRequest(
        values,
        positionals,
        context,
        '--introspection-endpoint',
        'introspectionEndpoint',
      ),
    )
    if (!result.isSuccessful) throw failureError('the introspection endpoint', result)
    const claims = result.claims
    if (!result.active) {
      context.print('inactive (expired, revoked, unknown, or not for this client)', result.raw)
      return EXIT.rejected
    }
    context.print(
      [
        'active',
        table([
          ['iss', claims.iss],
          ['sub', claims.sub],
          ['aud', claims.aud],
          ['client_id', claims.client_id],
          ['scope', claims.scope],
          ['token_type', claims.token_type],
          ...timeRows(claims),
        ]),
      ].join('\n'),
      result.raw,
    )
    return EXIT.ok
  },
}
