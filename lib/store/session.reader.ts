import { Inject } from '@nestjs/common';
import type { Cluster, Redis } from 'ioredis';
import { SessionUnavailableError } from '../errors';
import type { ResolvedSessionOptions } from '../options/session.options';
import { isCluster } from '../redis/redis.topology';
import { SessionMetrics } from '../session.metrics';
import { SESSION_OPTIONS, SESSION_REDIS_CLIENT } from '../session.tokens';
import type { InvalidationReason } from '../session.types';
import { RedisCalls } from './redis.calls';
import { digestOfIndexKey, eventsChannel, INDEX_USER_FIELD, sessionKeys, userIndexKey, userIndexPattern } from './session.keys';
import { defineSessionScripts } from './session.scripts';
import { publicId, sessionPartOf, userDigest } from './session.token';
import { decodeSession, StoredSession } from './stored.session';
import { TouchBatcher } from './touch.batcher';
import { DATA_FIELD_PREFIX, decodeValue } from './value.codec';

/** The reads of SessionStore (which extends it with the writes, and inherits this constructor). @internal */
export abstract class SessionReader {
  protected readonly prefix: string;
  /** Where the scripts publish events; '' (publish nothing) with events off. */
  protected readonly channel: string;
  protected readonly calls: RedisCalls;
  private readonly touches: TouchBatcher;

  constructor(
    @Inject(SESSION_REDIS_CLIENT) protected readonly redis: Redis | Cluster,
    @Inject(SESSION_OPTIONS) protected readonly options: ResolvedSessionOptions,
    protected readonly metrics: SessionMetrics,
  ) {
    defineSessionScripts(redis);
    this.prefix = options.keyPrefix;
    this.channel = options.events.enabled ? eventsChannel(options.keyPrefix) : '';
    this.calls = new RedisCalls(metrics, options.redisCommandTimeoutMs);
    this.touches = new TouchBatcher(redis, options.batchTouches && !isCluster(redis));
  }

  /** SessionStore's destroy script: list() drops stale index entries with it. */
  abstract destroy(userId: string, selectors: string[], reason: InvalidationReason, presented?: string): Promise<number>;

  /** The session, if `presented` (a verifier hash) opens it (current, or previous in grace); `slide` slides it too. */
  async touch(selector: string, presented: string, slide: boolean): Promise<StoredSession | null> {
    const { session, index } = sessionKeys(this.prefix, selector);
    const reply = await this.calls.run('touch', () =>
      this.touches.touch(session, index, sessionPartOf(selector), presented, slide),
    );
    if (!reply) return null;
    const [now, expiresAt, packed] = reply;
    this.calls.noteClock(now);
    const stored = decodeSession(selector, packed, now, expiresAt);
    if (slide) stored.lastSeenAt = now;
    return stored;
  }

  /** Reads one data field straight from Redis. */
  async getField(selector: string, name: string): Promise<unknown> {
    const { session } = sessionKeys(this.prefix, selector);
    const raw = await this.calls.run('get', () => this.redis.hget(session, DATA_FIELD_PREFIX + name));
    return raw === null ? undefined : decodeValue(raw);
  }

  /** Live sessions of a user, oldest first. Entries whose session is gone are reported as expired and removed. */
  async list(userId: string): Promise<StoredSession[]> {
    const selectors = await this.selectorsOf(userId);
    if (selectors.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const selector of selectors) {
      const { session } = sessionKeys(this.prefix, selector);
      pipeline.hmget(session, 'd', 'c', 'l', 'a', 'i').pttl(session);
    }
    const replies = await this.calls.run('list', () => pipeline.exec());
    if (!replies) throw new SessionUnavailableError();
    const now = Date.now();
    const live: StoredSession[] = [];
    const stale: string[] = [];
    selectors.forEach((selector, i) => {
      const [err1, meta] = replies[2 * i] as [Error | null, (string | null)[]];
      const [err2, pttl] = replies[2 * i + 1] as [Error | null, number];
      if (err1 || err2) throw new SessionUnavailableError(err1 ?? err2);
      if (meta[1] === null || pttl < 0) stale.push(selector);
      else live.push({
        selector, userId, device: meta[0] ?? '', createdAt: Number(meta[1]), lastSeenAt: Number(meta[2]),
        absoluteExpiresAt: Number(meta[3]), idleMs: Number(meta[4]), expiresAt: now + pttl, data: {}, verifier: '',
      });
    });
    // Gone already: destroy() only drops their index entries and reports the expiries.
    if (stale.length > 0) await this.destroy(userId, stale, 'logout');
    return live.sort((a, b) => a.createdAt - b.createdAt);
  }

  async selectorForId(userId: string, id: string): Promise<string | null> {
    return (await this.selectorsOf(userId)).find((s) => publicId(s) === id) ?? null;
  }

  /**
   * Takes a legacy session record (GETDEL: of concurrent takers exactly one gets it) with the lifetime it had left
   * (ms, -1 for none), in one transaction: what a failed migration puts back.
   */
  takeLegacy(key: string): Promise<{ raw: string; ttlMs: number } | null> {
    return this.calls.run('migrate', async () => {
      // exec() answers null for an aborted transaction, and [error, reply] per command.
      const replies = (await this.redis.multi().pttl(key).getdel(key).exec()) ?? [[new Error('MULTI aborted'), null]];
      const failed = replies.find(([err]) => err);
      if (failed) throw failed[0];
      const raw = replies[1][1] as string | null;
      return raw === null ? null : { raw, ttlMs: replies[0][1] as number };
    });
  }

  /** One SCAN page of the user indexes on `node` (a master: the sweep visits each). */
  scanIndexes(node: Redis, cursor: string, count: number): Promise<[cursor: string, indexKeys: string[]]> {
    return node.scan(cursor, 'MATCH', userIndexPattern(this.prefix), 'COUNT', count);
  }

  /** The sessions listed in these indexes whose keys are gone: two pipelined round trips for the whole page. */
  async endedSelectors(node: Redis, indexKeys: string[]): Promise<string[]> {
    const fields = await pipelined(node, indexKeys.map((key) => ['hkeys', key]));
    const selectors = indexKeys.flatMap((key, i) => {
      const digest = digestOfIndexKey(this.prefix, key);
      if (digest === null) return [];
      return ((fields[i] as string[] | null) ?? []).filter((f) => f !== INDEX_USER_FIELD).map((f) => digest + f);
    });
    if (selectors.length === 0) return [];
    const exists = await pipelined(node, selectors.map((s) => ['exists', sessionKeys(this.prefix, s).session]));
    return selectors.filter((_, i) => exists[i] === 0);
  }

  private async selectorsOf(userId: string): Promise<string[]> {
    const digest = userDigest(userId);
    const fields = await this.calls.run('list', () => this.redis.hkeys(userIndexKey(this.prefix, digest)));
    return fields.filter((f) => f !== INDEX_USER_FIELD).map((part) => digest + part);
  }
}

/** Runs commands in one pipeline; a failed command yields null (e.g. a key that moved during resharding). */
async function pipelined(node: Redis, commands: string[][]): Promise<unknown[]> {
  const replies = (await node.pipeline(commands).exec()) ?? [];
  return replies.map(([err, value]) => (err ? null : value));
}
