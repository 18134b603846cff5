/**
 * `identity-model/opentelemetry`: OpenTelemetry traces and metrics for identity-model, built on
 * its diagnostics channels (Node.js only). One call subscribes; the function it returns
 * unsubscribes. `@opentelemetry/api` is an optional peer dependency: install it (and an SDK) to
 * use this entry; the rest of the library never loads it.
 *
 * Every attribute comes from a diagnostics message, so nothing here can hold a token, a secret
 * or a claim set either.
 *
 * @see docs/observability.md
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel'
import {
  type Attributes,
  type Histogram,
  type MeterProvider,
  metrics,
  SpanKind,
  SpanStatusCode,
  type TracerProvider,
  trace,
} from '@opentelemetry/api'
import {
  CHANNELS,
  type ProviderLookupEvent,
  type TokenManagerDiagnosticsEvent,
  type TokenRequestEvent,
  type ValidationEvent,
} from '../diagnostics/events.js'

export {
  CHANNELS,
  type ProviderLookupEvent,
  type ProviderLookupOutcome,
  type TokenManagerDiagnosticsEvent,
  type TokenRequestEvent,
  type ValidationEvent,
} from '../diagnostics/events.js'

/** Options of {@link instrumentIdentityModel}. */
export interface IdentityModelInstrumentationOptions {
  /** Where spans go (default: the global tracer provider, `trace.getTracerProvider()`). */
  tracerProvider?: TracerProvider | undefined
  /** Where metrics go (default: the global meter provider, `metrics.getMeterProvider()`). */
  meterProvider?: MeterProvider | undefined
}

/** The instrumentation scope name of every span and metric. */
export const INSTRUMENTATION_SCOPE = 'identity-model'

/** Seconds from the milliseconds of a message. */
const seconds = (ms: number | undefined): number => (ms ?? 0) / 1000

/**
 * Turns identity-model's diagnostics events into OpenTelemetry spans and metrics:
 *
 * - spans `identity-model discovery`, `identity-model jwks` (each fetch of a discovery document
 *   or key set), `identity-model validate` (each `validateToken`) and `identity-model token`
 *   (each token request), timed from the event's duration, children of the active span;
 * - metrics (see docs/observability.md): `identity_model.validation.duration`,
 *   `identity_model.resource.refusals`, `identity_model.provider.lookups`,
 *   `identity_model.provider.fetch.duration`, `identity_model.token_request.duration`,
 *   `identity_model.token_manager.events`.
 *
 * @example
 * ```ts
 * import { instrumentIdentityModel } from 'identity-model/opentelemetry'
 * const stop = instrumentIdentityModel() // the global providers, set up by the OpenTelemetry SDK
 * // ... on shutdown:
 * stop()
 * ```
 * @returns a function that unsubscribes (idempotent).
 */
export function instrumentIdentityModel(
  options: IdentityModelInstrumentationOptions = {},
): () => void {
  const tracer = (options.tracerProvider ?? trace.getTracerProvider()).getTracer(
    INSTRUMENTATION_SCOPE,
  )
  const meter = (options.meterProvider ?? metrics.getMeterProvider()).getMeter(
    INSTRUMENTATION_SCOPE,
  )
  const histogram = (name: string, description: string): Histogram =>
    meter.createHistogram(name, { description, unit: 's' })

  const validationDuration = histogram(
    'identity_model.validation.duration',
    'Duration of access token validations (validateToken), by outcome and error code',
  )
  const refusals = meter.createCounter('identity_model.resource.refusals', {
    description: 'Requests the resource-server middleware refused, by status and error',
  })
  const lookups = meter.createCounter('identity_model.provider.lookups', {
    description: 'Discovery document and key set lookups, by outcome (hit, fetched, stale ...)',
  })
  const fetchDuration = histogram(
    'identity_model.provider.fetch.duration',
    'Duration of discovery document and key set fetches',
  )
  const tokenRequestDuration = histogram(
    'identity_model.token_request.duration',
    'Duration of token endpoint requests, by grant type and outcome',
  )
  const tokenManagerEvents = meter.createCounter('identity_model.token_manager.events', {
    description:
      'TokenManager and UserTokenManager events (hit, fetched, refreshed, renewal_failed ...)',
  })

  /** A span for something that already happened, `durationMs` long, ending now. */
  const record = (
    name: string,
    kind: SpanKind,
    durationMs: number | undefined,
    attributes: Attributes,
    failed: string | undefined,
  ): void => {
    const end = Date.now()
    const span = tracer.startSpan(name, {
      kind,
      startTime: end - (durationMs ?? 0),
      attributes,
    })
    if (failed !== undefined) span.setStatus({ code: SpanStatusCode.ERROR, message: failed })
    span.end(end)
  }

  const lookup = (metadata: 'discovery' | 'jwks') => (message: unknown) => {
    const event = message as ProviderLookupEvent
    const attributes: Attributes = {
      'identity_model.metadata': metadata,
      'identity_model.outcome': event.outcome,
      'url.full': event.address,
    }
    if (event.reason !== undefined) attributes['identity_model.reason'] = event.reason
    if (event.errorType !== undefined) attributes['error.type'] = event.errorType
    if (event.httpStatus !== undefined) {
      attributes['http.response.status_code'] = event.httpStatus
    }
    lookups.add(1, attributes)
    if (event.durationMs === undefined) return
    fetchDuration.record(seconds(event.durationMs), attributes)
    const failed = event.outcome === 'failed' ? (event.errorType ?? 'failed') : undefined
    record(`identity-model ${metadata}`, SpanKind.CLIENT, event.durationMs, attributes, failed)
  }

  const validation = (message: unknown) => {
    const event = message as ValidationEvent
    const attributes: Attributes = { 'identity_model.outcome': event.outcome }
    if (event.code !== undefined) attributes['error.type'] = event.code
    if (event.claim !== undefined) attributes['identity_model.claim'] = event.claim
    if (event.issuer !== undefined) attributes['identity_model.issuer'] = event.issuer
    if (event.kind === 'resource_request') {
      if (event.status !== undefined) attributes['http.response.status_code'] = event.status
      if (event.error !== undefined) attributes['identity_model.oauth_error'] = event.error
      refusals.add(1, attributes)
      return
    }
    if (event.alg !== undefined) attributes['identity_model.alg'] = event.alg
    validationDuration.record(seconds(event.durationMs), attributes)
    const failed = event.outcome === 'valid' ? undefined : (event.code ?? event.outcome)
    record('identity-model validate', SpanKind.INTERNAL, event.durationMs, attributes, failed)
  }

  const tokenRequest = (message: unknown) => {
    const event = message as TokenRequestEvent
    const attributes: Attributes = {
      'identity_model.outcome': event.outcome,
      'identity_model.grant_type': event.grantType,
      'identity_model.dpop': event.dpop,
      'url.full': event.address,
    }
    if (event.errorType !== undefined) attributes['error.type'] = event.errorType
    if (event.error !== undefined) attributes['identity_model.oauth_error'] = event.error
    if (event.httpStatus !== undefined) {
      attributes['http.response.status_code'] = event.httpStatus
    }
    tokenRequestDuration.record(seconds(event.durationMs), attributes)
    const failed = event.outcome === 'failed' ? (event.error ?? event.errorType) : undefined
    record('identity-model token', SpanKind.CLIENT, event.durationMs, attributes, failed)
  }

  const tokenManager = (message: unknown) => {
    const event = message as TokenManagerDiagnosticsEvent
    const attributes: Attributes = {
      'identity_model.manager': event.manager,
      'identity_model.outcome': event.outcome,
    }
    if (event.address !== undefined) attributes['url.full'] = event.address
    if (event.reason !== undefined) attributes['identity_model.reason'] = event.reason
    if (event.errorType !== undefined) attributes['error.type'] = event.errorType
    tokenManagerEvents.add(1, attributes)
  }

  const handlers: [string, (message: unknown) => void][] = [
    [CHANNELS.discovery, guarded(lookup('discovery'))],
    [CHANNELS.jwks, guarded(lookup('jwks'))],
    [CHANNELS.validation, guarded(validation)],
    [CHANNELS.tokenRequest, guarded(tokenRequest)],
    [CHANNELS.tokenManager, guarded(tokenManager)],
  ]
  for (const [name, handler] of handlers) subscribe(name, handler)
  let active = true
  return () => {
    if (!active) return
    active = false
    for (const [name, handler] of handlers) unsubscribe(name, handler)
  }
}

/**
 * A subscriber runs inside the library's call (diagnostics_channel publishes synchronously): a
 * failing exporter or SDK must never turn into an error of a validation or a token request.
 */
function guarded(handler: (message: unknown) => void): (message: unknown) => void {
  return (message) => {
    try {
      handler(message)
    } catch {
      // Telemetry is best effort.
    }
  }
}
