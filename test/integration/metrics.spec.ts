import { metrics } from '@opentelemetry/api';
import { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import type { ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { REDIS_OPERATIONS } from '../../lib/session.metrics';
import { startTestRedis, TestRedis, uniquePrefix } from '../harness/redis';
import { RunningSessionModule, startSessionModule } from '../harness/session-module';

// The library records into the app's OpenTelemetry SDK (the API is a peer dependency: one copy, the app's).
// Real SDK, real Redis: the collected values are what a Prometheus exporter would serve.
describe('metrics through the OpenTelemetry SDK', () => {
  let redis: TestRedis;
  let running: RunningSessionModule;
  let provider: MeterProvider;
  let exporter: InMemoryMetricExporter;
  let reader: PeriodicExportingMetricReader;

  beforeAll(async () => {
    exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
    reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
    provider = new MeterProvider({ readers: [reader] });
    metrics.setGlobalMeterProvider(provider);
    redis = await startTestRedis();
    running = await startSessionModule({ redis: redis.url, keyPrefix: uniquePrefix('otel'), checkRedisAtBoot: false });
  });
  afterAll(async () => {
    await running?.close();
    await redis?.close();
    await provider.shutdown();
    metrics.disable();
  });

  const collect = async () => {
    await reader.forceFlush();
    const all = exporter.getMetrics() as ResourceMetrics[];
    const points = new Map<string, Array<{ attributes: Record<string, unknown>; value: unknown }>>();
    for (const m of all.at(-1)!.scopeMetrics.flatMap((s) => s.metrics)) {
      points.set(m.descriptor.name, m.dataPoints.map((p) => ({ attributes: p.attributes, value: p.value })));
    }
    return { points, descriptors: all.at(-1)!.scopeMetrics.flatMap((s) => s.metrics.map((m) => m.descriptor)) };
  };

  it('collects created sessions, and the Redis duration in seconds per named operation with sub-millisecond buckets', async () => {
    const { service } = running;
    const { token, session } = await service.issue({ userId: 'otel', data: { a: 1 } });
    await service.touch(token);
    await service.set(session, 'b', 2);
    await service.get(session, 'b');
    await service.list('otel');
    await service.regenerate(session);
    await service.destroy(session);

    const { points, descriptors } = await collect();
    expect(points.get('session.created')?.[0].value).toBe(1);
    expect(points.get('session.invalidated')).toEqual([{ attributes: { reason: 'logout' }, value: 1 }]);
    const duration = descriptors.find((d) => d.name === 'session.redis.duration')!;
    expect(duration.unit).toBe('s');
    const byOperation = new Map(
      points.get('session.redis.duration')!.map((p) => [p.attributes.operation, p.value as { count: number; max?: number; buckets: { boundaries: number[] } }]),
    );
    for (const op of ['create', 'touch', 'set', 'get', 'list', 'renew', 'destroy'] as const) {
      expect(REDIS_OPERATIONS).toContain(op);
      expect(byOperation.get(op)?.count).toBeGreaterThanOrEqual(1);
      // Seconds, not ms: a local Redis answers well under a second.
      expect(byOperation.get(op)!.max).toBeLessThan(1);
    }
    expect(byOperation.has('other')).toBe(false);
    expect(byOperation.get('touch')!.buckets.boundaries[0]).toBe(0.0001);
  });
});
