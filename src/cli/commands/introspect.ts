/** `identity-model introspect <token>`: ask the provider whether a token is active. */
import { introspectToken } from '../../index.js'
import {
  CLIENT_HELP,
  CLIENT_OPTIONS,
  type Command,
  clientCredentials,
  endpoint,
  text,
} from '../command.js'
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
    const address = await endpoint(
      context,
      text(values, 'introspection-endpoint'),
      text(values, 'issuer'),
      '--introspection-endpoint',
      'introspectionEndpoint',
    )
    const client = await clientCredentials(values, context)
    const token = await context.token(positionals[0])
    const hint = text(values, 'token-type-hint')
    const result = await introspectToken({
      address,
      ...client,
      token,
      ...(hint === undefined ? {} : { tokenTypeHint: hint }),
      timeoutMs: context.timeoutMs,
    })
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
