import { Inject, Injectable } from '@nestjs/common';
import { SessionNotFoundError } from './errors';
import { clientBinding } from './http/client.binding';
import { InFlightExchanges } from './http/in-flight.exchanges';
import { exchangeForLogin, exchangeNow, SessionExchange } from './http/session.exchange';
import { SessionCookie } from './http/session.cookie';
import { attachSession } from './session.constants';
import { assertFieldName, checkedLogin, lifetimeOf } from './session.input';
import { storedOf, toActiveSession } from './session.internals';
import type { ResolvedSessionOptions } from './options/session.options';
import { cookieMaxAge, presented, SessionResolver } from './session.resolver';
import { SESSION_OPTIONS } from './session.tokens';
import type { ActiveSession, CreateSessionInput, InvalidationReason, SessionSummary } from './session.types';
import { SessionCache } from './store/session.cache';
import { SessionStore } from './store/session.store';
import { idOf, setDataField, StoredSession } from './store/stored.session';

/**
 * Creates, reads, changes and ends sessions; `TData` types the app's session data. Called while a route handles a
 * request, it sets, clears and replaces the cookie itself (login, logout, regenerate): no `@Req()` or `@Res()`.
 * Errors: SessionUnavailableError (Redis, 503), SessionNotFoundError (gone, 401), SessionInputError (400). @publicApi
 */
@Injectable()
export class SessionService<TData extends object = Record<string, unknown>> {
  /** @internal Nest creates it. */
  constructor(
    private readonly store: SessionStore,
    @Inject(SESSION_OPTIONS) private readonly options: ResolvedSessionOptions,
    private readonly cache: SessionCache,
    private readonly resolver: SessionResolver,
    private readonly cookie: SessionCookie,
    private readonly exchanges: InFlightExchanges,
  ) {}

  /**
   * Logs a user in, in a @PublicRoute() handler: ends the session the request's cookie names (fixation: a token the
   * client brings is never reused) and sets the new one's cookie.
   * @throws SessionLimitError at maxSessionsPerUser with onSessionLimit 'refuse'
   * @throws Error outside a @PublicRoute() handler (it would set no cookie): use issue() there
   */
  async create(input: CreateSessionInput<TData>): Promise<ActiveSession<TData>> {
    const exchange = exchangeForLogin();
    const previous = presented(this.cookie.read(exchange.req));
    const old = previous ? await this.store.touch(previous.selector, previous.hash, false) : null;
    if (old) this.cache.invalidate(old.selector);
    // Another user's session ends here, the same user's inside the create script (so that a concurrent login cannot
    // take its place at maxSessionsPerUser); either way only while the cookie's token still opens it.
    if (old && old.userId !== String(input.userId)) {
      await this.store.destroy(old.userId, [old.selector], 'login', previous!.hash);
    }
    const replaces = old ? { selector: old.selector, presented: previous!.hash } : undefined;
    const { token, session } = await this.make(input, replaces);
    return this.send(exchange, token, session);
  }

  /**
   * Creates a session and returns its token, setting no cookie (bearer clients, WebSocket tickets, tests). Client
   * binding, when on, binds it to the request of the @PublicRoute() handler it runs in, if any.
   */
  issue(input: CreateSessionInput<TData>): Promise<{ token: string; session: ActiveSession<TData> }> {
    return this.make(input);
  }

  private async make(
    input: CreateSessionInput<TData>, replaces?: { selector: string; presented: string },
  ): Promise<{ token: string; session: ActiveSession<TData> }> {
    const { userId, device, data } = checkedLogin(input);
    const { token, session } = await this.store.create(userId, device, data, lifetimeOf(input, this.options), {
      binding: clientBinding(exchangeNow()?.req, this.options.binding),
      remembered: input.remember === true,
      replaces,
    });
    return { token, session: toActiveSession<TData>(session) };
  }

  /** Sets the session's cookie and puts the session on the request; returns the object the request holds. */
  private send(exchange: SessionExchange, token: string, session: ActiveSession<TData>): ActiveSession<TData> {
    this.cookie.write(exchange.res, token, cookieMaxAge(session));
    const own = this.exchanges.add(session, exchange);
    attachSession(exchange.req, own);
    return own;
  }

  /** Reads the session a token names without extending it. `null` for malformed, unknown, ended or replaced tokens. */
  async getByToken(token: string): Promise<ActiveSession<TData> | null> {
    return (await this.resolver.read(token, false)) as ActiveSession<TData> | null;
  }

  /** Reads a token's session, sliding its idle expiry (one Redis trip, none when cached); no binding or rotation. */
  async touch(token: string): Promise<ActiveSession<TData> | null> {
    return (await this.resolver.read(token)) as ActiveSession<TData> | null;
  }

  /** Re-resolves a session the app holds (e.g. on a long-lived WebSocket), sliding its expiry; null once it ended. */
  async refresh(session: ActiveSession<TData>): Promise<ActiveSession<TData> | null> {
    return (await this.resolver.reread(session)) as ActiveSession<TData> | null;
  }

  /** Whether a session the app holds still exists, without extending it (an open stream or tab is not activity). */
  async exists(session: ActiveSession<TData>): Promise<boolean> {
    return (await this.resolver.reread(session, false)) !== null;
  }

  /**
   * The session's CSRF token (`csrf.mode: 'token'`), made on first call, for the page (e.g. `GET /auth/csrf`) to
   * send back in the `csrf.header` header with every unsafe request. @throws SessionNotFoundError once it ended
   */
  async csrfToken(session: ActiveSession<TData>): Promise<string> {
    const stored = storedOf(session);
    if (stored.csrf) return stored.csrf;
    const token = await this.store.csrfToken(stored.selector);
    this.cache.invalidate(stored.selector);
    if (!token) throw new SessionNotFoundError();
    stored.csrf = token;
    return token;
  }

  /** Reads one data field fresh from Redis (the session object holds the value as of the request's start). */
  async get<K extends keyof TData & string>(session: ActiveSession<TData>, key: K): Promise<TData[K] | undefined> {
    assertFieldName(key);
    return (await this.store.getField(storedOf(session).selector, key)) as TData[K] | undefined;
  }

  /**
   * Writes one data field (JSON) while the session exists: one racing a logout fails rather than revive the session;
   * a rotation in between changes nothing. @throws SessionNotFoundError once it ended
   * @throws SessionDataTooLargeError over maxDataBytes (nothing written)
   */
  async set<K extends keyof TData & string>(session: ActiveSession<TData>, key: K, value: TData[K]): Promise<void> {
    setDataField((await this.write(session, key, value)).data, key, value);
  }

  /** Removes one data field. @throws SessionNotFoundError once the session ended */
  async unset<K extends keyof TData & string>(session: ActiveSession<TData>, key: K): Promise<void> {
    delete (await this.write(session, key, undefined)).data[key];
  }

  /** Writes one field (undefined removes it) while the session exists; returns the StoredSession to update. */
  private async write(session: ActiveSession<TData>, key: string, value: unknown): Promise<StoredSession> {
    assertFieldName(key);
    const stored = storedOf(session);
    const written = await this.store.setField(stored.selector, key, value, this.cache.mode === 'events');
    this.cache.invalidate(stored.selector);
    if (!written) throw new SessionNotFoundError();
    return stored;
  }

  /** Ends one session (logout), and the cookie of a request made with it. @returns whether it still existed */
  async destroy(session: ActiveSession<TData>, reason: InvalidationReason = 'logout'): Promise<boolean> {
    const stored = storedOf(session);
    return this.end(stored.userId, stored.selector, session.id, reason);
  }

  /** Ends every session of a user (logout everywhere, revoke) and the cookie of their request. @returns how many */
  async destroyAllForUser(userId: string, reason: InvalidationReason = 'logout-all'): Promise<number> {
    const user = String(userId);
    const inFlight = this.exchanges.pending(user);
    // This instance's own deletes are not reported back to it (tracking NOLOOP), so forget them here.
    this.cache.forgetUser(user);
    const n = await this.store.destroyAllOf(user, reason);
    this.cache.forgetUser(user);
    this.clearCookies(inFlight);
    return n;
  }

  /** Ends every session of the user except this one ("sign out everywhere else"), and the cookie of their requests. */
  async destroyOthers(session: ActiveSession<TData>): Promise<number> {
    const stored = storedOf(session);
    const inFlight = this.exchanges.pending(stored.userId, (id) => id !== session.id);
    const n = await this.store.destroyAllOf(stored.userId, 'logout-others', stored.selector);
    this.cache.forgetUser(stored.userId, stored.selector);
    this.clearCookies(inFlight);
    return n;
  }

  /**
   * Clears the cookie of requests in flight with ended sessions. A logout of several sessions passes those in flight
   * when it began: a login that completes while it runs keeps its session (destroy-all.lua), so it keeps its cookie.
   */
  private clearCookies(exchanges: SessionExchange[]): void {
    for (const { res } of exchanges) if (!this.cookie.isSent(res)) this.cookie.clear(res);
  }

  /** Ends the session with this public id if it belongs to the user. @returns false when it does not */
  async revoke(userId: string, id: string): Promise<boolean> {
    const selector = await this.store.selectorForId(String(userId), id);
    return selector ? this.end(String(userId), selector, id, 'revoked') : false;
  }

  private async end(userId: string, selector: string, id: string, reason: InvalidationReason): Promise<boolean> {
    this.cache.invalidate(selector);
    const n = await this.store.destroy(userId, [selector], reason);
    this.cache.invalidate(selector);
    this.clearCookies(this.exchanges.pending(userId, (own) => own === id));
    return n > 0;
  }

  /** The user's live sessions, oldest first; `current` marks the given session. Stale index entries are pruned. */
  async list(userId: string, current?: ActiveSession<TData>): Promise<SessionSummary[]> {
    return (await this.store.list(String(userId))).map((s) => ({
      id: idOf(s), device: s.device, createdAt: new Date(s.createdAt), lastSeenAt: new Date(s.lastSeenAt),
      expiresAt: new Date(s.expiresAt), current: idOf(s) === current?.id,
    }));
  }

  /**
   * Gives the session a new token, killing the old one at once (id, data, deadlines stay), and sets its cookie: call
   * it after a privilege change (password change, role elevation, 2FA step-up).
   * @throws SessionNotFoundError once it ended, or its token was replaced since it was resolved
   */
  async regenerate(session: ActiveSession<TData>): Promise<ActiveSession<TData>> {
    const stored = storedOf(session);
    this.cache.invalidate(stored.selector);
    // Only while the token this session was resolved with is still current: of two regenerates racing with one
    // token, the second is refused rather than replacing the first's cookie with one the browser may never keep.
    const renewed = await this.store.renew(stored, 'regenerate', 0, stored.verifier);
    this.cache.invalidate(stored.selector);
    if (!renewed) throw new SessionNotFoundError();
    const next = toActiveSession<TData>({
      ...stored, verifier: renewed.verifier, previous: undefined, graceUntil: undefined, rotatedAt: renewed.now,
      lastSeenAt: renewed.now, expiresAt: renewed.expiresAt,
    });
    const exchange = this.exchanges.exchangeOf(session);
    return exchange ? this.send(exchange, renewed.token, next) : next;
  }
}
