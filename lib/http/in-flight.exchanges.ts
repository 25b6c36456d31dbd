import { Injectable } from '@nestjs/common';
import { copyOf } from '../session.internals';
import type { ActiveSession } from '../session.types';
import { SessionCookie } from './session.cookie';
import type { SessionExchange } from './session.exchange';

interface Tracked {
  /** The object the request's handler was given: what regenerate() is called with. */
  session: ActiveSession;
  exchange: SessionExchange;
}

/** How many requests are tracked between two sweeps of the answered ones. */
const SWEEP_EVERY = 256;

/**
 * The requests being handled with a session, where a logout or a regenerate finds the cookie to clear or replace
 * without an AsyncLocalStorage on every request (see session.exchange.ts). SessionGuard adds each request it lets
 * through with a session; it leaves once its response is sent. Logouts clear the cookie of every in-flight request of
 * the sessions they end; regenerate() replaces only that of the request its session object was handed to (the browser
 * takes the new token from that response). @internal
 */
@Injectable()
export class InFlightExchanges {
  // No WeakMap keyed by sessions: its values (requests, responses) would live on as ephemerons and cost every
  // request ~30 µs of garbage collection (measured on a cached GET /me); a user's few in-flight requests are a list.
  private readonly byUser = new Map<string, Tracked[]>();
  private added = 0;

  constructor(private readonly cookie: SessionCookie) {}

  /**
   * Tracks a request made with `session`; returns the session object to hand to its handler: `session` itself, or
   * a copy when another request in flight holds that object (the cache serves one object to concurrent requests).
   */
  add<T extends ActiveSession>(session: T, exchange: SessionExchange): T {
    let list = this.byUser.get(session.userId);
    if (!list) this.byUser.set(session.userId, (list = []));
    // Answered requests leave when the list doubles (8, 16, 32…), not on every add: one hot session's concurrent
    // requests would otherwise each ask every other response whether it went out (~3 µs per request at 20).
    else if (list.length >= 8 && (list.length & (list.length - 1)) === 0) this.keepPending(list);
    const own = list.some((t) => t.session === session) ? (copyOf(session) as T) : session;
    list.push({ session: own, exchange });
    if (++this.added % SWEEP_EVERY === 0) this.sweep();
    return own;
  }

  /** The request `session` (the object its handler was given) is being handled for, while it can take a cookie. */
  exchangeOf(session: ActiveSession): SessionExchange | undefined {
    return this.of(session.userId).find((t) => t.session === session)?.exchange;
  }

  /** `userId`'s requests made with a session `matches` accepts whose responses are still to be sent. */
  pending(userId: string, matches: (sessionId: string) => boolean = () => true): SessionExchange[] {
    return this.of(userId).filter((t) => matches(t.session.id)).map((t) => t.exchange);
  }

  private of(userId: string): Tracked[] {
    const list = this.byUser.get(userId) ?? [];
    this.keepPending(list);
    if (list.length === 0) this.byUser.delete(userId);
    return list;
  }

  /** Drops the requests whose responses have gone out. */
  private keepPending(list: Tracked[]): void {
    let kept = 0;
    for (const t of list) if (!this.cookie.isSent(t.exchange.res)) list[kept++] = t;
    list.length = kept;
  }

  private sweep(): void {
    for (const userId of this.byUser.keys()) this.of(userId);
  }
}
