import { AsyncLocalStorage } from 'node:async_hooks';
import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import type { Observable } from 'rxjs';
import type { SessionRequest } from './session-request';

/** The HTTP request a SessionService call happens in, and its response: where the cookie is read and written. */
export interface SessionExchange {
  req: SessionRequest;
  res: unknown;
}

/**
 * The exchange of the request being handled, for the code it calls: SessionService.create() reads the cookie the
 * request brought (fixation) and sets the new one without being handed `req` and `res`. Empty outside a request
 * (a queue worker, a test calling the service directly): there the service creates sessions and returns tokens.
 * @internal
 */
export const currentExchange = new AsyncLocalStorage<SessionExchange>();

/**
 * Runs every HTTP route handler inside its exchange (registered app-wide by SessionModule). Nest binds the handler
 * to the async context that is current when `next.handle()` is called, so everything the handler awaits sees it.
 * @internal
 */
@Injectable()
export class SessionExchangeInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const http = context.switchToHttp();
    return currentExchange.run({ req: http.getRequest<SessionRequest>(), res: http.getResponse() }, () => next.handle());
  }
}
