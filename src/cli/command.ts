/** The shape of a subcommand, and the helpers several of them share. */
import type { ParseArgsConfig } from 'node:util'
import { type DiscoveryPolicy, type DiscoverySuccess, getDiscoveryDocument } from '../index.js'
import type { Context } from './context.js'
import { CliError, EXIT, type ExitCode, failureError } from './exit.js'

export type Options = NonNullable<ParseArgsConfig['options']>
export type Values = Readonly<Record<string, string | boolean | undefined>>

export interface Command {
  readonly name: string
  /** One line: the synopsis after `identity-model`. */
  readonly synopsis: string
  /** The rest of the help text. */
  readonly help: string
  readonly options: Options
  run(values: Values, positionals: readonly string[], context: Context): Promise<ExitCode>
}

/** A string option's value, or `undefined`. */
export function text(values: Values, name: string): string | undefined {
  const value = values[name]
  return typeof value === 'string' ? value : undefined
}

/** The discovery document, or the exit that explains why not. */
export async function discover(
  address: string,
  context: Context,
  policy?: DiscoveryPolicy,
): Promise<DiscoverySuccess> {
  const result = await getDiscoveryDocument({
    address,
    cache: false,
    timeoutMs: context.timeoutMs,
    ...(policy === undefined ? {} : { policy }),
  })
  if (result.isSuccessful) return result
  const error = failureError(`discovery at ${address}`, result)
  if (result.errorType === 'policy' && result.error.startsWith('issuer mismatch')) {
    return Promise.reject(
      new CliError(
        error.exitCode,
        error.reason,
        `${error.message}\n  (the issuer must equal the address; for a provider that declares an issuer template, such as Entra ID's common endpoint, pass --expect-issuer with the declared value)`,
      ),
    )
  }
  throw error
}

/**
 * An endpoint: the explicit flag, else the named member of the discovery document of `issuer`.
 */
export async function endpoint(
  context: Context,
  explicit: string | undefined,
  issuer: string | undefined,
  flag: string,
  field: 'tokenEndpoint' | 'introspectionEndpoint' | 'revocationEndpoint',
): Promise<string> {
  if (explicit !== undefined && issuer !== undefined) {
    throw new CliError(EXIT.usage, 'usage', `give either --issuer or ${flag}, not both`)
  }
  if (explicit !== undefined) return explicit
  if (issuer === undefined) {
    throw new CliError(EXIT.usage, 'usage', `missing --issuer <url> or ${flag} <url>`)
  }
  const document = await discover(issuer, context)
  const value = document[field]
  if (value === undefined) {
    const member = field.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`)
    throw new CliError(
      EXIT.configuration,
      'configuration',
      `the discovery document of ${document.issuer} has no ${member}; pass ${flag}`,
    )
  }
  return value
}

/** `--auth basic|post|none` (or the full method names). */
export function clientAuthentication(
  value: string | undefined,
): 'client_secret_basic' | 'client_secret_post' | 'none' | undefined {
  if (value === undefined) return undefined
  const methods = {
    basic: 'client_secret_basic',
    post: 'client_secret_post',
    none: 'none',
    client_secret_basic: 'client_secret_basic',
    client_secret_post: 'client_secret_post',
  } as const
  const method = methods[value as keyof typeof methods]
  if (method === undefined) {
    throw new CliError(EXIT.usage, 'usage', '--auth must be basic, post or none')
  }
  return method
}

/** Options of the commands that authenticate as a client. */
export const CLIENT_OPTIONS: Options = {
  'client-id': { type: 'string' },
  'client-secret-stdin': { type: 'boolean' },
  auth: { type: 'string' },
}

export const CLIENT_HELP = `  --client-id <id>         the client id
  --client-secret-stdin    read the client secret from the first line of stdin
  --auth basic|post|none   client authentication (default: basic with a secret, none without)
The client secret comes from IDENTITY_MODEL_CLIENT_SECRET (or CLIENT_SECRET), or from stdin
with --client-secret-stdin; never from a flag. It is never printed.`

/** The client's credentials from the flags, the environment or stdin. */
export async function clientCredentials(
  values: Values,
  context: Context,
): Promise<{
  clientId: string
  clientSecret?: string
  clientAuthentication?: 'client_secret_basic' | 'client_secret_post' | 'none'
}> {
  const clientId = text(values, 'client-id')
  if (clientId === undefined) throw new CliError(EXIT.usage, 'usage', 'missing --client-id <id>')
  const clientSecret = await context.clientSecret(values['client-secret-stdin'] === true)
  const method = clientAuthentication(text(values, 'auth'))
  return {
    clientId,
    ...(clientSecret === undefined ? {} : { clientSecret }),
    ...(method === undefined ? {} : { clientAuthentication: method }),
  }
}

/**
 * What `introspect` and `revoke` send: the endpoint (given or discovered), the client's
 * credentials, the token (an argument or stdin) and the optional type hint.
 */
export async function tokenEndpointRequest(
  values: Values,
  positionals: readonly string[],
  context: Context,
  flag: '--introspection-endpoint' | '--revocation-endpoint',
  field: 'introspectionEndpoint' | 'revocationEndpoint',
): Promise<
  Awaited<ReturnType<typeof clientCredentials>> & {
    address: string
    token: string
    tokenTypeHint?: string
    timeoutMs: number | undefined
  }
> {
  const address = await endpoint(
    context,
    text(values, flag.slice(2)),
    text(values, 'issuer'),
    flag,
    field,
  )
  const client = await clientCredentials(values, context)
  const token = await context.token(positionals[0])
  const hint = text(values, 'token-type-hint')
  return {
    address,
    ...client,
    token,
    ...(hint === undefined ? {} : { tokenTypeHint: hint }),
    timeoutMs: context.timeoutMs,
  }
}
