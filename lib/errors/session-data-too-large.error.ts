import { DATA_TOO_LARGE } from './messages';
import { SessionError } from './session.error';

/** A write would take the session's data over `maxDataBytes` (413). Nothing was written. @publicApi */
export class SessionDataTooLargeError extends SessionError {
  constructor(readonly bytes: number, readonly limit: number) {
    super(DATA_TOO_LARGE(bytes, limit), 413, 'Payload Too Large');
  }
}
