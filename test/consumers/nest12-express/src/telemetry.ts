import { metrics } from '@opentelemetry/api';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';

/** Keeps nothing itself: collect() reads the SDK's current state (cumulative), which is all this app needs. */
class InMemoryMetricReader extends MetricReader {
  protected onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
  protected onShutdown(): Promise<void> {
    return Promise.resolve();
  }
}

export const metricReader = new InMemoryMetricReader();

/**
 * Installs the OpenTelemetry SDK, as the README's Metrics section shows: a Prometheus endpoint (PROMETHEUS_PORT,
 * default 9464) and, for the driver's detailed checks, an in-memory reader. Call before NestFactory.create so the
 * libraries' meters are real ones.
 */
export function startTelemetry(): MeterProvider {
  const prometheus = new PrometheusExporter({ host: '127.0.0.1', port: Number(process.env.PROMETHEUS_PORT ?? 9464) });
  const provider = new MeterProvider({ readers: [metricReader, prometheus] });
  metrics.setGlobalMeterProvider(provider);
  return provider;
}
