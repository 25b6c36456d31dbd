import { Logger } from '@nestjs/common';
import { SessionError, SessionUnavailableError } from '../errors';
import { RedisOperation, SessionMetrics } from '../session.metrics';

/** How the store calls Redis: timed, each failure a 503 (logged at most every 5 s), writes with deadlines. @internal */
export class RedisCalls {
  private readonly logger = new Logger('SessionStore');
  private lastFailureLog = 0;
  /** Redis clock minus ours (ms), from the last script reply: turns our command deadline into Redis time. */
  private clockOffset?: number;

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

  /** Records Redis's clock from a script reply's `now`. */
  noteClock(redisNow: number): void {
    this.clockOffset = redisNow - Date.now();
  }

  /** Latest Redis time a write sent now may run at (our timeout less a reply margin); 0 (no limit) until known. */
  notAfter(): number {
    if (this.clockOffset === undefined) return 0;
    return Date.now() + this.clockOffset + this.timeoutMs - Math.min(100, Math.floor(this.timeoutMs / 4));
  }
}
