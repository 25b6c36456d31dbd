import { Inject, Injectable } from '@nestjs/common';
import { SessionCache } from '../store/session.cache';
import { SessionEvents } from '../events/session.events';
import { SessionReadiness } from './session.readiness';
import type { Cluster, Redis } from 'ioredis';
import { RedisReadinessReport } from './redis.readiness';
import { SESSION_REDIS_CLIENT } from '../session.tokens';

/**
 * Health of the session layer in the shape @nestjs/terminus expects (`{ [key]: { status, ... } }`), without
 * depending on terminus: use it inside `health.check([() => indicator.isHealthy('session')])`, or call it directly.
 * 'down' only when Redis does not answer; a lost subscriber or readiness risks are reported as details, because
 * sessions still work (the cache is bypassed, events come later).
 * @publicApi
 */
@Injectable()
export class SessionHealthIndicator {
  /** @internal Nest creates it. */
  constructor(
    @Inject(SESSION_REDIS_CLIENT) private readonly redis: Redis | Cluster,
    private readonly events: SessionEvents,
    private readonly cache: SessionCache,
    private readonly readiness: SessionReadiness,
  ) {}

  async isHealthy(key = 'session'): Promise<Record<string, { status: 'up' | 'down'; [detail: string]: unknown }>> {
    const redisUp = await this.isRedisUp();
    const report = this.readiness.lastReport;
    return {
      [key]: {
        status: redisUp ? 'up' : 'down',
        redis: redisUp ? 'up' : 'down',
        subscriber: this.events.status.subscriber,
        keyspaceNotifications: this.events.status.keyspaceNotifications,
        cache: this.cache.mode,
        risks: report ? report.findings.map((f) => `${f.setting}: ${f.message}`) : [],
      },
    };
  }

  /** Pings Redis within the command timeout. */
  async isRedisUp(): Promise<boolean> {
    try {
      return (await this.redis.ping()) === 'PONG';
    } catch {
      return false;
    }
  }

  /**
   * Reads the Redis deployment's persistence, eviction and notification settings (read-only) and reports what
   * puts sessions at risk; the same report is logged at boot.
   */
  checkRedis(): Promise<RedisReadinessReport> {
    return this.readiness.check();
  }
}
