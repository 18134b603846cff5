/** `identity-model jwks <issuer>`: the provider's signing keys. */
import { getJwks, type JsonWebKey } from '../../index.js'
import { type Command, discover, text } from '../command.js'
import { CliError, EXIT, failureError } from '../exit.js'

export const jwksCommand: Command = {
  name: 'jwks',
  synopsis: 'jwks <issuer> | jwks --jwks-uri <url>',
  help: `Lists the keys of the provider's JWK Set (from discovery, or from --jwks-uri): key id,
type, algorithm, use and size or curve. With --json, prints the JWK Set as received.
  --jwks-uri <url>  read this JWK Set directly, without discovery`,
  options: { 'jwks-uri': { type: 'string' } },
  async run(values, positionals, context) {
    const direct = text(values, 'jwks-uri')
    const issuer = positionals[0]
    if ((direct === undefined) === (issuer === undefined)) {
      throw new CliError(EXIT.usage, 'usage', 'give either <issuer> or --jwks-uri <url>')
    }
    let address = direct
    if (address === undefined) {
      const document = await discover(issuer as string, context)
      address = document.jwksUri
      if (address === undefined) {
        throw new CliError(
          EXIT.configuration,
          'configuration',
          `the discovery document of ${document.issuer} has no jwks_uri`,
        )
      }
    }
    const result = await getJwks({ address, timeoutMs: context.timeoutMs })
    if (!result.isSuccessful) throw failureError(`the key set at ${address}`, result)
    const rows = result.keys.map(describeKey)
    const widths = [0, 1, 2, 3].map((column) =>
      Math.max(...rows.map((row) => row[column]?.length ?? 0), HEADINGS[column]?.length ?? 0),
    )
    const line = (cells: readonly string[]) =>
      cells
        .map((cell, column) => cell.padEnd(widths[column] ?? 0))
        .join('  ')
        .trimEnd()
    context.print(
      [`${result.keys.length} key(s) at ${address}`, line(HEADINGS), ...rows.map(line)].join('\n'),
      result.raw,
    )
    return EXIT.ok
  },
}

const HEADINGS = ['kid', 'kty/alg', 'use', 'size'] as const

function describeKey(key: JsonWebKey): string[] {
  const jwk = key as Readonly<Record<string, unknown>>
  const size =
    typeof jwk.n === 'string'
      ? `${Buffer.from(jwk.n, 'base64url').length * 8} bits`
      : typeof jwk.crv === 'string'
        ? jwk.crv
        : ''
  return [
    typeof jwk.kid === 'string' ? jwk.kid : '(no kid)',
    `${String(jwk.kty)}${typeof jwk.alg === 'string' ? `/${jwk.alg}` : ''}`,
    typeof jwk.use === 'string' ? jwk.use : '',
    size,
  ]
}
