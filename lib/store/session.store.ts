import { Inject, Injectable } from '@nestjs/common';
import type { Cluster, Redis } from 'ioredis';
import { SessionDataTooLargeError, SessionLimitError, SessionUnavailableError } from '../errors';
import type { ResolvedSessionOptions } from '../options/session.options';
import { isCluster } from '../redis/redis.topology';
import { SessionMetrics } from '../session.metrics';
import { SESSION_OPTIONS, SESSION_REDIS_CLIENT } from '../session.tokens';
import type { InvalidationReason } from '../session.types';
import { RedisCalls } from './redis.calls';
import {
  digestOfIndexKey, eventsChannel, INDEX_USER_FIELD, sessionKeyBase, sessionKeys, userIndexKey, userIndexPattern,
} from './session.keys';
import { defineSessionScripts, TouchReply } from './session.scripts';
import { digestOf, newSelector, newVerifier, publicId, sessionPartOf, userDigest, verifierHash } from './session.token';
import { decodeSession, StoredSession } from './stored.session';
import { TouchBatcher } from './touch.batcher';
import { DATA_FIELD_PREFIX, decodeValue, ValueCodec } from './value.codec';

/** Sessions destroyed per script call in logout-all, so no single Lua call blocks Redis for long. */
const DESTROY_BATCH = 200;

/**
 * The only code that talks to Redis about session data, in selectors and user ids; every Redis failure leaves as
 * SessionUnavailableError (503). Every write is one atomic Lua script.
 * @internal
 */
@Injectable()
export class SessionStore {
  private readonly prefix: string;
  /** Where the scripts publish events; '' (publish nothing) with events off. */
  private readonly channel: string;
  private readonly calls: RedisCalls;
  /** Shares one round trip among the touches of one event-loop turn; absent on Cluster. */
  private readonly batcher?: TouchBatcher;
  private readonly codec: ValueCodec;

  constructor(
    @Inject(SESSION_REDIS_CLIENT) private readonly redis: Redis | Cluster,
    @Inject(SESSION_OPTIONS) private readonly options: ResolvedSessionOptions,
    private readonly metrics: SessionMetrics,
  ) {
    defineSessionScripts(redis);
    this.prefix = options.keyPrefix;
    this.channel = options.events.enabled ? eventsChannel(options.keyPrefix) : '';
    this.calls = new RedisCalls(metrics, options.redisCommandTimeoutMs);
    if (options.batchTouches && !isCluster(redis)) this.batcher = new TouchBatcher(redis);
    this.codec = new ValueCodec(options.compressValuesOverBytes);
  }

  /** Creates a session and returns its token (the only time the raw token exists server-side). */
  async create(
    userId: string, device: string, data: Record<string, unknown>, lifetime: { idleMs: number; absoluteMs: number },
    extra: { binding?: string; remembered?: boolean; replaces?: { selector: string; presented: string } } = {},
  ): Promise<{ token: string; session: StoredSession }> {
    const { pairs, bytes } = this.codec.encodeFields(data);
    if (extra.binding) pairs.push('b', extra.binding);
    if (extra.remembered) pairs.push('r', '1');
    if (bytes > this.options.maxDataBytes) throw new SessionDataTooLargeError(bytes, this.options.maxDataBytes);
    const verifier = newVerifier();
    const digest = userDigest(userId);
    const old = extra.replaces;
    // Only a session of the same user (the same index) can be replaced.
    const replaces = old && digestOf(old.selector) === digest ? [sessionPartOf(old.selector), old.presented] : ['', ''];
    // A taken selector is drawn again (8 random characters: in practice never twice).
    for (let draw = 0; draw < 3; draw++) {
      const selector = newSelector(userId);
      const keys = sessionKeys(this.prefix, selector);
      const reply = await this.calls.run('create', () =>
        this.redis.sessionCreate(
          keys.session, keys.index, sessionPartOf(selector), digest, userId, device, lifetime.idleMs,
          lifetime.absoluteMs, verifierHash(verifier), this.channel, this.options.instanceId, bytes,
          this.options.maxSessionsPerUser, this.options.onSessionLimit === 'refuse' ? 'refuse' : 'evict',
          this.calls.notAfter(), ...replaces, ...pairs,
        ),
      ).catch((err: unknown) => {
        // Timed out, yet the create may still run (its not-after makes that unlikely); the delete follows it down
        // the same connection, so no orphan counts against the limit.
        void this.destroy(userId, [selector], 'login').catch(() => undefined);
        throw err;
      });
      if (reply[0] === -3) continue;
      if (reply[0] === -2) {
        this.calls.noteClock(reply[1]); // a refusal still tells the time: the next deadline is right
        throw new SessionUnavailableError(new Error('create reached Redis after its deadline'));
      }
      if (reply[0] === -1) throw new SessionLimitError(this.options.maxSessionsPerUser);
      const [now, expiresAt, absoluteExpiresAt] = reply;
      this.calls.noteClock(now);
      this.metrics.sessionCreated();
      return {
        token: selector + verifier,
        session: {
          selector, userId, device, createdAt: now, lastSeenAt: now, expiresAt, absoluteExpiresAt,
          idleMs: lifetime.idleMs, data: { ...data }, verifier: verifierHash(verifier), binding: extra.binding,
          remembered: extra.remembered,
        },
      };
    }
    throw new SessionUnavailableError(new Error('no free selector'));
  }

  /**
   * Writes one data field (deletes it when `value` is undefined) if the session exists; `announce` publishes the
   * change, for event-invalidated caches. @returns false when the session is gone
   * @throws SessionDataTooLargeError when the write would pass maxDataBytes (nothing written)
   */
  async setField(selector: string, name: string, value: unknown, announce = false): Promise<boolean> {
    const remove = value === undefined;
    const json = remove ? '' : this.codec.encode(name, value);
    const field = DATA_FIELD_PREFIX + name;
    const own = Buffer.byteLength(field) + Buffer.byteLength(json); // too large alone: not worth a round trip
    if (own > this.options.maxDataBytes) throw new SessionDataTooLargeError(own, this.options.maxDataBytes);
    const { session } = sessionKeys(this.prefix, selector);
    const result = await this.calls.run('set', () =>
      this.redis.sessionSetField(
        session, field, json, remove ? '1' : '0', this.options.maxDataBytes, this.calls.notAfter(),
        announce ? this.channel : '', publicId(selector),
      ),
    );
    if (result === -1) throw new SessionUnavailableError(new Error('write reached Redis after its deadline'));
    if (result < 0) throw new SessionDataTooLargeError(-result - 1, this.options.maxDataBytes);
    return result === 1;
  }

  /**
   * Destroys a user's sessions atomically; with `presented` (one session), only while that verifier hash opens it.
   * @returns how many existed
   */
  async destroy(userId: string, selectors: string[], reason: InvalidationReason, presented = ''): Promise<number> {
    if (selectors.length === 0) return 0;
    const keys: string[] = [userIndexKey(this.prefix, userDigest(userId))];
    const args: string[] = [this.channel, reason, this.options.instanceId, userId, presented];
    for (const selector of selectors) {
      keys.push(sessionKeys(this.prefix, selector).session);
      args.push(sessionPartOf(selector), publicId(selector));
    }
    const destroyed = await this.calls.run('destroy', () => this.redis.sessionDestroy(keys.length, ...keys, ...args));
    this.metrics.sessionInvalidated(reason, destroyed);
    return destroyed;
  }

  /** Ends a user's sessions but `keep`, DESTROY_BATCH per call; the script reads the index, so later logins survive. */
  async destroyAllOf(userId: string, reason: InvalidationReason, keep?: string): Promise<number> {
    const digest = userDigest(userId);
    let total = 0;
    for (let round = 0; round < 1000; round++) {
      const [ended, more] = await this.calls.run('destroy', () =>
        this.redis.sessionDestroyAll(
          userIndexKey(this.prefix, digest), sessionKeyBase(this.prefix, digest), digest, this.channel, reason,
          this.options.instanceId, keep ? sessionPartOf(keep) : '', DESTROY_BATCH,
        ),
      );
      total += ended;
      if (more === 0) break;
    }
    this.metrics.sessionInvalidated(reason, total);
    return total;
  }

  /**
   * Gives the session a new verifier in place. For a rotation, `current` must still be the current verifier's hash
   * (else another request rotated first) and the replaced one keeps working for `graceMs`; a regenerate kills it.
   * @returns the new token, or null when the session is gone or another request renewed it first
   */
  async renew(
    session: StoredSession, kind: 'rotation' | 'regenerate', graceMs: number, current: string,
  ): Promise<{ token: string; verifier: string; now: number; expiresAt: number } | null> {
    const verifier = newVerifier();
    const keys = sessionKeys(this.prefix, session.selector);
    const everyMs = kind === 'rotation' ? this.options.rotation.everySeconds * 1000 : 0;
    const reply = await this.calls.run('renew', () =>
      this.redis.sessionRenew(
        keys.session, keys.index, sessionPartOf(session.selector), current, verifierHash(verifier), graceMs,
        this.channel, publicId(session.selector), this.options.instanceId, kind, this.calls.notAfter(), everyMs,
      ),
    );
    if (!reply) return null;
    this.calls.noteClock(reply[reply[0] === -2 ? 1 : 0]);
    if (reply[0] === -2) throw new SessionUnavailableError(new Error('renew reached Redis after its deadline'));
    return { token: session.selector + verifier, verifier: verifierHash(verifier), now: reply[0], expiresAt: reply[1] };
  }

  /** Reports a session Redis ended (drops its index entry, publishes), once per deployment. @returns if this did */
  async reportEnd(
    selector: string, kind: 'expired' | 'evicted', detectedBy: 'notification' | 'sweep', client: Redis | Cluster = this.redis,
  ): Promise<boolean> {
    const { session, index } = sessionKeys(this.prefix, selector);
    defineSessionScripts(client);
    const reported = await this.calls.run('report', () =>
      client.sessionReportEnd(session, index, sessionPartOf(selector), this.channel, kind, detectedBy, publicId(selector)),
    );
    if (reported === 1) this.metrics.sessionExpired(kind);
    return reported === 1;
  }

  /** The session's CSRF token, made now if it has none. @returns null when the session is gone */
  async csrfToken(selector: string): Promise<string | null> {
    const { session } = sessionKeys(this.prefix, selector);
    return this.calls.run('set', () => this.redis.sessionCsrf(session, newVerifier()));
  }

  /** The session, if `presented` (a verifier hash) opens it (current, or previous in grace); `slide` slides it too. */
  async touch(selector: string, presented: string, slide: boolean): Promise<StoredSession | null> {
    const keys = sessionKeys(this.prefix, selector);
    const field = sessionPartOf(selector);
    const reply: TouchReply = await this.calls.run('touch', () =>
      this.batcher
        ? this.batcher.touch(keys.session, keys.index, field, presented, slide)
        : this.redis.sessionTouch(2, keys.session, keys.index, field, presented, slide ? '1' : '0').then((r) => r[0] || null),
    );
    if (!reply) return null;
    const [now, expiresAt, packed] = reply;
    this.calls.noteClock(now);
    const session = decodeSession(selector, packed, now, expiresAt);
    if (slide) session.lastSeenAt = now;
    return session;
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

  /** Finds the selector behind a public id among a user's sessions. */
  async selectorForId(userId: string, id: string): Promise<string | null> {
    return (await this.selectorsOf(userId)).find((s) => publicId(s) === id) ?? null;
  }

  /** Takes a legacy session record (GETDEL: of concurrent takers exactly one gets it). */
  takeLegacy(key: string, client: Redis | Cluster = this.redis): Promise<string | null> {
    return this.calls.run('migrate', () => client.getdel(key));
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
