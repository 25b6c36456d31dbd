import { Attributes, Counter, Histogram, metrics } from '@opentelemetry/api';

/**
 * The library's metrics, through the OpenTelemetry API: no-ops until the app installs an SDK (see README
 * "Metrics"). Attribute objects are built once, so recording on the request path allocates nothing.
 * @internal
 */
export class SessionMetrics {
  private readonly created: Counter;
  private readonly invalidated: Counter;
  private readonly expired: Counter;
  private readonly guard: Counter;
  private readonly cache: Counter;
  private readonly latency: Histogram;
  private readonly attrs = new Map<string, Attributes>();

  constructor() {
    const meter = metrics.getMeter('nestjs-redis-session');
    this.created = meter.createCounter('session.created', { description: 'Sessions created' });
    this.invalidated = meter.createCounter('session.invalidated', { description: 'Sessions ended by the app, by reason' });
    this.expired = meter.createCounter('session.expired', { description: 'Sessions expired or evicted by Redis' });
    this.guard = meter.createCounter('session.guard.outcome', { description: 'SessionGuard decisions: ok, 401, 503' });
    this.cache = meter.createCounter('session.cache.lookup', { description: 'Local cache lookups: hit, miss' });
    this.latency = meter.createHistogram('session.redis.duration', { description: 'Redis command latency', unit: 'ms' });
  }

  sessionCreated(): void {
    this.created.add(1);
  }
  sessionInvalidated(reason: string, count = 1): void {
    if (count > 0) this.invalidated.add(count, this.attr('reason', reason));
  }
  sessionExpired(kind: 'expired' | 'evicted'): void {
    this.expired.add(1, this.attr('kind', kind));
  }
  guardOutcome(outcome: 'ok' | '401' | '503'): void {
    this.guard.add(1, outcome === 'ok' ? GUARD_OK : this.attr('outcome', outcome));
  }
  cacheLookup(hit: boolean): void {
    this.cache.add(1, hit ? CACHE_HIT : CACHE_MISS);
  }
  redisDuration(operation: string, ms: number): void {
    this.latency.record(ms, operation === 'touch' ? OP_TOUCH : this.attr('operation', operation));
  }

  private attr(name: string, value: string): Attributes {
    const key = `${name}=${value}`;
    let a = this.attrs.get(key);
    if (!a) this.attrs.set(key, (a = { [name]: value }));
    return a;
  }
}

// The attributes recorded on every request, built once.
const GUARD_OK: Attributes = { outcome: 'ok' };
const CACHE_HIT: Attributes = { result: 'hit' };
const CACHE_MISS: Attributes = { result: 'miss' };
const OP_TOUCH: Attributes = { operation: 'touch' };
