import { ConflictException } from '@nestjs/common';
import { SESSION_LIMIT } from './messages';

/**
 * A login was refused because the user is at `maxSessionsPerUser` and `onSessionLimit` is 'refuse' (409).
 * @publicApi
 */
export class SessionLimitError extends ConflictException {
  constructor(readonly limit: number) {
    super(SESSION_LIMIT(limit));
  }
}
