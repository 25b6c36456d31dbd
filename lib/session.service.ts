import { Inject, Injectable, Logger } from '@nestjs/common';
import { timingSafeEqual } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';
import { SessionCookie } from './cookies/session-cookie';
import { splitToken, SplitToken, verifierHash } from './crypto/session-token';
import { SessionInputError, SessionNotFoundError, SessionUnavailableError } from './errors';
import { FIELD_NAME_INVALID, LIFETIME_INVALID, TEXT_INVALID } from './errors/messages';
import { clientBinding } from './http/client-binding';
import { SessionRequest, headerValue } from './http/http-adapter';
import { attachSession } from './session.constants';
import { storedOf, toActiveSession } from './session.internals';
import type { ResolvedSessionOptions } from './session.options';
import { SESSION_OPTIONS, SESSION_REDIS_CLIENT } from './session.tokens';
import type { ActiveSession, CreateSessionInput, InvalidationReason, SessionSummary } from './session.types';
import { CacheEntry, SessionCache } from './cache/session-cache';
import { SessionEvents } from './events/session-events.service';
import { SessionMetrics } from './metrics/session-metrics';
import { RedisReadinessReport } from './readiness/redis-readiness';
import { SessionReadiness } from './readiness/session-readiness';
import { SessionStore } from './store/session.store';
import { setDataField, StoredSession } from './store/stored-session';

const FIELD_NAME = /^[^\x00-\x1f\x7f]{1,64}$/;
/**
 * Half of a UTF-16 surrogate pair on its own. Redis stores UTF-8, where such a string becomes U+FFFD: two distinct
 * user ids would then name one user's index. Refused rather than silently merged.
 */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** What touch is given for a session the app already holds (authenticated when it was handed out). */
const HELD = '';

/** A token as a request presents it: its selector and the hash of its verifier (hashed once per request). */
interface Presented {
  selector: string;
  hash: string;
}

/**
 * Creates, reads, changes and ends sessions. Inject it anywhere; `TData` types the app's session data.
 * Redis failures surface as SessionUnavailableError (503); a session that is gone as SessionNotFoundError (401);
 * bad input from the app as SessionInputError (400).
 * @publicApi
 */
@Injectable()
export class SessionService<TData extends object = Record<string, unknown>> {
  private readonly logger = new Logger('SessionService');
  /** Cookie reader/writer shared with the guard. @internal */
  readonly cookie: SessionCookie;
  private readonly refreshMs: number;
  private readonly rotationMs: number;
  /** Cache misses being resolved, by token (single flight: one Redis read for a burst of one browser's requests). */
  private readonly inFlight = new Map<string, Promise<ActiveSession<TData> | null>>();

  /** @internal Nest creates it. */
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
    this.rotationMs = options.rotation.everySeconds * 1000;
  }

  /**
   * Logs a user in: ends any session the request's cookie names (session fixation: a token the client brings is
   * never reused), creates a new session and sets its cookie on the response.
   */
  async create(req: SessionRequest | undefined, res: unknown, input: CreateSessionInput<TData>): Promise<ActiveSession<TData>> {
    const previous = req ? presented(this.cookie.read(req)) : null;
    if (previous) {
      const old = await this.store.touch(previous.selector, previous.hash, false);
      if (old) {
        this.cache.invalidate(old.selector);
        await this.store.destroy(old.userId, [old.selector], 'login');
      }
    }
    const { token, session } = await this.issue(input, req);
    this.writeCookie(res, token, session);
    if (req) attachSession(req, session);
    return session;
  }

  /**
   * Creates a session without touching any HTTP response and returns its token: for bearer clients
   * (`acceptBearerToken`), WebSocket tickets and tests. Pass the request when client binding is on.
   * @throws SessionLimitError at maxSessionsPerUser with onSessionLimit 'refuse'
   */
  async issue(input: CreateSessionInput<TData>, req?: SessionRequest): Promise<{ token: string; session: ActiveSession<TData> }> {
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
   * The request path, for the guard and the WebSocket support: token → session, once. Answers synchronously when
   * the local cache can vouch for the session with nothing left to do (saves the promise turns on the hottest
   * path); otherwise resolves it through Redis (single flight), then checks the client binding (a mismatch ends the
   * session, reason `hijack-suspected`) and rotates the token when due (the new cookie goes on `res`).
   * @returns null for a missing, malformed, unknown, ended or replaced token
   * @internal
   */
  resolve(token: string | undefined, req: SessionRequest, res?: unknown): ActiveSession<TData> | null | Promise<ActiveSession<TData> | null> {
    const split = splitToken(token);
    if (!split) return null;
    const p: Presented = { selector: split.selector, hash: verifierHash(split.verifier) };
    const now = Date.now();
    const entry = this.cache.get(p.selector);
    if (entry && this.fresh(entry, now) && acceptedBy(entry.stored, p.hash, now)) {
      const s = entry.stored;
      const bound = s.binding === undefined || s.binding === clientBinding(req, this.options.binding);
      if (bound && !(res && this.rotationDue(s, p.hash, now))) {
        this.metrics.cacheLookup(true);
        return entry.session as ActiveSession<TData>;
      }
    }
    return this.resolveAsync(token!, p, req, res);
  }

  private async resolveAsync(token: string, p: Presented, req: SessionRequest, res?: unknown): Promise<ActiveSession<TData> | null> {
    const session = await this.read(token, p, true);
    if (!session) return null;
    const stored = storedOf(session);
    if (stored.binding !== undefined && stored.binding !== clientBinding(req, this.options.binding)) {
      this.cache.invalidate(stored.selector);
      await this.store.destroy(stored.userId, [stored.selector], 'hijack-suspected');
      return null;
    }
    if (res && this.rotationDue(stored, p.hash, Date.now())) await this.rotate(session, p, res);
    return session;
  }

  /**
   * Reads the session behind a presented token: from the cache while it is fresh, else from Redis (sliding its
   * expiry at most once per refresh interval). One word for this everywhere: a token is *resolved*.
   */
  private read(token: string, p: Presented, slide: boolean): Promise<ActiveSession<TData> | null> {
    if (!this.cache.usable || !slide) {
      return this.store.touch(p.selector, p.hash, slide).then((s) => (s ? this.shaped(s, slide) : null));
    }
    const now = Date.now();
    const entry = this.cache.get(p.selector);
    this.metrics.cacheLookup(entry !== undefined);
    // A verifier the entry does not know may be one another instance just issued (rotation): ask Redis.
    if (entry && this.fresh(entry, now) && acceptedBy(entry.stored, p.hash, now)) {
      return Promise.resolve(entry.session as ActiveSession<TData>);
    }
    // Many requests of one hot session arrive together when its entry was just dropped: one Redis read serves all.
    let pending = this.inFlight.get(token);
    if (!pending) {
      pending = this.readIntoCache(p).finally(() => this.inFlight.delete(token));
      this.inFlight.set(token, pending);
    }
    return pending;
  }

  private async readIntoCache(p: Presented): Promise<ActiveSession<TData> | null> {
    const epoch = this.cache.epoch;
    const now = Date.now();
    const lastSlide = this.cache.lastSlide(p.selector);
    // Slid recently (and the entry was dropped by that very write's invalidation): re-read without writing.
    const slide = lastSlide === undefined || now - lastSlide >= this.refreshMs;
    const stored = await this.store.touch(p.selector, p.hash, slide);
    if (!stored) {
      this.cache.invalidate(p.selector);
      return null;
    }
    if (slide) this.cache.noteSlide(p.selector, now);
    const session = this.shaped(stored, slide);
    this.cache.set(p.selector, stored, session, epoch);
    return session;
  }

  /** An entry the cache may answer from: confirmed recently, within its deadlines. */
  private fresh(entry: CacheEntry, now: number): boolean {
    const s = entry.stored;
    return now - entry.confirmedAt < this.refreshMs && now < s.expiresAt && now < s.absoluteExpiresAt;
  }

  /** Rotation is due, and this request may do it: only the current token rotates, never one already replaced. */
  private rotationDue(s: StoredSession, hash: string, now: number): boolean {
    return this.rotationMs > 0 && now - (s.rotatedAt ?? s.createdAt) >= this.rotationMs && same(s.verifier, hash);
  }

  /** Token rotation: a new verifier on the response; the one this request presented works for the grace period. */
  private async rotate(session: ActiveSession<TData>, p: Presented, res: unknown): Promise<void> {
    const stored = storedOf(session);
    try {
      const renewed = await this.store.renew(stored, 'rotation', this.options.rotation.graceSeconds * 1000, p.hash);
      this.cache.invalidate(stored.selector);
      // Null: a concurrent request rotated it first; its response carries the new cookie.
      if (renewed) this.writeCookie(res, renewed.token, session);
    } catch (err) {
      // Redis refused or timed out: the session stays valid with this token; the next request rotates.
      if (!(err instanceof SessionUnavailableError)) throw err;
      this.logger.warn(`Token rotation deferred: ${(err.cause as Error | undefined)?.message ?? err.message}`);
    }
  }

  private shaped(stored: StoredSession, slid: boolean): ActiveSession<TData> {
    const session = toActiveSession<TData>(stored);
    if (slid && this.events.observed) {
      this.events.emitLocal({
        type: 'refreshed', id: session.id, userId: session.userId, at: session.lastSeenAt,
        instance: this.options.instanceId, expiresAt: session.expiresAt,
      });
    }
    return session;
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
  tokenFrom(req: SessionRequest): string | undefined {
    const fromCookie = this.cookie.read(req);
    if (fromCookie !== undefined || !this.options.acceptBearerToken) return fromCookie;
    const auth = headerValue(req, 'authorization');
    return auth && auth.startsWith('Bearer ') ? auth.slice(7).trim() : undefined;
  }

  /** Reads the session a token names without extending it. `null` for malformed, unknown, ended or replaced tokens. */
  async getByToken(token: string): Promise<ActiveSession<TData> | null> {
    const p = presented(token);
    return p ? this.read(token, p, false) : null;
  }

  /**
   * Reads the session a token names and slides its idle expiry, in one Redis round trip (none for a hot session
   * with the local cache on: Redis is asked again once per `cache.refreshIntervalSeconds`, after `maxStalenessMs`,
   * or after an invalidation). No binding check and no rotation: that is the guard's request path.
   */
  async touch(token: string): Promise<ActiveSession<TData> | null> {
    const p = presented(token);
    return p ? this.read(token, p, true) : null;
  }

  /**
   * Re-resolves a session the app already holds (e.g. on a long-lived WebSocket), sliding its expiry.
   * @returns null when it has ended
   */
  async refresh(session: ActiveSession<TData>): Promise<ActiveSession<TData> | null> {
    // The app holds the session itself, not a token: whatever rotated since, it is the same session while it lives.
    const fresh = await this.store.touch(storedOf(session).selector, HELD, true);
    return fresh ? this.shaped(fresh, true) : null;
  }

  /** Reads one data field fresh from Redis (the session object holds the value as of the request's start). */
  async get<K extends keyof TData & string>(session: ActiveSession<TData>, key: K): Promise<TData[K] | undefined> {
    assertFieldName(key);
    return (await this.store.getField(storedOf(session).selector, key)) as TData[K] | undefined;
  }

  /**
   * Writes one data field (JSON). Only that field changes, and only if the session still exists: a write racing a
   * logout fails with SessionNotFoundError instead of bringing the session back. A token rotation in between
   * changes nothing: the session keeps its key.
   * @throws SessionDataTooLargeError over maxDataBytes (nothing written)
   */
  async set<K extends keyof TData & string>(session: ActiveSession<TData>, key: K, value: TData[K]): Promise<void> {
    assertFieldName(key);
    const stored = storedOf(session);
    const written = await this.store.setField(stored.selector, key, value, this.cache.mode === 'events');
    this.cache.invalidate(stored.selector);
    if (!written) throw new SessionNotFoundError();
    setDataField(stored.data, key, value);
  }

  /** Removes one data field. */
  async unset<K extends keyof TData & string>(session: ActiveSession<TData>, key: K): Promise<void> {
    assertFieldName(key);
    const stored = storedOf(session);
    const written = await this.store.setField(stored.selector, key, undefined, this.cache.mode === 'events');
    this.cache.invalidate(stored.selector);
    if (!written) throw new SessionNotFoundError();
    delete stored.data[key];
  }

  /** Ends one session; with a response, also clears its cookie. @returns whether it still existed */
  async destroy(session: ActiveSession<TData>, res?: unknown, reason: InvalidationReason = 'logout'): Promise<boolean> {
    const stored = storedOf(session);
    this.cache.invalidate(stored.selector);
    const n = await this.store.destroy(stored.userId, [stored.selector], reason);
    this.cache.invalidate(stored.selector);
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
    const n = await this.store.destroyAllOf(stored.userId, 'logout-others', stored.selector);
    this.cache.forgetUser(stored.userId, stored.selector);
    return n;
  }

  /** Ends the session with this public id if it belongs to the user. @returns false when it does not */
  async revoke(userId: string, id: string): Promise<boolean> {
    const selector = await this.store.selectorForId(String(userId), id);
    if (!selector) return false;
    this.cache.invalidate(selector);
    const ended = (await this.store.destroy(String(userId), [selector], 'revoked')) > 0;
    this.cache.invalidate(selector);
    return ended;
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
   * Gives the session a new token and kills the old one at once; the session keeps its id, data and deadlines.
   * Call it after a privilege change: password change, role elevation, 2FA step-up. With a response, the new
   * cookie is set.
   * @throws SessionNotFoundError when the session is already gone
   */
  async regenerate(session: ActiveSession<TData>, res?: unknown, req?: SessionRequest): Promise<ActiveSession<TData>> {
    const stored = storedOf(session);
    this.cache.invalidate(stored.selector);
    const renewed = await this.store.renew(stored, 'regenerate', 0);
    this.cache.invalidate(stored.selector);
    if (!renewed) throw new SessionNotFoundError();
    const next = toActiveSession<TData>({
      ...stored, verifier: renewed.verifier, previous: undefined, graceUntil: undefined, rotatedAt: renewed.now,
      lastSeenAt: renewed.now, expiresAt: renewed.expiresAt,
    });
    if (res) this.writeCookie(res, renewed.token, next);
    if (req) attachSession(req, next);
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

function presented(token: string | undefined): Presented | null {
  const split: SplitToken | null = splitToken(token);
  return split ? { selector: split.selector, hash: verifierHash(split.verifier) } : null;
}

/** Whether a presented verifier hash opens the session: the current one, or the previous one within its grace. */
function acceptedBy(s: StoredSession, hash: string, now: number): boolean {
  return same(s.verifier, hash) || (s.previous !== undefined && s.graceUntil !== undefined && now < s.graceUntil && same(s.previous, hash));
}

/** Constant-time comparison of two verifier hashes (equal length by construction). */
function same(a: string, b: string): boolean {
  return a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));
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
