/**
 * A validation error met while processing an endpoint's answer (a signed UserInfo response, a
 * JWT introspection response), as the request failure the endpoint function resolves to: the
 * answer is not acceptable (`invalid_response`), the provider's metadata or keys could not be
 * had (the underlying failure's type), or the configuration cannot work (`policy`).
 */
import { ConfigurationError, ProviderUnavailableError, TokenValidationError } from '../errors.js'
import { isFailure } from '../http/json.js'
import { failure, type RequestFailure } from '../http/result.js'

/** The failure for `error`; rethrows what is not a validation outcome (a caller mistake). */
export function validationFailure(error: unknown, what: string): RequestFailure {
  if (error instanceof TokenValidationError) {
    return failure('invalid_response', `${what} is not valid: ${error.message}`, {
      httpStatus: 200,
      cause: error,
    })
  }
  if (error instanceof ProviderUnavailableError) {
    const cause = error.cause
    return failure(isFailure(cause) ? cause.errorType : 'network', error.message, {
      httpStatus: error.httpStatus,
      cause: error,
    })
  }
  if (error instanceof ConfigurationError) {
    return failure('policy', error.message, { cause: error })
  }
  throw error
}
