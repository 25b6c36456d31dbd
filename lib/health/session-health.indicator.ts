import { Injectable } from '@nestjs/common';
import { SessionCache } from '../cache/session-cache';
import { SessionEvents } from '../events/session-events.service';
import { SessionReadiness } from '../readiness/session-readiness';
import { SessionService } from '../session.service';

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
    private readonly sessions: SessionService,
    private readonly events: SessionEvents,
    private readonly cache: SessionCache,
    private readonly readiness: SessionReadiness,
  ) {}

  async isHealthy(key = 'session'): Promise<Record<string, { status: 'up' | 'down'; [detail: string]: unknown }>> {
    const redisUp = await this.sessions.isRedisUp();
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
}
