/**
 * Traces and metrics for identity-model with the OpenTelemetry SDK: every validation, discovery
 * and key fetch, token request and token manager event, printed to the console here (use an
 * OTLP exporter in production). See docs/observability.md.
 *
 *   node --env-file=.env --import tsx examples/observability.ts <access token>
 * where .env holds DISCO_ADDRESS and AUDIENCE.
 */
import { pathToFileURL } from 'node:url'
import {
  ConsoleMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics'
import {
  BasicTracerProvider,
  ConsoleSpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base'
import { validateToken } from 'identity-model'
import { instrumentIdentityModel } from 'identity-model/opentelemetry'

export async function main(token: string): Promise<void> {
  const tracerProvider = new BasicTracerProvider({
    spanProcessors: [new SimpleSpanProcessor(new ConsoleSpanExporter())],
  })
  const reader = new PeriodicExportingMetricReader({ exporter: new ConsoleMetricExporter() })
  const meterProvider = new MeterProvider({ readers: [reader] })
  const stop = instrumentIdentityModel({ tracerProvider, meterProvider })
  try {
    const config = { performDisco: true, audience: process.env.AUDIENCE ?? 'api' }
    for (let i = 0; i < 3; i++) {
      // The first validation fetches discovery and keys (two spans); the others hit the cache.
      const claims = await validateToken(token, config, process.env.DISCO_ADDRESS).catch(
        (error: unknown) => error,
      )
      console.log(claims instanceof Error ? `refused: ${claims.message}` : 'valid')
    }
  } finally {
    stop()
    await reader.forceFlush()
    await meterProvider.shutdown()
    await tracerProvider.shutdown()
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await main(process.argv[2] ?? '')
}
