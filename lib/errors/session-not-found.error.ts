import { SESSION_NOT_FOUND } from './messages';
import { SessionError } from './session.error';

/** The token is missing, malformed, unknown, expired or invalidated (401); the client is not told which. @publicApi */
export class SessionNotFoundError extends SessionError {
  constructor() {
    super(SESSION_NOT_FOUND, 401, 'Unauthorized');
  }
}
