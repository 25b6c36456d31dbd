import { SESSION_NOT_FOUND } from './messages';
import { SessionError } from './session.error';

/**
 * The token is missing, malformed, unknown, expired or was invalidated (401). Which of these it was is
 * deliberately not told to the client.
 * @publicApi
 */
export class SessionNotFoundError extends SessionError {
  constructor() {
    super(SESSION_NOT_FOUND, 401, 'Unauthorized');
  }
}
