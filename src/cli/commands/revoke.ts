/** `identity-model revoke <token>`: revoke a token. */
import { revokeToken } from '../../index.js'
import { CLIENT_HELP, CLIENT_OPTIONS, type Command, tokenEndpointRequest } from '../command.js'
import { EXIT, failureError } from '../exit.js'

export const revokeCommand: Command = {
  name: 'revoke',
  synopsis: 'revoke <token | -> (--issuer <url> | --revocation-endpoint <url>) --client-id <id>',
  help: `Revokes a token (RFC 7009). The server answers success whether or not the token was
valid, so success means "no longer usable".
  --issuer <url>                 find the revocation endpoint by discovery
  --revocation-endpoint <url>    use this endpoint
  --token-type-hint <hint>       access_token or refresh_token
${CLIENT_HELP}`,
  options: {
    issuer: { type: 'string' },
    'revocation-endpoint': { type: 'string' },
    'token-type-hint': { type: 'string' },
    ...CLIENT_OPTIONS,
  },
  async run(values, positionals, context) {
    const result = await revokeToken(
      await tokenEndpointRequest(
        values,
        positionals,
        context,
        '--revocation-endpoint',
        'revocationEndpoint',
      ),
    )
    if (!result.isSuccessful) throw failureError('the revocation endpoint', result)
    context.print('revoked (the token is no longer usable, if it ever was)', { revoked: true })
    return EXIT.ok
  },
}
