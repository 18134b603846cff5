/** `identity-model decode <jwt>`: show header and claims without verifying anything. */
import { decodeJws } from '../../kernel/jws.js'
import type { Command } from '../command.js'
import { CliError, EXIT } from '../exit.js'
import { table, timeRows } from '../format.js'

export const decodeCommand: Command = {
  name: 'decode',
  synopsis: 'decode <jwt | ->',
  help: `Decodes a JWT (- reads it from stdin) and shows its header and claims, with the times
(iat, nbf, exp) relative to now. Nothing is verified: use validate for that.
With --json, prints { header, payload }.`,
  options: {},
  async run(_values, positionals, context) {
    const token = await context.token(positionals[0], 'a JWT')
    const parts = token.split('.').length
    if (parts === 5) {
      throw new CliError(
        EXIT.rejected,
        'malformed',
        'not decodable: this is an encrypted JWT (JWE, five parts); only the holder of the key can read it',
      )
    }
    let header: Record<string, unknown>
    let payload: Record<string, unknown>
    try {
      // The library's one JWS decoder (its messages never contain the token).
      const decoded = decodeJws(token)
      header = { ...decoded.header }
      payload = { ...decoded.claims }
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error)
      throw new CliError(
        EXIT.rejected,
        'malformed',
        `not a JWT (${parts} part${parts === 1 ? '' : 's'}; a JWT has three): ${reason}`,
      )
    }
    const times = timeRows(payload).filter(([, value]) => value !== undefined)
    context.print(
      [
        'header',
        indent(JSON.stringify(header, null, 2)),
        'payload',
        indent(JSON.stringify(payload, null, 2)),
        ...(times.length > 0 ? ['times', indent(table(times))] : []),
        'signature not verified (use: identity-model validate)',
      ].join('\n'),
      { header, payload },
    )
    return EXIT.ok
  },
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => `  ${line}`)
    .join('\n')
}
