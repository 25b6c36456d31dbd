import { defer, lastValueFrom } from 'rxjs';
import { observeInExchange, SessionExchange } from '../../lib/http/session.exchange';

/** Runs `fn` as a @PublicRoute() handler runs: inside a sign-in exchange, closed when its promise settles. */
export function runInExchange<T>(exchange: SessionExchange, fn: () => Promise<T>): Promise<T> {
  return lastValueFrom(observeInExchange(exchange, () => defer(fn)));
}
