import { Logger } from '@nestjs/common';
import { SessionError, SessionUnavailableError } from '../errors';
import { RedisOperation, SessionMetrics } from '../session.metrics';

/** How the store calls Redis: timed, each failure a 503 (logged at most every 5 s), writes with deadlines. @internal */
export class RedisCalls {
  private readonly logger = new Logger('SessionStore');
  private lastFailureLog = 0;
  /** Redis clock minus ours (ms), and when it was read: turns our command deadline into Redis time. */
  private clock?: { offset: number; readAt: number };

  constructor(private readonly metrics: SessionMetrics, private readonly timeoutMs: number) {}

  /** The single place where a Redis failure becomes a 503. */
  async run<T>(operation: RedisOperation, command: () => Promise<T>): Promise<T> {
    const started = performance.now();
    try {
      const result = await command();
      this.metrics.redisDuration(operation, performance.now() - started);
      return result;
    } catch (err) {
      if (err instanceof SessionError) throw err;
      const now = Date.now();
      if (now - this.lastFailureLog > 5000) {
        this.lastFailureLog = now;
        this.logger.error(`Redis command failed, answering 503: ${(err as Error).message}`);
      }
      throw new SessionUnavailableError(err);
    }
  }

  /**
   * Records Redis's clock from a script reply's `now`. A reading is low by however long the reply waited to be read
   * (a busy event loop): keep the highest, so one late reply cannot make every later deadline early, and take a
   * lower one only once the highest is 10 s old (Redis's clock may have moved back, e.g. a failover to another host).
   */
  noteClock(redisNow: number): void {
    const now = Date.now();
    const offset = redisNow - now;
    if (!this.clock || offset >= this.clock.offset || now - this.clock.readAt > 10_000) {
      this.clock = { offset, readAt: now };
    }
  }

  /** Latest Redis time a write sent now may run at (our timeout less a reply margin); 0 (no limit) until known. */
  notAfter(): number {
    if (!this.clock) return 0;
    return Date.now() + this.clock.offset + this.timeoutMs - Math.min(100, Math.floor(this.timeoutMs / 4));
  }
}
