import { metrics } from '@opentelemetry/api';
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

/** Installs the OpenTelemetry SDK. Call before NestFactory.create so the libraries' meters are real ones. */
export function startTelemetry(): MeterProvider {
  const provider = new MeterProvider({ readers: [metricReader] });
  metrics.setGlobalMeterProvider(provider);
  return provider;
}
