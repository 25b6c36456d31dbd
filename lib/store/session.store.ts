import { Inject, Injectable, Logger } from '@nestjs/common';
import { Cluster, Redis } from 'ioredis';
import { SessionDataTooLargeError, SessionLimitError, SessionUnavailableError } from '../errors';
import { newToken, publicHandle, routingTagFor, routingTagOf, tokenHash } from '../crypto/session-token';
import type { ResolvedSessionOptions } from '../session.options';
import { SESSION_OPTIONS, SESSION_REDIS_CLIENT } from '../session.tokens';
import type { InvalidationReason } from '../session.types';
import { eventsChannel, sessionKeys, userIndexKey } from './session.keys';
import { SessionMetrics } from '../metrics/session-metrics';
import { TouchBatcher } from './touch-batcher';
import { defineSessionScripts } from './session.scripts';
import { DATA_FIELD_PREFIX, decodeSessionFields, FIELD_SEPARATOR, StoredSession } from './stored-session';
import { decodeValue, ValueCodec } from './value-codec';

/** How long a shadow key outlives its session: time enough for every instance to read the user id on expiry. */
const SHADOW_GRACE_MS = 60_000;
/** Sessions destroyed per script call in logout-all, so no single Lua call blocks Redis for long. */
const DESTROY_BATCH = 200;

/**
 * The only code that talks to Redis about session data. Speaks in token hashes and user ids; every Redis failure
 * leaves here as SessionUnavailableError (503), so no reply text reaches a client.
 * @internal
 */
@Injectable()
export class SessionStore {
  private readonly logger = new Logger('SessionStore');
  private readonly prefix: string;
  private readonly channel: string;
  private readonly graceMs: number;
  private lastFailureLog = 0;
  private readonly codec: ValueCodec;
  /** Shares one round trip among the touches of one event-loop turn; absent on Cluster. */
  private readonly batcher?: TouchBatcher;

  constructor(
    @Inject(SESSION_REDIS_CLIENT) private readonly redis: Redis | Cluster,
    @Inject(SESSION_OPTIONS) private readonly options: ResolvedSessionOptions,
    private readonly metrics: SessionMetrics,
  ) {
    defineSessionScripts(redis);
    this.prefix = options.keyPrefix;
    this.codec = new ValueCodec(options.compressValuesOverBytes);
    this.channel = options.events.enabled ? eventsChannel(options.keyPrefix) : '';
    this.graceMs = options.events.enabled ? SHADOW_GRACE_MS : 0;
    if (options.batchTouches && !(redis instanceof Cluster)) this.batcher = new TouchBatcher(redis, this.graceMs);
  }

  /** Creates a session and returns its token (the only time the raw token exists server-side). */
  async create(
    userId: string, device: string, data: Record<string, unknown>, lifetime: { idleMs: number; absoluteMs: number },
    extra: { binding?: string; remembered?: boolean } = {},
  ): Promise<{ token: string; session: StoredSession }> {
    const pairs: string[] = [];
    if (extra.binding) pairs.push('b', extra.binding);
    if (extra.remembered) pairs.push('r', '1');
    let bytes = 0;
    for (const [name, value] of Object.entries(data)) {
      const field = DATA_FIELD_PREFIX + name;
      const json = this.codec.encode(name, value);
      pairs.push(field, json);
      bytes += Buffer.byteLength(field) + Buffer.byteLength(json);
    }
    if (bytes > this.options.maxDataBytes) throw new SessionDataTooLargeError(bytes, this.options.maxDataBytes);
    const token = newToken(userId);
    const tag = routingTagOf(token);
    const hash = tokenHash(token);
    const keys = sessionKeys(this.prefix, tag, hash);
    const reply = await this.run(() =>
      this.redis.sessionCreate(
        keys.session, keys.shadow, userIndexKey(this.prefix, tag, userId),
        hash, userId, device, lifetime.idleMs, lifetime.absoluteMs, this.graceMs, this.channel,
        publicHandle(hash), this.options.instanceId, bytes,
        this.options.maxSessionsPerUser, this.options.onSessionLimit === 'refuse' ? 'refuse' : 'evict',
        sessionKeys(this.prefix, tag, '').session, sessionKeys(this.prefix, tag, '').shadow,
        ...pairs,
      ),
      'create',
    );
    if (reply[0] === -1) throw new SessionLimitError(this.options.maxSessionsPerUser);
    const [now, expiresAt, absoluteExpiresAt] = reply;
    this.metrics.sessionCreated();
    return {
      token,
      session: {
        tag, hash, userId, device, createdAt: now, lastSeenAt: now, expiresAt, absoluteExpiresAt,
        idleMs: lifetime.idleMs, data: { ...data }, binding: extra.binding, remembered: extra.remembered,
      },
    };
  }

  /** Reads the session a token names and, with `slide`, pushes its idle expiry forward in the same round trip. */
  async touch(token: string, slide: boolean, hash = tokenHash(token)): Promise<StoredSession | null> {
    return this.touchByHash(routingTagOf(token), hash, slide);
  }

  /** touch() for a session already resolved once (its tag and hash known). */
  async touchByHash(tag: string, hash: string, slide = true): Promise<StoredSession | null> {
    const keys = sessionKeys(this.prefix, tag, hash);
    const reply = await this.run(
      () =>
        this.batcher
          ? this.batcher.touch(keys.session, keys.shadow, slide)
          : this.redis.sessionTouch(2, keys.session, keys.shadow, this.graceMs, slide ? '1' : '0').then((r) => r[0] || null),
      'touch',
    );
    if (!reply) return null;
    const [now, expiresAt, packed] = reply;
    const flat = packed.split(FIELD_SEPARATOR);
    // A token rotated moments ago: follow the stub to the session's new key (one hop; stubs never chain).
    if (flat[0] === 'f') return flat[1] === hash ? null : this.touchByHash(tag, flat[1], slide);
    const session = decodeSessionFields(tag, hash, flat, now, expiresAt);
    if (slide) session.lastSeenAt = now;
    return session;
  }

  /**
   * Writes one data field (or deletes it when `value` is undefined) if the session still exists.
   * @returns false when the session is gone (nothing written)
   * @throws SessionDataTooLargeError when the write would pass maxDataBytes (nothing written)
   */
  async setField(tag: string, hash: string, name: string, value: unknown): Promise<boolean> {
    const remove = value === undefined;
    const json = remove ? '' : this.codec.encode(name, value);
    const field = DATA_FIELD_PREFIX + name;
    // Refuse an obviously oversized value before it crosses the wire.
    const own = Buffer.byteLength(field) + Buffer.byteLength(json);
    if (own > this.options.maxDataBytes) throw new SessionDataTooLargeError(own, this.options.maxDataBytes);
    const { session } = sessionKeys(this.prefix, tag, hash);
    const result = await this.run(() =>
      this.redis.sessionSetField(session, field, json, remove ? '1' : '0', this.options.maxDataBytes),
    );
    if (result < 0) throw new SessionDataTooLargeError(-result, this.options.maxDataBytes);
    return result === 1;
  }

  /** Reads one data field straight from Redis. */
  async getField(tag: string, hash: string, name: string): Promise<unknown> {
    const { session } = sessionKeys(this.prefix, tag, hash);
    const raw = await this.run(() => this.redis.hget(session, DATA_FIELD_PREFIX + name));
    return raw === null ? undefined : decodeValue(raw);
  }

  /** Destroys the given sessions of one user atomically. @returns how many existed. */
  async destroy(userId: string, hashes: string[], reason: InvalidationReason): Promise<number> {
    if (hashes.length === 0) return 0;
    const tag = routingTagFor(userId);
    const keys: string[] = [userIndexKey(this.prefix, tag, userId)];
    const args: string[] = [this.channel, reason, this.options.instanceId, userId];
    for (const hash of hashes) {
      const k = sessionKeys(this.prefix, tag, hash);
      keys.push(k.session, k.shadow);
      args.push(hash, publicHandle(hash));
    }
    const destroyed = await this.run(() => this.redis.sessionDestroy(keys.length, ...keys, ...args), 'destroy');
    this.metrics.sessionInvalidated(reason, destroyed);
    return destroyed;
  }

  /**
   * Destroys every session of a user except `keepHash`. Loops until the index holds nothing else, so a login
   * racing with logout-all cannot slip through between reading the index and deleting.
   */
  async destroyAllOf(userId: string, reason: InvalidationReason, keepHash?: string): Promise<number> {
    let total = 0;
    for (let round = 0; round < 1000; round++) {
      const victims = (await this.indexMembers(userId)).filter((h) => h !== keepHash);
      if (victims.length === 0) return total;
      for (let i = 0; i < victims.length; i += DESTROY_BATCH) {
        total += await this.destroy(userId, victims.slice(i, i + DESTROY_BATCH), reason);
      }
    }
    return total;
  }

  /** Live sessions of a user, oldest first. Index entries whose session is gone are removed on the way (lazy cleanup). */
  async list(userId: string): Promise<StoredSession[]> {
    const tag = routingTagFor(userId);
    const hashes = await this.indexMembers(userId);
    if (hashes.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const hash of hashes) {
      const { session } = sessionKeys(this.prefix, tag, hash);
      pipeline.hmget(session, 'u', 'd', 'c', 'l', 'a', 'i');
      pipeline.pttl(session);
    }
    const replies = await this.run(() => pipeline.exec());
    if (!replies) throw new SessionUnavailableError();
    const now = Date.now();
    const live: StoredSession[] = [];
    const stale: string[] = [];
    hashes.forEach((hash, i) => {
      const [err1, meta] = replies[2 * i] as [Error | null, (string | null)[]];
      const [err2, pttl] = replies[2 * i + 1] as [Error | null, number];
      if (err1 || err2) throw new SessionUnavailableError(err1 ?? err2);
      if (meta[0] === null || pttl < 0) {
        stale.push(hash);
        return;
      }
      live.push({
        tag, hash, userId: meta[0], device: meta[1] ?? '', createdAt: Number(meta[2]), lastSeenAt: Number(meta[3]),
        absoluteExpiresAt: Number(meta[4]), idleMs: Number(meta[5]), expiresAt: now + pttl, data: {},
      });
    });
    // These sessions no longer exist, so destroy() only drops their index entries: no event, no metric.
    if (stale.length > 0) await this.destroy(userId, stale, 'logout');
    return live.sort((a, b) => a.createdAt - b.createdAt);
  }

  /**
   * Moves a session to a new token. With `forwardMs` 0 the old token stops working at once; otherwise it keeps
   * working for that long (token rotation's grace for requests in flight).
   * @returns null when the session is gone or was already moved
   */
  async regenerate(
    session: StoredSession, forwardMs = 0, reason: InvalidationReason = 'regenerated',
  ): Promise<{ token: string; expiresAt: number; now: number } | null> {
    const token = newToken(session.userId);
    const hash = tokenHash(token);
    const oldKeys = sessionKeys(this.prefix, session.tag, session.hash);
    const newKeys = sessionKeys(this.prefix, session.tag, hash);
    const reply = await this.run(() =>
      this.redis.sessionRegenerate(
        oldKeys.session, oldKeys.shadow, newKeys.session, newKeys.shadow,
        userIndexKey(this.prefix, session.tag, session.userId),
        session.hash, hash, this.graceMs, this.channel, publicHandle(session.hash), publicHandle(hash),
        this.options.instanceId, forwardMs, reason,
      ),
    );
    return reply ? { token, now: reply[0], expiresAt: reply[1] } : null;
  }

  /** Finds the token hash behind a public handle among a user's sessions. */
  async hashForHandle(userId: string, handle: string): Promise<string | null> {
    const hashes = await this.indexMembers(userId);
    return hashes.find((h) => publicHandle(h) === handle) ?? null;
  }

  private indexMembers(userId: string): Promise<string[]> {
    return this.run(() => this.redis.zrange(userIndexKey(this.prefix, routingTagFor(userId), userId), 0, '-1') as Promise<string[]>);
  }

  /** The single place where a Redis failure becomes a 503. Logs at most every 5 s so an outage does not flood logs. */
  private async run<T>(command: () => Promise<T>, operation = 'other'): Promise<T> {
    const started = performance.now();
    try {
      const result = await command();
      this.metrics.redisDuration(operation, performance.now() - started);
      return result;
    } catch (err) {
      if (err instanceof SessionDataTooLargeError || err instanceof SessionUnavailableError || err instanceof SessionLimitError) {
        throw err;
      }
      const now = Date.now();
      if (now - this.lastFailureLog > 5000) {
        this.lastFailureLog = now;
        this.logger.error(`Redis command failed, answering 503: ${(err as Error).message}`);
      }
      throw new SessionUnavailableError(err);
    }
  }
}
