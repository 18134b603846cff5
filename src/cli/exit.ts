/**
 * Exit codes of the `identity-model` command, and the mapping from library outcomes to them.
 * Documented in docs/cli.md; scripts rely on them, so they never change meaning.
 */
import {
  ConfigurationError,
  isUnavailable,
  ProviderUnavailableError,
  type RequestFailure,
  TokenValidationError,
} from '../index.js'

/** The exit codes, by meaning. Stable: scripts rely on them (docs/cli.md lists them). */
export const EXIT = {
  /** Success: the document was fetched, the token is valid or active, the token was issued. */
  ok: 0,
  /** The token was rejected: invalid, expired, not active, or not a JWT. */
  rejected: 1,
  /** Usage error: unknown command or option, a missing argument, a secret passed as a flag. */
  usage: 2,
  /** The provider is unreachable or unavailable: network, timeout, 5xx, a body that is not JSON. */
  unavailable: 3,
  /** The provider refused the request: an OAuth error (invalid_client ...) or another 4xx. */
  refused: 4,
  /** A configuration or policy problem: issuer mismatch, plain HTTP, a missing endpoint. */
  configuration: 5,
  /** A bug in this tool. */
  internal: 70,
} as const

/** One of {@link EXIT}'s values. */
export type ExitCode = (typeof EXIT)[keyof typeof EXIT]

/** A failure the tool reports and exits with: a diagnosis, never a stack trace. */
export class CliError extends Error {
  readonly exitCode: ExitCode
  /** A machine-readable reason for `--json` output. */
  readonly reason: string

  constructor(exitCode: ExitCode, reason: string, message: string) {
    super(message)
    this.exitCode = exitCode
    this.reason = reason
  }
}

/** The exit for a failed request: who is to blame decides the code. */
export function failureError(what: string, failure: RequestFailure): CliError {
  const status = failure.httpStatus
  const detail = [
    failure.errorType === 'protocol' ? `error ${failure.error}` : failure.error,
    failure.errorDescription,
    status === undefined ? undefined : `HTTP ${status}`,
  ]
    .map((part) => part?.replace(/\s+/g, ' ').trim())
    .filter((part) => part !== undefined && part !== '')
    .join('; ')
  if (failure.errorType === 'policy') {
    return new CliError(EXIT.configuration, 'policy', `${what}: ${detail}`)
  }
  if (isUnavailable(failure)) {
    return new CliError(EXIT.unavailable, failure.errorType, `${what} is unavailable: ${detail}`)
  }
  return new CliError(
    EXIT.refused,
    failure.errorType === 'protocol' ? failure.error : failure.errorType,
    `${what} refused the request: ${detail}`,
  )
}

/** The exit for an error thrown by validation. */
export function validationError(error: unknown): CliError {
  if (error instanceof TokenValidationError) {
    return new CliError(EXIT.rejected, error.code, `invalid token: ${error.message}`)
  }
  if (error instanceof ProviderUnavailableError) {
    return new CliError(EXIT.unavailable, error.code, `provider unavailable: ${error.message}`)
  }
  if (error instanceof ConfigurationError) {
    return new CliError(EXIT.configuration, error.code, `configuration problem: ${error.message}`)
  }
  if (error instanceof TypeError) return new CliError(EXIT.usage, 'usage', error.message)
  throw error
}
