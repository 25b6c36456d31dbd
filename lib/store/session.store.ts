import { Injectable } from '@nestjs/common';
import type { Cluster, Redis } from 'ioredis';
import { SessionDataTooLargeError, SessionLimitError, SessionUnavailableError } from '../errors';
import type { InvalidationReason } from '../session.types';
import { sessionKeyBase, sessionKeys, userIndexKey } from './session.keys';
import { SessionReader } from './session.reader';
import { defineSessionScripts } from './session.scripts';
import { digestOf, newSelector, newVerifier, publicId, sessionPartOf, userDigest, verifierHash } from './session.token';
import type { StoredSession } from './stored.session';
import { DATA_FIELD_PREFIX, ValueCodec } from './value.codec';

/** Sessions destroyed per script call in logout-all, so no single Lua call blocks Redis for long. */
const DESTROY_BATCH = 200;

/**
 * The only code that talks to Redis about session data; every Redis failure leaves as SessionUnavailableError (503).
 * Reads are in SessionReader; here the writes, one atomic Lua script each. @internal
 */
@Injectable()
export class SessionStore extends SessionReader {
  private readonly codec = new ValueCodec(this.options.compressValuesOverBytes);

  /** Creates a session and returns its token (the only time the raw token exists server-side). */
  async create(
    userId: string, device: string, data: Record<string, unknown>, lifetime: { idleMs: number; absoluteMs: number },
    extra: { binding?: string; remembered?: boolean; replaces?: { selector: string; presented: string } } = {},
  ): Promise<{ token: string; session: StoredSession }> {
    const { binding, remembered, replaces: old } = extra;
    const { pairs, bytes } = this.codec.encodeFields(data);
    if (binding) pairs.push('b', binding);
    if (remembered) pairs.push('r', '1');
    if (bytes > this.options.maxDataBytes) throw new SessionDataTooLargeError(bytes, this.options.maxDataBytes);
    const verifier = newVerifier();
    const hashed = verifierHash(verifier);
    const digest = userDigest(userId);
    // Only a session of the same user (the same index) can be replaced.
    const replaces = old && digestOf(old.selector) === digest ? [sessionPartOf(old.selector), old.presented] : ['', ''];
    // A taken selector is drawn again (8 random characters: in practice never twice).
    for (let draw = 0; draw < 3; draw++) {
      const selector = newSelector(userId);
      const keys = sessionKeys(this.prefix, selector);
      const reply = await this.calls.run('create', () =>
        this.redis.sessionCreate(
          keys.session, keys.index, sessionPartOf(selector), digest, userId, device, lifetime.idleMs,
          lifetime.absoluteMs, hashed, this.channel, this.options.instanceId, bytes,
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
      const session: StoredSession = {
        selector, userId, device, createdAt: now, lastSeenAt: now, expiresAt, absoluteExpiresAt,
        idleMs: lifetime.idleMs, data: { ...data }, verifier: hashed, binding, remembered,
      };
      return { token: selector + verifier, session };
    }
    throw new SessionUnavailableError(new Error('no free selector'));
  }

  /**
   * Writes one data field (`undefined` deletes it); `announce` publishes the change, for event-invalidated caches.
   * @returns false when the session is gone. @throws SessionDataTooLargeError past maxDataBytes (nothing written)
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

  /** Destroys a user's sessions; with `presented`, only while that verifier hash opens it. @returns how many existed */
  override async destroy(userId: string, selectors: string[], reason: InvalidationReason, presented = ''): Promise<number> {
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
   * A new verifier, in place. A rotation needs `current` to still be the current hash (else another request rotated
   * first); the replaced one works for `graceMs`, a regenerate kills it. @returns null if gone or renewed first
   */
  async renew(
    session: StoredSession, kind: 'rotation' | 'regenerate', graceMs: number, current: string,
  ): Promise<{ token: string; verifier: string; now: number; expiresAt: number } | null> {
    const verifier = newVerifier();
    const hashed = verifierHash(verifier);
    const keys = sessionKeys(this.prefix, session.selector);
    const everyMs = kind === 'rotation' ? this.options.rotation.everySeconds * 1000 : 0;
    const reply = await this.calls.run('renew', () =>
      this.redis.sessionRenew(
        keys.session, keys.index, sessionPartOf(session.selector), current, hashed, graceMs,
        this.channel, publicId(session.selector), this.options.instanceId, kind, this.calls.notAfter(), everyMs,
      ),
    );
    if (!reply) return null;
    this.calls.noteClock(reply[reply[0] === -2 ? 1 : 0]);
    if (reply[0] === -2) throw new SessionUnavailableError(new Error('renew reached Redis after its deadline'));
    return { token: session.selector + verifier, verifier: hashed, now: reply[0], expiresAt: reply[1] };
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

  /** Puts back a legacy record taken for a migration that failed, for its remaining lifetime, unless one is there. */
  async restoreLegacy(key: string, raw: string, ttlMs: number): Promise<void> {
    if (ttlMs === 0) return; // it was expiring anyway
    await this.calls.run('migrate', () =>
      (ttlMs > 0 ? this.redis.set(key, raw, 'PX', ttlMs, 'NX') : this.redis.set(key, raw, 'NX')));
  }

  /** The session's CSRF token, made now if it has none. @returns null when the session is gone */
  async csrfToken(selector: string): Promise<string | null> {
    const { session } = sessionKeys(this.prefix, selector);
    return this.calls.run('set', () => this.redis.sessionCsrf(session, newVerifier()));
  }
}
