import { Inject, Injectable } from '@nestjs/common';
import type { Cluster, Redis } from 'ioredis';
import { SessionCookie } from './cookies/session-cookie';
import { isWellFormedToken, routingTagOf, tokenHash } from './crypto/session-token';
import { SessionInputError, SessionNotFoundError } from './errors';
import { FIELD_NAME_INVALID, LIFETIME_INVALID, TEXT_INVALID } from './errors/messages';
import { clientBinding } from './http/client-binding';
import { AnyRequest, headerValue } from './http/http-adapter';
import { REQUEST_SESSION } from './session.constants';
import { storedOf, toActiveSession } from './session.internals';
import type { ResolvedSessionOptions } from './session.options';
import { SESSION_OPTIONS, SESSION_REDIS_CLIENT } from './session.tokens';
import type { ActiveSession, CreateSessionInput, InvalidationReason, SessionSummary } from './session.types';
import { SessionCache } from './cache/session-cache';
import { SessionEvents } from './events/session-events.service';
import { SessionMetrics } from './metrics/session-metrics';
import { RedisReadinessReport } from './readiness/redis-readiness';
import { SessionReadiness } from './readiness/session-readiness';
import { SessionStore } from './store/session.store';
import type { StoredSession } from './store/stored-session';

const FIELD_NAME = /^[^\x00-\x1f\x7f]{1,64}$/;
/**
 * Half of a UTF-16 surrogate pair on its own. Redis stores UTF-8, where such a string becomes U+FFFD: two distinct
 * user ids would then name one user's index. Refused rather than silently merged.
 */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Creates, reads, changes and ends sessions. Inject it anywhere; `TData` types the app's session data.
 * Redis failures surface as SessionUnavailableError (503); a session that is gone as SessionNotFoundError (401).
 * @publicApi
 */
@Injectable()
export class SessionService<TData extends object = Record<string, unknown>> {
  /** Cookie reader/writer shared with the guard. @internal */
  readonly cookie: SessionCookie;
  private readonly refreshMs: number;
  /** Cache misses being resolved, by token hash (single flight). */
  private readonly inFlight = new Map<string, Promise<ActiveSession<TData> | null>>();

  constructor(
    private readonly store: SessionStore,
    @Inject(SESSION_OPTIONS) private readonly options: ResolvedSessionOptions,
    @Inject(SESSION_REDIS_CLIENT) private readonly redis: Redis | Cluster,
    private readonly cache: SessionCache,
    private readonly events: SessionEvents,
    /** @internal */ readonly metrics: SessionMetrics,
    private readonly readiness: SessionReadiness,
  ) {
    this.cookie = new SessionCookie(options.cookie);
    this.refreshMs = Math.min(options.cache.refreshIntervalMs, options.cache.maxStalenessMs);
  }

  /**
   * Logs a user in: ends any session the request's cookie names (session fixation: a token the client brings is
   * never reused), creates a new session and sets its cookie on the response.
   */
  async create(req: AnyRequest | undefined, res: unknown, input: CreateSessionInput<TData>): Promise<ActiveSession<TData>> {
    const previous = req ? this.cookie.read(req) : undefined;
    if (previous && isWellFormedToken(previous)) {
      const old = await this.store.touch(previous, false);
      if (old) {
        this.cache.delete(old.hash);
        await this.store.destroy(old.userId, [old.hash], 'login');
      }
    }
    const { token, session } = await this.issue(input, req);
    this.writeCookie(res, token, session);
    if (req) req[REQUEST_SESSION] = session;
    return session;
  }

  /**
   * Creates a session without touching any HTTP response and returns its token: for bearer clients
   * (`acceptBearerToken`), WebSocket tickets and tests. Pass the request when client binding is on.
   * @throws SessionLimitError at maxSessionsPerUser with onSessionLimit 'refuse'
   */
  async issue(input: CreateSessionInput<TData>, req?: AnyRequest): Promise<{ token: string; session: ActiveSession<TData> }> {
    const userId = String(input.userId);
    assertPlainText('userId', userId);
    const device = input.device || 'unknown';
    assertPlainText('device', device);
    const data = (input.data ?? {}) as Record<string, unknown>;
    Object.keys(data).forEach(assertFieldName);
    const { token, session } = await this.store.create(userId, device, data, this.lifetimeOf(input), {
      binding: clientBinding(req, this.options.binding),
      remembered: input.remember === true,
    });
    return { token, session: toActiveSession<TData>(session) };
  }

  /**
   * What the guard calls: resolves the token (sliding its expiry) and, with `binding` on, checks the request
   * still comes from the client the session was bound to; on a mismatch the session is ended
   * (reason `hijack-suspected`) and null is returned.
   * @internal
   */
  async authenticate(token: string, req: AnyRequest, res?: unknown): Promise<ActiveSession<TData> | null> {
    const session = await this.touch(token);
    if (!session) return null;
    const stored = storedOf(session);
    if (stored.binding !== undefined && stored.binding !== clientBinding(req, this.options.binding)) {
      this.cache.delete(stored.hash);
      await this.store.destroy(stored.userId, [stored.hash], 'hijack-suspected');
      return null;
    }
    const every = this.options.rotation.everySeconds * 1000;
    if (res && every > 0 && Date.now() - (stored.rotatedAt ?? stored.createdAt) >= every) {
      return (await this.rotate(session, res)) ?? session;
    }
    return session;
  }

  /** Token rotation: a new token on the response, the old one still valid for the grace period. */
  private rotate(session: ActiveSession<TData>, res: unknown): Promise<ActiveSession<TData> | null> {
    // Null: a concurrent request rotated it first; its response carries the new cookie.
    return this.moveToken(session, res, this.options.rotation.graceSeconds * 1000, 'rotated');
  }

  /**
   * Moves a session to a new token (regenerate, rotation) and sets the new cookie when given a response.
   * `forwardMs` keeps the old token working that long. @returns null when the session is gone or already moved
   */
  private async moveToken(
    session: ActiveSession<TData>, res: unknown, forwardMs: number, reason: InvalidationReason,
  ): Promise<ActiveSession<TData> | null> {
    const stored = storedOf(session);
    this.cache.delete(stored.hash);
    const moved = await this.store.regenerate(stored, forwardMs, reason);
    if (!moved) return null;
    const next = this.movedTo(stored, moved);
    if (res) this.writeCookie(res, moved.token, next);
    return next;
  }

  private movedTo(stored: StoredSession, moved: { token: string; now: number; expiresAt: number }): ActiveSession<TData> {
    return toActiveSession<TData>({
      ...stored, tag: routingTagOf(moved.token), hash: tokenHash(moved.token), handle: undefined,
      lastSeenAt: moved.now, expiresAt: moved.expiresAt, rotatedAt: moved.now,
    });
  }

  /** Timeouts of a new session: the module's, or rememberMe's for remembered ones, never above those caps. */
  private lifetimeOf(input: CreateSessionInput<TData>): { idleMs: number; absoluteMs: number } {
    const capIdle = input.remember ? this.options.rememberMe.idleTimeoutSeconds : this.options.idleTimeoutSeconds;
    const capAbsolute = input.remember ? this.options.rememberMe.absoluteTimeoutSeconds : this.options.absoluteTimeoutSeconds;
    const pick = (name: string, value: number | undefined, cap: number) => {
      if (value === undefined) return cap;
      if (!Number.isInteger(value) || value <= 0) throw new SessionInputError(LIFETIME_INVALID(name, value));
      return Math.min(value, cap);
    };
    const absolute = pick('absoluteTimeoutSeconds', input.absoluteTimeoutSeconds, capAbsolute);
    const idle = Math.min(pick('idleTimeoutSeconds', input.idleTimeoutSeconds, capIdle), absolute);
    return { idleMs: idle * 1000, absoluteMs: absolute * 1000 };
  }

  /** Remembered sessions get a persistent cookie lasting until their absolute deadline; others a browser-session one. */
  private writeCookie(res: unknown, token: string, session: ActiveSession<TData>): void {
    const maxAge = storedOf(session).remembered
      ? Math.max(1, Math.floor((session.absoluteExpiresAt.getTime() - Date.now()) / 1000))
      : undefined;
    this.cookie.write(res, token, maxAge);
  }

  /** The token a request carries: the session cookie, else (with acceptBearerToken) an `Authorization: Bearer`. */
  tokenFrom(req: AnyRequest): string | undefined {
    const fromCookie = this.cookie.read(req);
    if (fromCookie !== undefined || !this.options.acceptBearerToken) return fromCookie;
    const auth = headerValue(req, 'authorization');
    return auth && auth.startsWith('Bearer ') ? auth.slice(7).trim() : undefined;
  }

  /** Reads the session a token names without extending it. `null` for malformed, unknown or expired tokens. */
  async getByToken(token: string): Promise<ActiveSession<TData> | null> {
    if (!isWellFormedToken(token)) return null;
    const stored = await this.store.touch(token, false);
    return stored ? toActiveSession<TData>(stored) : null;
  }

  /**
   * Reads the session a token names and slides its idle expiry, in one Redis round trip. What the guard calls.
   * With the local cache on, a hot session costs no round trip: Redis is asked again only once per
   * `cache.refreshIntervalSeconds` (that is when the idle expiry slides), after `maxStalenessMs`, or after an
   * invalidation. The absolute deadline is enforced locally too.
   */
  async touch(token: string): Promise<ActiveSession<TData> | null> {
    if (!isWellFormedToken(token)) return null;
    if (!this.cache.usable) {
      const stored = await this.store.touch(token, true);
      return stored ? this.refreshed(stored) : null;
    }
    const hash = tokenHash(token);
    const entry = this.cache.get(hash);
    this.metrics.cacheLookup(entry !== undefined);
    if (entry) {
      const now = Date.now();
      const s = entry.stored;
      if (now >= s.absoluteExpiresAt) {
        this.cache.delete(hash);
        return null;
      }
      if (now - entry.confirmedAt < this.refreshMs && now < s.expiresAt) return entry.session as ActiveSession<TData>;
    }
    return this.resolveOnce(token, hash);
  }

  /**
   * The guard's synchronous fast path: the session, when the local cache can vouch for it right now with nothing
   * left to do (fresh, within its deadlines, binding matches, no rotation due); otherwise undefined and the guard
   * takes the asynchronous path (authenticate). Saves the promise turns on the hottest path. @internal
   */
  fromCache(token: string, req: AnyRequest): ActiveSession<TData> | undefined {
    if (!this.cache.usable) return undefined;
    const entry = this.cache.get(tokenHash(token));
    if (!entry) return undefined;
    const now = Date.now();
    const s = entry.stored;
    if (now >= s.absoluteExpiresAt || now - entry.confirmedAt >= this.refreshMs || now >= s.expiresAt) return undefined;
    if (s.binding !== undefined && s.binding !== clientBinding(req, this.options.binding)) return undefined;
    const every = this.options.rotation.everySeconds * 1000;
    if (every > 0 && now - (s.rotatedAt ?? s.createdAt) >= every) return undefined;
    this.metrics.cacheLookup(true);
    return entry.session as ActiveSession<TData>;
  }

  private resolveOnce(token: string, hash: string): Promise<ActiveSession<TData> | null> {
    // Many requests of one hot session arrive together when its entry was just dropped: one Redis read serves all.
    let pending = this.inFlight.get(hash);
    if (!pending) {
      pending = this.resolveIntoCache(token, hash).finally(() => this.inFlight.delete(hash));
      this.inFlight.set(hash, pending);
    }
    return pending;
  }

  private async resolveIntoCache(token: string, hash: string): Promise<ActiveSession<TData> | null> {
    const epoch = this.cache.epoch;
    const now = Date.now();
    const lastSlide = this.cache.lastSlide(hash);
    // Slid recently (and the entry was dropped by that very write's invalidation): re-read without writing.
    const slide = lastSlide === undefined || now - lastSlide >= this.refreshMs;
    const stored = await this.store.touch(token, slide, hash);
    if (!stored) {
      this.cache.delete(hash);
      return null;
    }
    if (slide) this.cache.noteSlide(hash, now);
    const session = slide ? this.refreshed(stored) : toActiveSession<TData>(stored);
    this.cache.set(hash, stored, session, epoch);
    return session;
  }

  private refreshed(stored: StoredSession): ActiveSession<TData> {
    const session = toActiveSession<TData>(stored);
    if (this.events.observed) {
      this.events.emitLocal({
        type: 'refreshed', id: session.id, userId: session.userId, at: session.lastSeenAt,
        instance: this.options.instanceId, expiresAt: session.expiresAt,
      });
    }
    return session;
  }

  /**
   * Re-resolves a session the app already holds (e.g. on a long-lived WebSocket), sliding its expiry.
   * @returns null when it has ended
   */
  async refresh(session: ActiveSession<TData>): Promise<ActiveSession<TData> | null> {
    const stored = storedOf(session);
    const fresh = await this.store.touchByHash(stored.tag, stored.hash);
    return fresh ? this.refreshed(fresh) : null;
  }

  /** Reads one data field fresh from Redis (the session object holds the value as of the request's start). */
  async get<K extends keyof TData & string>(session: ActiveSession<TData>, key: K): Promise<TData[K] | undefined> {
    assertFieldName(key);
    const stored = storedOf(session);
    return (await this.store.getField(stored.tag, stored.hash, key)) as TData[K] | undefined;
  }

  /**
   * Writes one data field (JSON). Only that field changes, and only if the session still exists: a write racing a
   * logout fails with SessionNotFoundError instead of bringing the session back.
   * @throws SessionDataTooLargeError over maxDataBytes (nothing written)
   */
  async set<K extends keyof TData & string>(session: ActiveSession<TData>, key: K, value: TData[K]): Promise<void> {
    assertFieldName(key);
    const stored = storedOf(session);
    const written = await this.store.setField(stored.tag, stored.hash, key, value);
    this.cache.invalidate(stored.hash);
    if (!written) throw new SessionNotFoundError();
    stored.data[key] = value;
  }

  /** Removes one data field. */
  async unset<K extends keyof TData & string>(session: ActiveSession<TData>, key: K): Promise<void> {
    assertFieldName(key);
    const stored = storedOf(session);
    const written = await this.store.setField(stored.tag, stored.hash, key, undefined);
    this.cache.invalidate(stored.hash);
    if (!written) throw new SessionNotFoundError();
    delete stored.data[key];
  }

  /** Ends one session; with a response, also clears its cookie. @returns whether it still existed */
  async destroy(session: ActiveSession<TData>, res?: unknown, reason: InvalidationReason = 'logout'): Promise<boolean> {
    const stored = storedOf(session);
    this.cache.delete(stored.hash);
    const n = await this.store.destroy(stored.userId, [stored.hash], reason);
    if (res) this.cookie.clear(res);
    return n > 0;
  }

  /** Ends every session of a user (logout everywhere, or an admin's revoke). @returns how many were ended */
  async destroyAllForUser(userId: string, reason: InvalidationReason = 'logout-all'): Promise<number> {
    // This instance's own deletes are not reported back to it (tracking NOLOOP), so forget them here.
    this.cache.forgetUser(String(userId));
    const n = await this.store.destroyAllOf(String(userId), reason);
    this.cache.forgetUser(String(userId));
    return n;
  }

  /** Ends every session of the user except this one ("sign out everywhere else"). */
  async destroyOthers(session: ActiveSession<TData>): Promise<number> {
    const stored = storedOf(session);
    const n = await this.store.destroyAllOf(stored.userId, 'logout-others', stored.hash);
    this.cache.forgetUser(stored.userId, stored.hash);
    return n;
  }

  /** Ends the session with this public handle if it belongs to the user. @returns false when it does not */
  async revoke(userId: string, id: string): Promise<boolean> {
    const hash = await this.store.hashForHandle(String(userId), id);
    if (!hash) return false;
    this.cache.delete(hash);
    return (await this.store.destroy(String(userId), [hash], 'revoked')) > 0;
  }

  /** The user's live sessions, oldest first; `current` marks the given session. Stale index entries are pruned. */
  async list(userId: string, current?: ActiveSession<TData>): Promise<SessionSummary[]> {
    const currentId = current?.id;
    const sessions = await this.store.list(String(userId));
    return sessions.map((s) => {
      const a = toActiveSession(s);
      return {
        id: a.id, device: a.device, createdAt: a.createdAt, lastSeenAt: a.lastSeenAt, expiresAt: a.expiresAt,
        current: a.id === currentId,
      };
    });
  }

  /**
   * Gives the session a new token (same data, same deadlines) and kills the old one. Call it after a privilege
   * change: password change, role elevation, 2FA step-up. With a response, the new cookie is set.
   * @throws SessionNotFoundError when the session is already gone
   */
  async regenerate(session: ActiveSession<TData>, res?: unknown, req?: AnyRequest): Promise<ActiveSession<TData>> {
    const next = await this.moveToken(session, res, 0, 'regenerated');
    if (!next) throw new SessionNotFoundError();
    if (req) req[REQUEST_SESSION] = next;
    return next;
  }

  /**
   * Reads the Redis deployment's persistence, eviction and notification settings (read-only) and reports what
   * puts sessions at risk; the same report is logged at boot.
   */
  checkRedis(): Promise<RedisReadinessReport> {
    return this.readiness.check();
  }

  /** Pings Redis within the command timeout. */
  async isRedisUp(): Promise<boolean> {
    try {
      return (await this.redis.ping()) === 'PONG';
    } catch {
      return false;
    }
  }

}

/** User ids and device labels: 1-256 characters, no control characters (they travel inside script replies). */
function assertPlainText(what: string, value: string): void {
  if (typeof value !== 'string' || !/^[^\x00-\x1f\x7f]{1,256}$/.test(value) || LONE_SURROGATE.test(value)) {
    throw new SessionInputError(TEXT_INVALID(what, value));
  }
}

function assertFieldName(name: string): void {
  if (typeof name !== 'string' || !FIELD_NAME.test(name) || LONE_SURROGATE.test(name)) {
    throw new SessionInputError(FIELD_NAME_INVALID(name));
  }
}
