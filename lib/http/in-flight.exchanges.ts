import { Injectable } from '@nestjs/common';
import { storedOf, toActiveSession } from '../session.internals';
import type { ActiveSession } from '../session.types';
import { SessionCookie } from './session.cookie';
import type { SessionExchange } from './session.exchange';

interface Tracked {
  sessionId: string;
  exchange: SessionExchange;
}

/** How many requests are tracked between two sweeps of the answered ones. */
const SWEEP_EVERY = 256;

/**
 * The requests being handled with a session: where a logout, a revoke or a regenerate finds the cookie to clear or
 * replace, without an AsyncLocalStorage on every request (see session.exchange.ts). SessionGuard adds each request it
 * lets through with a session; a request leaves once its response is sent (one that has gone out takes no cookie).
 * Logouts (destroy, destroyAllForUser, revoke) clear the cookie of every in-flight request of the sessions they end,
 * whose tokens open nothing any more. regenerate() replaces the cookie of exactly the request its session object was
 * handed to: a concurrent request of the same session answers as it would have (the browser takes the new token from the
 * regenerating response).
 * @internal
 */
@Injectable()
export class InFlightExchanges {
  private readonly byUser = new Map<string, Tracked[]>();
  private readonly bySession = new WeakMap<ActiveSession, SessionExchange>();
  private added = 0;

  constructor(private readonly cookie: SessionCookie) {}

  /**
   * Tracks a request made with `session`; returns the session object to hand to its handler: `session` itself, or
   * a copy when another request already holds that object (concurrent requests resolved by one Redis read).
   */
  add<T extends ActiveSession>(session: T, exchange: SessionExchange): T {
    const own = this.bySession.has(session) ? (toActiveSession(storedOf(session)) as T) : session;
    this.bySession.set(own, exchange);
    this.track(own.userId, own.id, exchange);
    return own;
  }

  /** The request `session` was handed to, while its response is still to be sent. */
  exchangeOf(session: ActiveSession): SessionExchange | undefined {
    const exchange = this.bySession.get(session);
    return exchange && !this.cookie.isSent(exchange.res) ? exchange : undefined;
  }

  private track(userId: string, sessionId: string, exchange: SessionExchange): void {
    const list = this.byUser.get(userId);
    if (list) this.keepPending(list);
    if (list?.length) list.push({ sessionId, exchange });
    else this.byUser.set(userId, [{ sessionId, exchange }]);
    if (++this.added % SWEEP_EVERY === 0) this.sweep();
  }

  /** `userId`'s requests made with a session `matches` accepts whose responses are still to be sent. */
  of(userId: string, matches: (sessionId: string) => boolean = () => true): SessionExchange[] {
    const list = this.byUser.get(userId);
    if (!list) return [];
    this.keepPending(list);
    if (list.length === 0) this.byUser.delete(userId);
    return list.filter((t) => matches(t.sessionId)).map((t) => t.exchange);
  }

  /** Drops the requests whose responses have gone out. */
  private keepPending(list: Tracked[]): void {
    for (let i = list.length - 1; i >= 0; i--) {
      if (this.cookie.isSent(list[i].exchange.res)) list.splice(i, 1);
    }
  }

  private sweep(): void {
    for (const [userId, list] of this.byUser) {
      this.keepPending(list);
      if (list.length === 0) this.byUser.delete(userId);
    }
  }
}
