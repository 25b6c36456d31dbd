import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { SessionRedisConnections } from '../redis/session-redis.connections';
import { dataNodes } from '../redis/redis.topology';
import type { ResolvedSessionOptions } from '../options/session.options';
import { SESSION_OPTIONS } from '../session.tokens';
import { sweepLockKey } from '../store/session.keys';
import { defineSessionScripts } from '../store/session.scripts';
import { SessionStore } from '../store/session.store';

/** What one sweep did. @publicApi */
export interface SweepReport {
  /** False when another instance held the sweep lock, so this one did nothing. */
  ran: boolean;
  indexesScanned: number;
  entriesRemoved: number;
  /** `expired` events the sweep published for the entries it removed. */
  expiredEventsPublished: number;
  durationMs: number;
}

/**
 * Removes user-index entries whose session is gone, on a timer, on one instance at a time (a lock with a TTL), with
 * SCAN COUNT on every master (never KEYS), and publishes the `expired` event nobody reported: expiry events arrive,
 * later, where keyspace notifications are off or missed. The notification path's script removes and reports, so an
 * expiry is reported once whoever finds it first. @publicApi
 */
@Injectable()
export class SessionSweeper implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('SessionSweeper');
  private timer?: NodeJS.Timeout;

  /** @internal Nest creates it. */
  constructor(
    @Inject(SESSION_OPTIONS) private readonly options: ResolvedSessionOptions,
    private readonly connections: SessionRedisConnections,
    private readonly store: SessionStore,
  ) {}

  onApplicationBootstrap(): void {
    const seconds = this.options.events.sweepIntervalSeconds;
    if (seconds <= 0) return;
    const sweep = () => this.sweep().catch((err: Error) => this.logger.warn(`Sweep failed: ${err.message}`));
    this.timer = setInterval(sweep, seconds * 1000).unref(); // a pending sweep must never keep the process alive
  }

  onModuleDestroy(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** Runs one sweep now (if no other instance is sweeping) and reports what it removed. */
  async sweep(): Promise<SweepReport> {
    const started = Date.now();
    const command = this.connections.command;
    defineSessionScripts(command);
    const lockMs = Math.max(60_000, this.options.events.sweepIntervalSeconds * 1000);
    const lock = sweepLockKey(this.options.keyPrefix);
    const ran = (await command.set(lock, this.options.instanceId, 'PX', lockMs, 'NX')) === 'OK';
    const report: SweepReport = { ran, indexesScanned: 0, entriesRemoved: 0, expiredEventsPublished: 0, durationMs: 0 };
    if (ran) {
      try {
        for (const node of dataNodes(command)) await this.sweepNode(node, report);
      } finally {
        await command.sessionUnlock(lock, this.options.instanceId).catch(() => undefined);
      }
    }
    report.durationMs = Date.now() - started;
    if (report.entriesRemoved > 0) {
      this.logger.log(`Sweep removed ${report.entriesRemoved} stale index entries from ${report.indexesScanned} user ` +
        `indexes in ${report.durationMs} ms`);
    }
    return report;
  }

  private async sweepNode(node: Redis, report: SweepReport): Promise<void> {
    let cursor = '0';
    do {
      const [next, indexKeys] = await this.store.scanIndexes(node, cursor, this.options.events.sweepBatchSize);
      cursor = next;
      report.indexesScanned += indexKeys.length;
      const stale = indexKeys.length > 0 ? await this.store.endedSelectors(node, indexKeys) : [];
      // false: someone else removed it first, and reported it.
      const reports = stale.map((s) => this.store.reportEnd(s, 'expired', 'sweep', node).catch(() => false));
      const removed = (await Promise.all(reports)).filter(Boolean).length;
      report.entriesRemoved += removed;
      if (this.options.events.enabled) report.expiredEventsPublished += removed;
    } while (cursor !== '0');
  }
}
