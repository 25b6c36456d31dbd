import { AsyncLocalStorage } from 'node:async_hooks';
import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { Observable } from 'rxjs';
import { NOT_A_SIGN_IN_ROUTE } from '../errors/messages';
import type { SessionRequest } from './session-request';
import { exchangeOfContext } from './exchange.context';

/** The HTTP request a SessionService call happens in, and its response: where the cookie is read and written. */
export interface SessionExchange {
  req: SessionRequest;
  res: unknown;
}

/**
 * The exchange of the sign-in being handled, for SessionService.create(): it reads the cookie the request brought
 * (fixation) and sets the new one without being handed `req` and `res`.
 * Open only while a @PublicRoute() handler runs, and enabled only while one does: on Node 20 an active
 * AsyncLocalStorage makes every promise of the process pay a hook (measured: 17 µs of a 79 µs cached GET /me on
 * Fastify), so reads never turn it on. Logouts and regenerate find their request without it (InFlightExchanges).
 */
const signIns = new AsyncLocalStorage<SessionExchange>();
let openSignIns = 0;

/** The sign-in exchange being handled; undefined outside a @PublicRoute() handler. @internal */
export function exchangeNow(): SessionExchange | undefined {
  return openSignIns > 0 ? signIns.getStore() : undefined;
}

/** How many sign-ins are running (the storage is on while any is). @internal */
export function signInsRunning(): number {
  return openSignIns;
}

/**
 * exchangeNow() for create(), which must set its cookie.
 * @throws Error outside a @PublicRoute() handler: the login would silently set no cookie
 * @internal
 */
export function exchangeForLogin(): SessionExchange {
  const exchange = exchangeNow();
  if (!exchange) throw new Error(NOT_A_SIGN_IN_ROUTE);
  return exchange;
}

/**
 * The handler's observable, subscribed inside a sign-in exchange: the handler runs (and its promises are made)
 * within it, whatever Nest does with async contexts. Open from subscription to completion, error or unsubscription.
 * @internal
 */
export function observeInExchange<T>(exchange: SessionExchange, handle: () => Observable<T>): Observable<T> {
  return new Observable<T>((subscriber) => {
    openSignIns++;
    let subscription: { unsubscribe(): void };
    try {
      subscription = signIns.run(exchange, () => handle().subscribe(subscriber));
    } catch (err) {
      closeSignIn();
      throw err;
    }
    return () => {
      subscription.unsubscribe();
      closeSignIn();
    };
  });
}

function closeSignIn(): void {
  // disable() drops the promise hook once no other AsyncLocalStorage of the process needs it.
  if (--openSignIns === 0) signIns.disable();
}

/**
 * Opens the sign-in exchange around a @PublicRoute() handler (HTTP routes and GraphQL resolvers), so create() can
 * set the cookie of the request it runs in. @PublicRoute() applies it.
 * @internal
 */
@Injectable()
export class SessionExchangeInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const exchange = exchangeOfContext(context);
    return exchange ? observeInExchange(exchange, () => next.handle()) : next.handle();
  }
}
