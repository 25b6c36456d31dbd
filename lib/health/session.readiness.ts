import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { SessionOptionsError } from '../errors';
import { SessionRedisConnections } from '../redis/session-redis.connections';
import { dataNodes } from '../redis/redis.topology';
import type { ResolvedSessionOptions } from '../options/session.options';
import { SESSION_OPTIONS } from '../session.tokens';
import { checkRedisReadiness, RedisReadinessReport } from './redis.readiness';

/**
 * Checks at boot (after the event subscriber may have set notification flags) whether Redis can keep sessions, and
 * logs one block naming what is at risk. With `strictRedisChecks`, a risk stops boot. @internal
 */
@Injectable()
export class SessionReadiness implements OnApplicationBootstrap {
  private readonly logger = new Logger('SessionReadiness');

  constructor(
    @Inject(SESSION_OPTIONS) private readonly options: ResolvedSessionOptions,
    private readonly connections: SessionRedisConnections,
  ) {}

  /** The latest report (from boot or the last check()). */
  lastReport?: RedisReadinessReport;

  async check(): Promise<RedisReadinessReport> {
    await this.connections.connect();
    this.lastReport = await checkRedisReadiness(dataNodes(this.connections.command));
    return this.lastReport;
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.options.checkRedisAtBoot) return;
    // A failed boot runs no shutdown hook, and callers seldom close() an app that failed to start: close ours now.
    await this.checkAtBoot().catch(async (err: unknown) => {
      await this.connections.onApplicationShutdown();
      throw err;
    });
  }

  private async checkAtBoot(): Promise<void> {
    const report = await this.check().catch((err: Error) => {
      this.logger.warn(`Redis readiness not checked: ${err.message}`);
      if (this.options.strictRedisChecks) throw err;
    });
    if (!report) return;
    if (report.ok) {
      return this.logger.log('Redis readiness: persistence, eviction policy and notifications are fit for sessions');
    }
    const lines = report.findings.map((f) => `\n  - [${f.node}] ${f.setting}: ${f.message}`);
    this.logger.warn(`Redis readiness: sessions are at risk:${lines.join('')}`);
    if (!this.options.strictRedisChecks) return;
    const risks = report.findings.map((f) => `${f.setting} (${f.node})`).join(', ');
    throw new SessionOptionsError([`strictRedisChecks is on and the Redis deployment puts sessions at risk: ${risks}`]);
  }
}
