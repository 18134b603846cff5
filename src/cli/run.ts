/**
 * The `identity-model` command line: parses the arguments, runs one subcommand, and turns every
 * outcome into output and an exit code. Uses only the public API of the library.
 */
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import type { Command, Options, Values } from './command.js'
import { decodeCommand } from './commands/decode.js'
import { discoverCommand } from './commands/discover.js'
import { introspectCommand } from './commands/introspect.js'
import { jwksCommand } from './commands/jwks.js'
import { revokeCommand } from './commands/revoke.js'
import { tokenCommand } from './commands/token.js'
import { validateCommand } from './commands/validate.js'
import { createContext, type Io } from './context.js'
import { CliError, EXIT, type ExitCode } from './exit.js'

const COMMANDS: readonly Command[] = [
  discoverCommand,
  jwksCommand,
  decodeCommand,
  validateCommand,
  tokenCommand,
  introspectCommand,
  revokeCommand,
]

const GLOBAL_OPTIONS: Options = {
  json: { type: 'boolean' },
  timeout: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
}

const GLOBAL_HELP = `Options for every command:
  --json            machine-readable output on stdout (errors too)
  --timeout <ms>    per-request timeout (default 10000)
  -h, --help        this help`

const EXIT_HELP = `Exit codes: 0 success; 1 token rejected (invalid, expired, inactive, not a JWT);
2 usage error; 3 provider unavailable; 4 provider refused the request; 5 configuration or
policy problem; 70 internal error.`

/** A flag that would carry a secret on the command line (visible in `ps` and shell history). */
const SECRET_FLAG = /^--?(client[-_]?secret|secret|password)(=|$)/i

/** Runs the command line `argv` (without `node` and the script); resolves to the exit code. */
export async function run(argv: readonly string[], io: Io): Promise<ExitCode> {
  const json = argv.includes('--json')
  // The command comes first, after any of --json, --help and --version.
  const name = argv.find((arg) => !['--json', '--help', '-h', '--version'].includes(arg))
  const named = name !== undefined && !name.startsWith('-') ? name : undefined
  try {
    const secretFlag = argv.find((arg) => SECRET_FLAG.test(arg))
    if (secretFlag !== undefined) {
      throw new CliError(
        EXIT.usage,
        'secret_flag',
        `${secretFlag.split('=')[0]} is not accepted: a secret on the command line ends up in shell history and process lists. Set IDENTITY_MODEL_CLIENT_SECRET (or CLIENT_SECRET), or pipe it with --client-secret-stdin`,
      )
    }
    if (argv.length === 0 || (name === undefined && hasHelp(argv)) || name === 'help') {
      const topic = name === 'help' ? argv[argv.indexOf('help') + 1] : undefined
      const command = COMMANDS.find((candidate) => candidate.name === topic)
      io.stdout(`${command === undefined ? usage() : commandHelp(command)}\n`)
      return argv.length === 0 ? EXIT.usage : EXIT.ok
    }
    if (name === undefined && argv.includes('--version')) {
      io.stdout(`${version()}\n`)
      return EXIT.ok
    }
    const command = COMMANDS.find((candidate) => candidate.name === name)
    if (command === undefined) {
      throw new CliError(
        EXIT.usage,
        'usage',
        `unknown command ${JSON.stringify((name ?? '').split('=')[0])}; commands: ${COMMANDS.map((c) => c.name).join(', ')}`,
      )
    }
    const args = [...argv]
    args.splice(args.indexOf(command.name), 1)
    const { values, positionals } = parse(args, { ...GLOBAL_OPTIONS, ...command.options })
    if (values.help === true) {
      io.stdout(`${commandHelp(command)}\n`)
      return EXIT.ok
    }
    const context = createContext(io, json, timeout(values))
    return await command.run(values, positionals, context)
  } catch (error) {
    return report(error, named, json, io)
  }
}

function parse(args: string[], options: Options): { values: Values; positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({
      args,
      options,
      allowPositionals: true,
      strict: true,
    })
    return { values: values as Values, positionals }
  } catch (error) {
    // parseArgs quotes the argument; never repeat a value that followed an `=`.
    const message = error instanceof Error ? error.message.split('. ')[0] : String(error)
    throw new CliError(EXIT.usage, 'usage', (message ?? '').replace(/=[^'"\s]*/g, '=...'))
  }
}

function timeout(values: Values): number | undefined {
  const value = values.timeout
  if (typeof value !== 'string') return undefined
  const ms = Number(value)
  if (!Number.isInteger(ms) || ms <= 0) {
    throw new CliError(EXIT.usage, 'usage', '--timeout must be a positive number of milliseconds')
  }
  return ms
}

function report(error: unknown, name: string | undefined, json: boolean, io: Io): ExitCode {
  const failure =
    error instanceof CliError
      ? error
      : error instanceof TypeError
        ? new CliError(EXIT.usage, 'usage', error.message)
        : new CliError(
            EXIT.internal,
            'internal',
            `internal error: ${error instanceof Error ? error.message : String(error)}${
              io.env.IDENTITY_MODEL_DEBUG && error instanceof Error ? `\n${error.stack}` : ''
            }`,
          )
  if (json) {
    io.stdout(
      `${JSON.stringify({ error: failure.reason, message: failure.message, exitCode: failure.exitCode }, null, 2)}\n`,
    )
  } else {
    const prefix = name === undefined ? 'identity-model' : `identity-model ${name}`
    io.stderr(`${prefix}: ${failure.message}\n`)
    if (failure.exitCode === EXIT.usage) io.stderr('(identity-model --help for usage)\n')
  }
  return failure.exitCode
}

function hasHelp(argv: readonly string[]): boolean {
  return argv.includes('--help') || argv.includes('-h')
}

function usage(): string {
  return [
    'identity-model: debug OAuth 2.0 / OpenID Connect providers and tokens',
    '',
    'Usage:',
    ...COMMANDS.map((command) => `  identity-model ${command.synopsis}`),
    '',
    'identity-model help <command> for details.',
    GLOBAL_HELP,
    EXIT_HELP,
  ].join('\n')
}

function commandHelp(command: Command): string {
  return [`Usage: identity-model ${command.synopsis}`, '', command.help, '', GLOBAL_HELP].join('\n')
}

function version(): string {
  const manifest = JSON.parse(
    readFileSync(new URL('../../package.json', import.meta.url), 'utf8'),
  ) as { version?: string }
  return `identity-model ${manifest.version ?? 'unknown'}`
}
