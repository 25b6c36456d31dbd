import { SESSION_LIMIT } from './messages';
import { SessionError } from './session.error';

/** A login refused: the user is at `maxSessionsPerUser` and `onSessionLimit` is 'refuse' (409). @publicApi */
export class SessionLimitError extends SessionError {
  constructor(readonly limit: number) {
    super(SESSION_LIMIT(limit), 409, 'Conflict');
  }
}
