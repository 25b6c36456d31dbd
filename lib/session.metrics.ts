/**
 * The library's metrics, through the app's copy of the OpenTelemetry API (an optional peer: the SDK it registers is
 * the one we record into); no-ops without it. Attribute objects are built once: recording on the request path
 * allocates nothing. Names, units, attributes: README "Metrics". @internal
 */
export class SessionMetrics {
  private readonly meter = appMeter();
  private readonly created = this.counter('session.created', 'Sessions created (logins)');
  private readonly migrated =
    this.counter('session.migrated', 'Sessions created from a legacy express-session cookie (the legacy option)');
  private readonly invalidated = this.counter('session.invalidated', 'Sessions ended by the app, by reason');
  private readonly expired = this.counter('session.expired',
    'Sessions Redis ended (expired or evicted), counted once per deployment by the instance that reported it');
  private readonly guard = this.counter('session.guard.outcome', 'SessionGuard decisions', '{request}');
  private readonly cache = this.counter('session.cache.lookup', 'Local cache lookups', '{lookup}');
  private readonly latency = this.meter.createHistogram('session.redis.duration', {
    description: 'Duration of the Redis round trip of one library operation',
    unit: 's',
    advice: {
      // 0.1 ms to 1 s: the SDK's default buckets (0-10000) would put every operation (0.1-5 ms) in the first.
      explicitBucketBoundaries: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
    },
  });
  private readonly attrs = new Map<string, Attributes>();

  sessionCreated(): void {
    this.created.add(1);
  }
  sessionMigrated(): void {
    this.migrated.add(1);
  }
  sessionInvalidated(reason: string, count = 1): void {
    if (count > 0) this.invalidated.add(count, this.attr('reason', reason));
  }
  sessionExpired(kind: 'expired' | 'evicted'): void {
    this.expired.add(1, this.attr('kind', kind));
  }
  guardOutcome(outcome: 'ok' | '401' | '403' | '503'): void {
    this.guard.add(1, outcome === 'ok' ? GUARD_OK : this.attr('outcome', outcome));
  }
  cacheLookup(hit: boolean): void {
    this.cache.add(1, hit ? CACHE_HIT : CACHE_MISS);
  }
  redisDuration(operation: RedisOperation, ms: number): void {
    this.latency.record(ms / 1000, operation === 'touch' ? OP_TOUCH : this.attr('operation', operation));
  }

  private counter(name: string, description: string, unit = '{session}'): Counter {
    return this.meter.createCounter(name, { description, unit });
  }

  private attr(name: string, value: string): Attributes {
    const key = `${name}=${value}`;
    let a = this.attrs.get(key);
    if (!a) this.attrs.set(key, (a = { [name]: value }));
    return a;
  }
}

/** Every value of the `operation` attribute of `session.redis.duration`. */
export const REDIS_OPERATIONS =
  ['create', 'touch', 'set', 'get', 'destroy', 'list', 'renew', 'report', 'migrate'] as const;
export type RedisOperation = (typeof REDIS_OPERATIONS)[number];

const GUARD_OK: Attributes = { outcome: 'ok' };
const CACHE_HIT: Attributes = { result: 'hit' };
const CACHE_MISS: Attributes = { result: 'miss' };
const OP_TOUCH: Attributes = { operation: 'touch' };

// The few shapes of the OpenTelemetry API used here, declared locally so the library's types never require it.
type Attributes = Record<string, string>;
type Counter = { add(value: number, attributes?: Attributes): void };
type Histogram = { record(value: number, attributes?: Attributes): void };
type InstrumentOptions = { description: string; unit: string; advice?: { explicitBucketBoundaries: number[] } };
type Meter = {
  createCounter(name: string, options: InstrumentOptions): Counter;
  createHistogram(name: string, options: InstrumentOptions): Histogram;
};

/** The app's meter for this library, or a no-op one when @opentelemetry/api is not installed. */
function appMeter(): Meter {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const api = require('@opentelemetry/api') as { metrics: { getMeter(name: string): Meter } };
    return api.metrics.getMeter('nestjs-redis-session');
  } catch {
    const noop = { add: () => undefined, record: () => undefined };
    return { createCounter: () => noop, createHistogram: () => noop };
  }
}
