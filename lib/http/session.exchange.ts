import { AsyncLocalStorage } from 'node:async_hooks';
import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { Observable } from 'rxjs';
import { NOT_A_SIGN_IN_ROUTE } from '../errors/error.messages';
import { GRAPHQL_CONTEXT_TYPE, graphqlCall } from '../graphql/graphql.context';
import type { SessionRequest } from './session.request';

/** The HTTP request a SessionService call happens in, and its response: where the cookie is read and written. */
export interface SessionExchange {
  req: SessionRequest;
  res: unknown;
}

/**
 * The sign-in being handled, for SessionService.create(): it reads the cookie the request brought (fixation) and sets
 * the new one without being handed `req` and `res`. Enabled only while a @PublicRoute() handler runs: on Node 20 an
 * active AsyncLocalStorage makes every promise of the process pay a hook (measured: 17 µs of a 79 µs cached GET /me
 * on Fastify). Logouts and regenerate find their request without it (InFlightExchanges).
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
 * @throws Error outside a @PublicRoute() handler: the login would silently set no cookie. @internal
 */
export function exchangeForLogin(): SessionExchange {
  const exchange = exchangeNow();
  if (!exchange) throw new Error(NOT_A_SIGN_IN_ROUTE);
  return exchange;
}

/**
 * The handler's observable, subscribed inside a sign-in exchange, so the handler's promises are made within it
 * whatever Nest does with async contexts. Open from subscription to completion, error or unsubscription. @internal
 */
export function observeInExchange<T>(exchange: SessionExchange, handle: () => Observable<T>): Observable<T> {
  return new Observable<T>((subscriber) => {
    openSignIns++;
    try {
      signIns.run(exchange, () => handle().subscribe(subscriber));
    } finally {
      // Run when the subscriber ends (at once if it has; rxjs errors it if handle() threw). disable() drops the
      // promise hook once no other AsyncLocalStorage of the process needs it.
      subscriber.add(() => {
        if (--openSignIns === 0) signIns.disable();
      });
    }
  });
}

/**
 * Opens the sign-in exchange around a @PublicRoute() handler (which applies it): an HTTP route's request and response,
 * or a GraphQL query's or mutation's. Subscriptions, WebSocket and microservice handlers have no response to set a
 * cookie on. @internal
 */
@Injectable()
export class SessionExchangeInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const exchange = exchangeOf(context);
    return exchange ? observeInExchange(exchange, () => next.handle()) : next.handle();
  }
}

function exchangeOf(context: ExecutionContext): SessionExchange | undefined {
  const type = context.getType<string>();
  if (type === 'http') {
    const http = context.switchToHttp();
    return { req: http.getRequest<SessionRequest>(), res: http.getResponse() };
  }
  if (type !== GRAPHQL_CONTEXT_TYPE) return undefined;
  const { req, res } = graphqlCall(context);
  return req && res ? { req, res } : undefined;
}
