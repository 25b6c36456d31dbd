import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { SessionRedisConnections } from '../redis/session-redis.connections';
import { dataNodes } from '../redis/redis.topology';
import type { ResolvedSessionOptions } from '../options/session.options';
import { SESSION_OPTIONS } from '../session.tokens';
import { digestOfIndexKey, INDEX_USER_FIELD, sessionKeys, sweepLockKey, userIndexPattern } from '../store/session.keys';
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
 * Removes user-index entries whose session is gone, on a timer, on one instance at a time (a Redis lock with a
 * TTL). Walks the keyspace with SCAN COUNT on every master, never KEYS, so no single command is long.
 * For each entry it removes it publishes the `expired` event nobody reported (notifications off or missed), so
 * expiry events still arrive, later, where keyspace notifications are forbidden. The removal and the event are one
 * script (the same one the notification path runs), so an expiry is reported once whoever finds it first.
 * @publicApi
 */
@Injectable()
export class SessionSweeper implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('SessionSweeper');
  private timer?: NodeJS.Timeout;
  private readonly lockKey: string;

  /** @internal Nest creates it. */
  constructor(
    @Inject(SESSION_OPTIONS) private readonly options: ResolvedSessionOptions,
    private readonly connections: SessionRedisConnections,
    private readonly store: SessionStore,
  ) {
    this.lockKey = sweepLockKey(options.keyPrefix);
  }

  onApplicationBootstrap(): void {
    const seconds = this.options.events.sweepIntervalSeconds;
    if (seconds <= 0) return;
    this.timer = setInterval(() => {
      this.sweep().catch((err) => this.logger.warn(`Sweep failed: ${(err as Error).message}`));
    }, seconds * 1000);
    // A pending sweep must never keep the process alive.
    this.timer.unref();
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
    const report: SweepReport = { ran: false, indexesScanned: 0, entriesRemoved: 0, expiredEventsPublished: 0, durationMs: 0 };
    report.ran = (await command.set(this.lockKey, this.options.instanceId, 'PX', lockMs, 'NX')) === 'OK';
    if (report.ran) {
      try {
        for (const node of dataNodes(command)) await this.sweepNode(node, report);
      } finally {
        await command.sessionUnlock(this.lockKey, this.options.instanceId).catch(() => undefined);
      }
    }
    report.durationMs = Date.now() - started;
    if (report.entriesRemoved > 0) {
      this.logger.log(
        `Sweep removed ${report.entriesRemoved} stale index entries from ${report.indexesScanned} user indexes ` +
          `in ${report.durationMs} ms`,
      );
    }
    return report;
  }

  private async sweepNode(node: Redis, report: SweepReport): Promise<void> {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', userIndexPattern(this.options.keyPrefix), 'COUNT', this.options.events.sweepBatchSize);
      cursor = next;
      report.indexesScanned += keys.length;
      if (keys.length > 0) await this.sweepPage(node, keys, report);
    } while (cursor !== '0');
  }

  /**
   * One SCAN page in three pipelined round trips (entries, existence, reports) instead of two per index: every
   * command stays short, and the sweep's time is not spent waiting on the network.
   */
  private async sweepPage(node: Redis, indexKeys: string[], report: SweepReport): Promise<void> {
    const prefix = this.options.keyPrefix;
    const digests = indexKeys.map((key) => digestOfIndexKey(prefix, key));
    const fields = await exec(node, indexKeys.map((key) => ['hkeys', key]));
    const selectors: string[] = [];
    digests.forEach((digest, i) => {
      if (digest === null) return;
      for (const field of (fields[i] as string[] | null) ?? []) if (field !== INDEX_USER_FIELD) selectors.push(digest + field);
    });
    if (selectors.length === 0) return;
    const exists = await exec(node, selectors.map((s) => ['exists', sessionKeys(prefix, s).session]));
    const stale = selectors.filter((_, i) => exists[i] === 0);
    const reported = await Promise.all(
      stale.map((s) => this.store.reportEnd(s, 'expired', 'sweep', node).catch(() => false)),
    );
    for (const r of reported) {
      if (!r) continue; // someone else removed it first, and reported it
      report.entriesRemoved++;
      if (this.options.events.enabled) report.expiredEventsPublished++;
    }
  }
}

/** Runs commands in one pipeline; a failed command yields null (e.g. a key that moved during resharding). */
async function exec(node: Redis, commands: string[][]): Promise<unknown[]> {
  const replies = (await node.pipeline(commands).exec()) ?? [];
  return replies.map(([err, value]) => (err ? null : value));
}
