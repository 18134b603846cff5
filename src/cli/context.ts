/**
 * What a command gets: its parsed arguments, output that honours `--json`, and the two secret
 * channels (environment and stdin). Secrets never come from flags, and never reach the output.
 */
import { CliError, EXIT } from './exit.js'

/** The process as a command sees it (tests can supply their own). */
export interface Io {
  readonly stdout: (text: string) => void
  readonly stderr: (text: string) => void
  readonly env: Readonly<Record<string, string | undefined>>
  /** Everything on stdin, read once on first use. */
  readonly readStdin: () => Promise<string>
}

export interface Context {
  readonly io: Io
  readonly json: boolean
  readonly timeoutMs: number | undefined
  /** Prints the success result: `human` lines, or `json` as JSON. */
  print(human: string, json: unknown): void
  /** A note on stderr in human mode (nothing in `--json` mode). */
  note(text: string): void
  /** The token argument, or the next stdin line for `-`. */
  token(argument: string | undefined, what?: string): Promise<string>
  /** The client secret: the environment, else stdin with `--client-secret-stdin`, else none. */
  clientSecret(fromStdin: boolean): Promise<string | undefined>
}

export const SECRET_VARIABLES = ['IDENTITY_MODEL_CLIENT_SECRET', 'CLIENT_SECRET'] as const

export function createContext(io: Io, json: boolean, timeoutMs: number | undefined): Context {
  let lines: Promise<string[]> | undefined
  let next = 0
  const stdinLine = async (what: string): Promise<string> => {
    lines ??= io.readStdin().then((text) => text.split(/\r?\n/))
    const all = await lines
    const line = all[next++]?.trim()
    if (line === undefined || line === '') {
      throw new CliError(EXIT.usage, 'usage', `expected ${what} on stdin, found nothing`)
    }
    return line
  }
  return {
    io,
    json,
    timeoutMs,
    print(human, value) {
      io.stdout(json ? `${JSON.stringify(value, null, 2)}\n` : `${human}\n`)
    },
    note(text) {
      if (!json) io.stderr(`${text}\n`)
    },
    async token(argument, what = 'a token') {
      if (argument === undefined) {
        throw new CliError(EXIT.usage, 'usage', `missing ${what} (or - to read it from stdin)`)
      }
      const token = argument === '-' ? await stdinLine(what) : argument
      // Pasted from an Authorization header: drop the scheme.
      return token.replace(/^Bearer\s+/i, '')
    },
    async clientSecret(fromStdin) {
      for (const name of SECRET_VARIABLES) {
        const value = io.env[name]
        if (value !== undefined && value !== '') return value
      }
      return fromStdin ? stdinLine('the client secret') : undefined
    },
  }
}

/** Reads all of stdin (the secret and token are small; cap it anyway). */
export async function readProcessStdin(): Promise<string> {
  const chunks: Buffer[] = []
  let total = 0
  for await (const chunk of process.stdin) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk))
    total += buffer.length
    if (total > 1024 * 1024) throw new CliError(EXIT.usage, 'usage', 'stdin is over 1 MiB')
    chunks.push(buffer)
  }
  return Buffer.concat(chunks).toString('utf8')
}
