import { exchangeForLogin, exchangeNow, SessionExchange } from './http/session.exchange';
import { SessionCookie } from './http/session.cookie';
import { attachSession, REQUEST_SESSION } from './session.constants';
import { cookieMaxAge, presented, PresentedToken } from './session.resolver';
import type { ActiveSession } from './session.types';

/**
 * The one place SessionService touches HTTP: the request it is called in, found through the exchange slot. A login
 * reads the cookie the client brought and sets the new one, a regenerate replaces it, ending the request's own
 * session clears it. Outside a request (a queue worker, a WebSocket, a test) there is no exchange: nothing is written.
 * @internal
 */
export class SessionResponder {
  constructor(private readonly cookie: SessionCookie) {}

  /**
   * The exchange a login runs in, and the token its cookie presents (the session the login ends).
   * @throws Error in a request whose route SessionGuard did not run on: the login would silently set no cookie
   */
  login(): { exchange?: SessionExchange; previous: PresentedToken | null } {
    const exchange = exchangeForLogin();
    return { exchange, previous: exchange ? presented(this.cookie.read(exchange.req)) : null };
  }

  /** Sets the session's cookie on the response, and puts the session on the request for @Session(). */
  send(exchange: SessionExchange | undefined, token: string, session: ActiveSession): void {
    if (!exchange) return;
    this.cookie.write(exchange.res, token, cookieMaxAge(session));
    attachSession(exchange.req, session);
  }

  /** The request being handled, when the session it was made with matches. */
  own(matches: (own: ActiveSession) => boolean): SessionExchange | undefined {
    const exchange = exchangeNow();
    const own = exchange && ((exchange.req as unknown as Record<symbol, unknown>)[REQUEST_SESSION] as ActiveSession | null | undefined);
    return own && matches(own) ? exchange : undefined;
  }

  /** Clears the cookie when the request being handled was made with a session that matches (one that just ended). */
  clearIf(matches: (own: ActiveSession) => boolean): void {
    const exchange = this.own(matches);
    if (exchange) this.cookie.clear(exchange.res);
  }
}
