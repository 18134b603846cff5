/** `identity-model token client-credentials`: get a token for a service. */
import { requestClientCredentialsToken } from '../../index.js'
import {
  CLIENT_HELP,
  CLIENT_OPTIONS,
  type Command,
  clientCredentials,
  endpoint,
  text,
} from '../command.js'
import { CliError, EXIT, failureError } from '../exit.js'
import { duration, table } from '../format.js'

export const tokenCommand: Command = {
  name: 'token',
  synopsis:
    'token client-credentials (--issuer <url> | --token-endpoint <url>) --client-id <id> [--scope <s>] [--resource <uri>]',
  help: `Requests a token with the client credentials grant (RFC 6749 §4.4).
  --issuer <url>           find the token endpoint by discovery
  --token-endpoint <url>   use this token endpoint
  --scope <scopes>         space-delimited scopes
  --resource <uri>         a resource indicator (RFC 8707)
${CLIENT_HELP}
With --json, prints the token response itself.`,
  options: {
    issuer: { type: 'string' },
    'token-endpoint': { type: 'string' },
    scope: { type: 'string' },
    resource: { type: 'string' },
    ...CLIENT_OPTIONS,
  },
  async run(values, positionals, context) {
    if (positionals[0] !== 'client-credentials' || positionals.length > 1) {
      throw new CliError(
        EXIT.usage,
        'usage',
        'the token command supports: token client-credentials',
      )
    }
    const address = await endpoint(
      context,
      text(values, 'token-endpoint'),
      text(values, 'issuer'),
      '--token-endpoint',
      'tokenEndpoint',
    )
    const client = await clientCredentials(values, context)
    const scope = text(values, 'scope')
    const resource = text(values, 'resource')
    const result = await requestClientCredentialsToken({
      address,
      ...client,
      ...(scope === undefined ? {} : { scope }),
      ...(resource === undefined ? {} : { resource }),
      timeoutMs: context.timeoutMs,
    })
    if (!result.isSuccessful) throw failureError('the token endpoint', result)
    const token = result.token
    context.print(
      table([
        ['access_token', token.access_token],
        ['token_type', token.token_type],
        ['expires_in', token.expires_in === undefined ? undefined : duration(token.expires_in)],
        ['scope', token.scope],
        ['refresh_token', token.refresh_token],
      ]),
      token,
    )
    return EXIT.ok
  },
}
