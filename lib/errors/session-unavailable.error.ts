import { SESSION_UNAVAILABLE } from './messages';
import { SessionError } from './session.error';

/**
 * Redis could not answer in time (down, failing over, full, or slower than `redisCommandTimeoutMs`): 503, so every
 * route that needs the session fails closed without an extra filter. The Redis error is kept as `cause` for logs
 * and never reaches the client.
 * @publicApi
 */
export class SessionUnavailableError extends SessionError {
  constructor(cause?: unknown) {
    super(SESSION_UNAVAILABLE, 503, 'Service Unavailable', { cause });
  }
}
