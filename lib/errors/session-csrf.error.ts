import { SessionError } from './session.error';

/**
 * An unsafe request that looks forged (403): cross-site by Fetch Metadata or Origin, or without the session's CSRF
 * token in `token` mode; nothing was done. In GraphQL: FORBIDDEN, and HTTP 403 where the server lets an error set it
 * (Apollo: `extensions.http.status`; Mercurius: `statusCode`, used when the error leaves `data` null).
 * @publicApi
 */
export class SessionCsrfError extends SessionError {
  readonly statusCode = 403;

  constructor(reason: string) {
    super(`Cross-site request refused: ${reason}`, 403, 'Forbidden');
    this.extensions.http = { status: 403 };
  }
}
