import { ServiceUnavailableException } from '@nestjs/common';
import { SESSION_UNAVAILABLE } from './messages';

/**
 * Redis could not answer in time (down, failing over, or slower than `redisCommandTimeoutMs`).
 * Extends Nest's 503 exception so that any route using the session fails closed without an extra filter.
 * The Redis error is kept as `cause` for logs and never reaches the client.
 * Nest's HttpException names the error after its class, so logs show e.g. `SessionNotFoundError`.
 * @publicApi
 */
export class SessionUnavailableError extends ServiceUnavailableException {
  constructor(cause?: unknown) {
    super(SESSION_UNAVAILABLE, { cause });
  }
}
