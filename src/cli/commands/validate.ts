/** `identity-model validate <jwt>`: validate a token as an API would, and say why it fails. */
import { type Claims, type TokenValidationConfigInit, validateToken } from '../../index.js'
import { type Command, discover, text } from '../command.js'
import { CliError, EXIT, validationError } from '../exit.js'
import { table, timeRows } from '../format.js'

export const validateCommand: Command = {
  name: 'validate',
  synopsis:
    'validate <jwt | -> (--disco <url> | --issuer <url>) [--audience <aud>] [--typ <typ>] [--leeway <s>]',
  help: `Validates a JWT against the provider's discovery document and keys: signature, algorithm,
issuer, audience, expiry. A failure says why: "the token expired 42 s ago (...check the clock...)",
"issuer mismatch: expected X, the token has Y", "kid "k1" is not in the key set (keys: a, b)".
  --disco <url>            the discovery address (an issuer or a full .well-known URL)
  --issuer <url>           the issuer; discovery is fetched from it
  --audience <aud>         the expected audience (without it, the audience is not checked)
  --typ <typ>              the required typ header, for example at+jwt (RFC 9068)
  --leeway <seconds>       clock tolerance (default 5)
  --expect-issuer <value>  the issuer the discovery document declares, when it differs
Exit 0: valid; 1: invalid; 3: provider unavailable; 5: configuration problem.
With --json, prints { valid, claims } or the error.`,
  options: {
    disco: { type: 'string' },
    issuer: { type: 'string' },
    audience: { type: 'string' },
    typ: { type: 'string' },
    leeway: { type: 'string' },
    'expect-issuer': { type: 'string' },
  },
  async run(values, positionals, context) {
    const disco = text(values, 'disco')
    const issuer = text(values, 'issuer')
    if ((disco === undefined) === (issuer === undefined)) {
      throw new CliError(EXIT.usage, 'usage', 'give exactly one of --disco <url> or --issuer <url>')
    }
    const token = await context.token(positionals[0], 'a JWT')
    const audience = text(values, 'audience')
    const typ = text(values, 'typ')
    const leeway = seconds(text(values, 'leeway'))
    const expected = text(values, 'expect-issuer')
    const address = (disco ?? issuer) as string
    // Discovery first, so its failure is reported as what it is.
    await discover(address, context, expected === undefined ? undefined : { authority: expected })
    const config: TokenValidationConfigInit = {
      performDisco: true,
      timeoutMs: context.timeoutMs,
      ...(issuer === undefined ? {} : { issuer }),
      ...(audience === undefined ? { options: { verifyAud: false } } : { audience }),
      ...(typ === undefined ? {} : { typ }),
      ...(leeway === undefined ? {} : { leeway }),
      ...(expected === undefined ? {} : { policy: { authority: expected } }),
    }
    if (audience === undefined) context.note('note: the audience is not checked (pass --audience)')
    let claims: Claims
    try {
      claims = await validateToken(token, config, address)
    } catch (error) {
      throw validationError(error)
    }
    context.print(
      [
        'valid',
        table([
          ['iss', claims.iss],
          ['sub', claims.sub],
          ['aud', claims.aud],
          ['client_id', claims.client_id],
          ['scope', claims.scope ?? claims.scp],
          ...timeRows(claims),
        ]),
      ].join('\n'),
      { valid: true, claims },
    )
    return EXIT.ok
  },
}

function seconds(value: string | undefined): number | undefined {
  if (value === undefined) return undefined
  const number = Number(value)
  if (!Number.isFinite(number) || number < 0) {
    throw new CliError(EXIT.usage, 'usage', '--leeway must be a number of seconds >= 0')
  }
  return number
}
