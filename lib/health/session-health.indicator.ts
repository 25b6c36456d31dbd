import { Inject, Injectable } from '@nestjs/common';
import type { Cluster, Redis } from 'ioredis';
import { SessionCache } from '../store/session.cache';
import { SessionEvents } from '../events/session.events';
import { SessionReadiness } from './session.readiness';
import type { RedisReadinessReport } from './redis.readiness';
import { SESSION_REDIS_CLIENT } from '../session.tokens';

/**
 * Health of the session layer in @nestjs/terminus's shape (`{ [key]: { status, ... } }`) without depending on it:
 * `health.check([() => indicator.isHealthy('session')])`, or call it directly. 'down' only when Redis does not answer;
 * a lost subscriber or readiness risks are details, as sessions still work (cache bypassed, events later). @publicApi
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
    const up = (await this.isRedisUp()) ? 'up' : 'down';
    const risks = this.readiness.lastReport?.findings.map((f) => `${f.setting}: ${f.message}`) ?? [];
    return { [key]: { status: up, redis: up, ...this.events.status, cache: this.cache.mode, risks } };
  }

  /** Pings Redis within the command timeout. */
  async isRedisUp(): Promise<boolean> {
    return (await this.redis.ping().catch(() => undefined)) === 'PONG';
  }

  /** Reads (never writes) Redis's persistence, eviction and notification settings; reports risks, as logged at boot. */
  checkRedis(): Promise<RedisReadinessReport> {
    return this.readiness.check();
  }
}
