import type { InFlightExchanges } from './http/in-flight.exchanges';
import { exchangeForLogin, SessionExchange } from './http/session.exchange';
import type { SessionCookie } from './http/session.cookie';
import { attachSession } from './session.constants';
import { cookieMaxAge, presented, PresentedToken } from './session.resolver';
import type { ActiveSession } from './session.types';

/**
 * The one place SessionService touches HTTP. A login (in a @PublicRoute() handler) reads the cookie the client
 * brought and sets the new one; a regenerate replaces the cookie of the request its session was handed to; a logout
 * clears the cookie of the requests still being handled with the sessions it ended (InFlightExchanges).
 * @internal
 */
export class SessionResponder {
  constructor(private readonly cookie: SessionCookie, private readonly exchanges: InFlightExchanges) {}

  /**
   * The exchange a login runs in, and the token its cookie presents (the session the login ends).
   * @throws Error outside a @PublicRoute() handler: the login would silently set no cookie
   */
  login(): { exchange: SessionExchange; previous: PresentedToken | null } {
    const exchange = exchangeForLogin();
    return { exchange, previous: presented(this.cookie.read(exchange.req)) };
  }

  /** Sets the session's cookie and puts the session on the request; returns the object the request holds. */
  send<T extends ActiveSession>(exchange: SessionExchange, token: string, session: T): T {
    this.cookie.write(exchange.res, token, cookieMaxAge(session));
    const own = this.exchanges.add(session, exchange);
    attachSession(exchange.req, own);
    return own;
  }

  /** The request `session` (the object SessionGuard handed to its handler) is being handled for. */
  own(session: ActiveSession): SessionExchange | undefined {
    return this.exchanges.exchangeOf(session);
  }

  /** Clears the cookie of the user's requests still being handled with a session that ended (all, or `matches`). */
  clear(userId: string, matches?: (sessionId: string) => boolean): void {
    for (const { res } of this.exchanges.pending(userId, matches)) this.cookie.clear(res);
  }
}
