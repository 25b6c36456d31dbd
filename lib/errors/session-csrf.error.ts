import { SessionError } from './session.error';

/**
 * An unsafe request that looks forged (403): cross-site by the browser's Fetch Metadata or its Origin, or without the
 * session's CSRF token in `token` mode. Nothing was done.
 * @publicApi
 */
export class SessionCsrfError extends SessionError {
  constructor(reason: string) {
    super(`Cross-site request refused: ${reason}`, 403, 'Forbidden');
  }
}
