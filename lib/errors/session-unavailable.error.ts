import { SESSION_UNAVAILABLE } from './messages';
import { SessionError } from './session.error';

/**
 * Redis could not answer in time (down, failing over, full, slower than `redisCommandTimeoutMs`): 503, so a route
 * that needs the session fails closed without a filter. The Redis error is its `cause`, for logs, never the client.
 * @publicApi
 */
export class SessionUnavailableError extends SessionError {
  constructor(cause?: unknown) {
    super(SESSION_UNAVAILABLE, 503, 'Service Unavailable', { cause });
  }
}
