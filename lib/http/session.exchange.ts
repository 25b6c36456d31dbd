import { AsyncLocalStorage } from 'node:async_hooks';
import { Injectable, NestMiddleware } from '@nestjs/common';
import { NO_GUARD_ON_ROUTE } from '../errors/messages';
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
 * The middleware opens an empty slot for each request; SessionGuard fills it with the request and response as the
 * adapter gives them to handlers (Express's, or Fastify's request and reply, not the raw Node objects middleware
 * sees).
 * @internal
 */
export const currentExchange = new AsyncLocalStorage<Partial<SessionExchange>>();

/** The exchange of the request being handled, once SessionGuard has filled it; undefined otherwise. @internal */
export function exchangeNow(): SessionExchange | undefined {
  const slot = currentExchange.getStore();
  return slot?.req ? (slot as SessionExchange) : undefined;
}

/**
 * exchangeNow() for a login, which must set its cookie.
 * @throws Error inside a request whose route SessionGuard did not run on: the login would silently set no cookie
 * @internal
 */
export function exchangeForLogin(): SessionExchange | undefined {
  if (currentExchange.getStore() && !exchangeNow()) throw new Error(NO_GUARD_ON_ROUTE);
  return exchangeNow();
}

/** Runs `rest` (the rest of a request's handling) with an empty exchange slot for SessionGuard to fill. @internal */
export function openExchangeSlot(rest: () => void): void {
  currentExchange.run({}, rest);
}

/**
 * Runs the rest of every HTTP request inside its exchange slot (applied to all routes by SessionModule). A
 * middleware rather than an interceptor: Nest binds each interceptor call to its async context with
 * AsyncResource.bind, which on Node 20 costs more than the whole cached request (measured: 0.20x bare Fastify).
 * @internal
 */
@Injectable()
export class SessionExchangeMiddleware implements NestMiddleware {
  use(_req: unknown, _res: unknown, next: () => void): void {
    openExchangeSlot(next);
  }
}
