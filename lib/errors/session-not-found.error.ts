import { UnauthorizedException } from '@nestjs/common';
import { SESSION_NOT_FOUND } from './messages';

/**
 * The token is missing, malformed, unknown, expired or was invalidated (401). Which of these it was is
 * deliberately not told to the client.
 * Nest's HttpException names the error after its class, so logs show e.g. `SessionNotFoundError`.
 * @publicApi
 */
export class SessionNotFoundError extends UnauthorizedException {
  constructor() {
    super(SESSION_NOT_FOUND);
  }
}
