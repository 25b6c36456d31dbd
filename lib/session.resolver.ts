import { Inject, Injectable, Logger } from '@nestjs/common';
import { splitToken, verifierHash } from './store/session.token';
import { SessionUnavailableError } from './errors';
import { SessionCache, CacheEntry } from './store/session.cache';
import { SessionEvents } from './events/session.events';
import { clientBinding } from './http/client.binding';
import { InFlightExchanges } from './http/in-flight.exchanges';
import { LegacySessionMigration } from './http/legacy.migration';
import { SessionCookie } from './http/session.cookie';
import { headerValue, SessionRequest } from './http/session.request';
import { SessionMetrics } from './session.metrics';
import { storedOf, toActiveSession } from './session.internals';
import type { ResolvedSessionOptions } from './options/session.options';
import { SESSION_OPTIONS } from './session.tokens';
import type { ActiveSession } from './session.types';
import { SessionStore } from './store/session.store';
import type { StoredSession } from './store/stored.session';

/** A token as a request presents it. Its verifier's hash is computed once, when needed (not on a cache hit). */
class PresentedToken {
  #hash?: string;
  constructor(readonly selector: string, readonly verifier: string) {}
  get hash(): string {
    return (this.#hash ??= verifierHash(this.verifier));
  }
}
type Found = ActiveSession | null;

/** The one place a token becomes a session: cache, single flight, one Redis round trip, binding, rotation. @internal */
@Injectable()
export class SessionResolver {
  private readonly logger = new Logger('SessionResolver');
  /** Misses being resolved, by token: a hot session's requests arriving as its entry drops share one Redis read. */
  private readonly inFlight = new Map<string, Promise<Found>>();
  private readonly refreshMs: number;
  private readonly rotationMs: number;
  readonly csrf: ResolvedSessionOptions['csrf'];

  constructor(
    private readonly store: SessionStore,
    @Inject(SESSION_OPTIONS) private readonly options: ResolvedSessionOptions,
    private readonly cache: SessionCache,
    private readonly events: SessionEvents,
    readonly metrics: SessionMetrics,
    readonly cookie: SessionCookie,
    private readonly migration: LegacySessionMigration,
    readonly exchanges: InFlightExchanges,
  ) {
    this.refreshMs = Math.min(options.cache.refreshIntervalMs, options.cache.maxStalenessMs);
    this.rotationMs = options.rotation.everySeconds * 1000;
    this.csrf = options.csrf;
  }

  /** The token a request carries: the session cookie, else (with acceptBearerToken) an `Authorization: Bearer`. */
  tokenFrom(req: SessionRequest): string | undefined {
    const fromCookie = this.cookie.read(req);
    return fromCookie !== undefined || !this.options.acceptBearerToken ? fromCookie : bearerOf(req);
  }

  /** Whether `token` is the request's `Authorization: Bearer` one, with no session cookie beside it. */
  isBearer(req: SessionRequest, token: string | undefined): boolean {
    if (token === undefined || !this.options.acceptBearerToken) return false;
    return bearerOf(req) === token && this.cookie.read(req) === undefined;
  }

  /**
   * Token → session: synchronous when the cache vouches for it with nothing left to do (no promise on the hottest
   * path); else through Redis, then the client binding (a mismatch ends the session, `hijack-suspected`) and the
   * rotation when due (new cookie on `res`). Null for a token that opens nothing.
   */
  resolve(token: string | undefined, req: SessionRequest, res?: unknown): Found | Promise<Found> {
    const p = presented(token);
    if (!p) return res !== undefined && this.migration.applies(req) ? this.migration.migrate(req, res) : null;
    const now = Date.now();
    const entry = this.cached(p, now);
    if (!entry) return this.checked(this.fetch(token!, p, true), p, req, res);
    const s = entry.stored;
    const bound = s.binding === undefined || s.binding === clientBinding(req, this.options.binding);
    if (bound && !(res && this.rotationDue(s, p, now, req))) return entry.session;
    return this.checked(entry.session, p, req, res);
  }

  private async checked(found: Found | Promise<Found>, p: PresentedToken, req: SessionRequest, res?: unknown) {
    const session = await found;
    if (!session) return null;
    const stored = storedOf(session);
    if (stored.binding !== undefined && stored.binding !== clientBinding(req, this.options.binding)) {
      this.cache.invalidate(stored.selector);
      // Only while the token this request presented still opens the session: one replaced meanwhile ends nothing.
      await this.store.destroy(stored.userId, [stored.selector], 'hijack-suspected', p.hash);
      return null;
    }
    if (res && this.rotationDue(stored, p, Date.now(), req)) await this.rotate(session, p, res);
    return session;
  }

  /** The session behind a token, from the cache or Redis (`slide`: at most once per refresh interval). No binding. */
  read(token: string, slide = true): Promise<Found> {
    const p = presented(token);
    if (!p) return Promise.resolve(null);
    const entry = slide ? this.cached(p, Date.now()) : undefined;
    return entry ? Promise.resolve(entry.session) : this.fetch(token, p, slide);
  }

  /**
   * A session the app holds (an open WebSocket) read again and, with `slide`, slid; null once it ended. No token to
   * check ('' for the verifier): whatever rotated since, it is the same session while it lives.
   */
  async reread(session: ActiveSession, slide = true): Promise<Found> {
    // async: a value that is no session (storedOf throws) rejects like any other failure, never throws in the caller.
    const fresh = await this.store.touch(storedOf(session).selector, '', slide);
    return fresh ? this.shaped(fresh, slide) : null;
  }

  /** The cache's entry, if it may answer: confirmed recently, within its deadlines, and it knows this verifier. */
  private cached(p: PresentedToken, now: number): CacheEntry | undefined {
    if (!this.cache.usable) return undefined;
    const entry = this.cache.get(p.selector);
    this.metrics.cacheLookup(entry !== undefined);
    if (!entry) return undefined;
    const s = entry.stored;
    const fresh = now - entry.confirmedAt < this.refreshMs && now < s.expiresAt && now < s.absoluteExpiresAt;
    // A verifier the entry does not know may be one another instance just issued (rotation): ask Redis.
    return fresh && accepts(entry, p, now) ? entry : undefined;
  }

  /** The session from Redis: with the cache in use, one read for concurrent misses, cached; else a plain touch. */
  private fetch(token: string, p: PresentedToken, slide: boolean): Promise<Found> {
    if (!this.cache.usable || !slide) {
      return this.store.touch(p.selector, p.hash, slide).then((s) => (s ? this.shaped(s, slide) : null));
    }
    let pending = this.inFlight.get(token);
    if (!pending) {
      pending = this.readIntoCache(p).finally(() => this.inFlight.delete(token));
      this.inFlight.set(token, pending);
    }
    return pending;
  }

  private async readIntoCache(p: PresentedToken): Promise<Found> {
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

  /**
   * Rotation is due, and this request may do it: only the current token rotates, never one already replaced, and
   * only the session cookie's (the new token goes out as a cookie: a bearer client would never learn it, and lose
   * its session once the grace ran out).
   */
  private rotationDue(s: StoredSession, p: PresentedToken, now: number, req: SessionRequest): boolean {
    return this.rotationMs > 0 && now - (s.rotatedAt ?? s.createdAt) >= this.rotationMs && same(s.verifier, p.hash) &&
      this.cookie.read(req) === p.selector + p.verifier;
  }

  /** Token rotation: a new verifier on the response; the one this request presented works for the grace period. */
  private async rotate(session: ActiveSession, p: PresentedToken, res: unknown): Promise<void> {
    const stored = storedOf(session);
    try {
      const renewed = await this.store.renew(stored, 'rotation', this.options.rotation.graceSeconds * 1000, p.hash);
      this.cache.invalidate(stored.selector);
      // Null: a concurrent request rotated it first; its response carries the new cookie.
      if (renewed) this.cookie.write(res, renewed.token, cookieMaxAge(session));
    } catch (err) {
      // Redis refused or timed out: the session stays valid with this token; the next request rotates.
      if (!(err instanceof SessionUnavailableError)) throw err;
      this.logger.warn(`Token rotation deferred: ${(err.cause as Error | undefined)?.message ?? err.message}`);
    }
  }

  /** The app-facing session, announcing the slide to local listeners ('refreshed') when it slid. */
  private shaped(stored: StoredSession, slid: boolean): ActiveSession {
    const session = toActiveSession<Record<string, unknown>>(stored);
    if (slid && this.events.observed) {
      this.events.emitLocal({
        type: 'refreshed', id: session.id, userId: session.userId, at: session.lastSeenAt,
        instance: this.options.instanceId, expiresAt: session.expiresAt,
      });
    }
    return session;
  }
}

function bearerOf(req: SessionRequest): string | undefined {
  const auth = headerValue(req, 'authorization');
  return auth && auth.startsWith('Bearer ') ? auth.slice(7).trim() : undefined;
}

export function presented(token: string | undefined): PresentedToken | null {
  const split = splitToken(token);
  return split ? new PresentedToken(split.selector, split.verifier) : null;
}

/** The cookie's Max-Age: a remembered session's lasts until its absolute deadline; others end with the browser. */
export function cookieMaxAge(session: ActiveSession): number | undefined {
  return storedOf(session).remembered
    ? Math.max(1, Math.floor((session.absoluteExpiresAt.getTime() - Date.now()) / 1000))
    : undefined;
}

/**
 * Whether a presented verifier opens a cached session: the current one, or the previous within its grace. The entry
 * remembers the current verifier once seen (in memory only), so a hit compares it instead of hashing (~1 µs).
 */
function accepts(entry: CacheEntry, p: PresentedToken, now: number): boolean {
  if (entry.verifier !== undefined && same(entry.verifier, p.verifier)) return true;
  const s = entry.stored;
  if (same(s.verifier, p.hash)) {
    entry.verifier = p.verifier;
    return true;
  }
  return s.previous !== undefined && s.graceUntil !== undefined && now < s.graceUntil && same(s.previous, p.hash);
}

/** Constant-time comparison of ASCII verifiers or hashes; allocates nothing (timingSafeEqual wants two Buffers). */
function same(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}
