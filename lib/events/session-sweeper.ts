import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { publicHandle } from '../crypto/session-token';
import { SessionRedisConnections } from '../redis/session-redis.connections';
import { dataNodes } from '../redis/redis-topology';
import type { ResolvedSessionOptions } from '../session.options';
import { SESSION_OPTIONS } from '../session.tokens';
import { eventsChannel, sessionKeys } from '../store/session.keys';
import { defineSessionScripts } from '../store/session.scripts';
import type { PublishedEvent } from './session-event';

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
 * expiry events still arrive, later, where keyspace notifications are forbidden.
 * @publicApi
 */
@Injectable()
export class SessionSweeper implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('SessionSweeper');
  private timer?: NodeJS.Timeout;
  private readonly lockKey: string;

  constructor(
    @Inject(SESSION_OPTIONS) private readonly options: ResolvedSessionOptions,
    private readonly connections: SessionRedisConnections,
  ) {
    this.lockKey = `${options.keyPrefix}sweep-lock`;
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
    if ((await command.set(this.lockKey, this.options.instanceId, 'PX', lockMs, 'NX')) !== 'OK') {
      report.durationMs = Date.now() - started;
      return report;
    }
    report.ran = true;
    try {
      for (const node of dataNodes(command)) await this.sweepNode(node, report);
    } finally {
      await command.sessionUnlock(this.lockKey, this.options.instanceId).catch(() => undefined);
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
    const prefix = this.options.keyPrefix;
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', `${prefix}u:*`, 'COUNT', this.options.events.sweepBatchSize);
      cursor = next;
      report.indexesScanned += keys.length;
      if (keys.length > 0) await this.sweepPage(node, keys, report);
    } while (cursor !== '0');
  }

  /**
   * One SCAN page in four pipelined round trips (members, existence, removal, events) instead of two per index:
   * every command stays short, and the sweep's time is not spent waiting on the network.
   */
  private async sweepPage(node: Redis, indexKeys: string[], report: SweepReport): Promise<void> {
    const prefix = this.options.keyPrefix;
    const indexes = indexKeys.flatMap((key) => {
      const m = /^u:\{([^}]+)\}:(.*)$/s.exec(key.slice(prefix.length));
      return m ? [{ key, tag: m[1], userId: m[2] }] : [];
    });
    const members = await exec(node, indexes.map((ix) => ['zrange', ix.key, '0', '-1', 'WITHSCORES']));
    const entries: Array<{ index: (typeof indexes)[number]; hash: string; absolute: number }> = [];
    indexes.forEach((index, i) => {
      const flat = (members[i] as string[] | null) ?? [];
      for (let j = 0; j < flat.length; j += 2) entries.push({ index, hash: flat[j], absolute: Number(flat[j + 1]) });
    });
    if (entries.length === 0) return;
    // An entry is stale once its session AND its shadow key are gone: while the shadow lives (a minute past
    // expiry) the keyspace-notification path owns the entry, so the two never both report one session.
    const exists = await exec(node, entries.map((e) => {
      const k = sessionKeys(prefix, e.index.tag, e.hash);
      return ['exists', k.session, k.shadow];
    }));
    const stale = entries.filter((_, i) => exists[i] === 0);
    if (stale.length === 0) return;
    const removed = await exec(node, stale.map((e) => ['zrem', e.index.key, e.hash]));
    const channel = eventsChannel(prefix);
    const now = Date.now();
    const events: string[][] = [];
    stale.forEach((e, i) => {
      if (removed[i] !== 1) return; // someone else removed it first, and reported it
      report.entriesRemoved++;
      const event: PublishedEvent = {
        type: 'expired', id: publicHandle(e.hash), userId: e.index.userId, at: now, instance: this.options.instanceId,
        cause: e.absolute <= now ? 'absolute' : 'idle',
      };
      events.push(['publish', channel, JSON.stringify(event)]);
    });
    if (events.length > 0 && this.options.events.enabled) {
      await exec(node, events);
      report.expiredEventsPublished += events.length;
    }
  }
}

/** Runs commands in one pipeline; a failed command yields null (e.g. a key that moved during resharding). */
async function exec(node: Redis, commands: string[][]): Promise<unknown[]> {
  const replies = (await node.pipeline(commands).exec()) ?? [];
  return replies.map(([err, value]) => (err ? null : value));
}
