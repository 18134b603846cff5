/**
 * The `identity-model` command line: parses the arguments, runs one subcommand, and turns every
 * outcome into output and an exit code. Uses only the public API of the library.
 */
import { readFileSync } from 'node:fs'
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

/** What a command name looks like (an unknown one is named in the error; a token is not). */
const COMMAND_NAME = /^[a-z][a-z-]{0,29}$/

/** Runs the command line `argv` (without `node` and the script); resolves to the exit code. */
export async function run(argv: readonly string[], io: Io): Promise<ExitCode> {
  // What follows `--` is arguments only (tokens), never flags.
  const end = argv.indexOf('--')
  const flags = end === -1 ? argv : argv.slice(0, end)
  const json = flags.includes('--json')
  // The command comes first, after any of --json, --help and --version.
  const name = flags.find((arg) => !['--json', '--help', '-h', '--version'].includes(arg))
  const named = name !== undefined && COMMAND_NAME.test(name) ? name : undefined
  try {
    const secretFlag = flags.find((arg) => SECRET_FLAG.test(arg))
    if (secretFlag !== undefined) {
      throw new CliError(
        EXIT.usage,
        'secret_flag',
        `${secretFlag.split('=')[0]} is not accepted: a secret on the command line ends up in shell history and process lists. Set IDENTITY_MODEL_CLIENT_SECRET (or CLIENT_SECRET), or pipe it with --client-secret-stdin`,
      )
    }
    if (argv.length === 0 || (name === undefined && hasHelp(flags)) || name === 'help') {
      const topic = name === 'help' ? flags[flags.indexOf('help') + 1] : undefined
      const command = COMMANDS.find((candidate) => candidate.name === topic)
      io.stdout(`${command === undefined ? usage() : commandHelp(command)}\n`)
      return argv.length === 0 ? EXIT.usage : EXIT.ok
    }
    if (name === undefined && flags.includes('--version')) {
      io.stdout(`${version()}\n`)
      return EXIT.ok
    }
    const command = COMMANDS.find((candidate) => candidate.name === name)
    if (command === undefined) {
      throw new CliError(
        EXIT.usage,
        'usage',
        // Named only when it looks like a command: the first argument may be a token.
        `unknown command${named === undefined ? '' : ` ${JSON.stringify(named)}`}; commands: ${COMMANDS.map((c) => c.name).join(', ')}`,
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

/** What an option name looks like; anything else that starts with `-` is an argument. */
const OPTION_NAME = /^--([a-z][a-z0-9-]{0,23})(?:=(.*))?$/s

/**
 * Splits `args` into option values and positionals. Any argument that is not a declared option
 * is a positional, whatever it starts with: a token such as `-Xb3...` or `--k9...` (base64url
 * allows `-` anywhere) is an argument, and everything after `--` is too. A string option takes
 * the next argument as its value whatever it starts with. Only an argument shaped like an option
 * name (`--` and lower-case letters, digits and dashes) that no option declares is a usage error,
 * which names it but never a value after `=`.
 */
function parse(
  args: readonly string[],
  options: Options,
): { values: Values; positionals: string[] } {
  const values: Record<string, string | boolean> = {}
  const positionals: string[] = []
  const shorts = new Map<string, string>(
    Object.entries(options).flatMap(([name, option]) =>
      option.short === undefined ? [] : [[`-${option.short}`, name] as const],
    ),
  )
  for (let index = 0; index < args.length; index++) {
    const arg = args[index] as string
    if (arg === '--') {
      positionals.push(...args.slice(index + 1))
      break
    }
    const long = OPTION_NAME.exec(arg)
    const name = long?.[1] ?? shorts.get(arg)
    if (name === undefined) {
      positionals.push(arg)
      continue
    }
    const option = options[name]
    if (option === undefined) throw new CliError(EXIT.usage, 'usage', `Unknown option '--${name}'`)
    const inline = long?.[2]
    if (option.type === 'boolean') {
      if (inline !== undefined) {
        throw new CliError(EXIT.usage, 'usage', `Option '--${name}' does not take a value`)
      }
      values[name] = true
    } else {
      const value = inline ?? args[++index]
      if (value === undefined) {
        throw new CliError(EXIT.usage, 'usage', `Option '--${name} <value>' argument missing`)
      }
      values[name] = value
    }
  }
  return { values, positionals }
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
  // The package's own package.json: dist/esm/cli/ → three folders up (src/cli/ → two, under tsx);
  // dist/esm/package.json only says the folder's module format.
  for (const path of ['../../package.json', '../../../package.json']) {
    try {
      const manifest = JSON.parse(readFileSync(new URL(path, import.meta.url), 'utf8')) as {
        name?: string
        version?: string
      }
      if (manifest.name === 'identity-model') return `identity-model ${manifest.version}`
    } catch {
      // not this one
    }
  }
  return 'identity-model (version unknown)'
}
