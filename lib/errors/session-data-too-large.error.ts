import { PayloadTooLargeException } from '@nestjs/common';
import { DATA_TOO_LARGE } from './messages';

/**
 * A write would take the session's data over `maxDataBytes` (413). Nothing was written.
 * Nest's HttpException names the error after its class, so logs show e.g. `SessionNotFoundError`.
 * @publicApi
 */
export class SessionDataTooLargeError extends PayloadTooLargeException {
  constructor(readonly bytes: number, readonly limit: number) {
    super(DATA_TOO_LARGE(bytes, limit));
  }
}
