import { HttpException, HttpExceptionOptions } from '@nestjs/common';
import { DATA_TOO_LARGE, OPTIONS_INVALID, SESSION_LIMIT, SESSION_NOT_FOUND, SESSION_UNAVAILABLE } from './error.messages';

/** The `extensions.code` GraphQL clients see for each status (Apollo's names where Apollo has one). */
const GRAPHQL_CODES: Record<number, string> = {
  400: 'BAD_USER_INPUT', 401: 'UNAUTHENTICATED', 403: 'FORBIDDEN', 409: 'CONFLICT', 413: 'PAYLOAD_TOO_LARGE',
  503: 'SERVICE_UNAVAILABLE',
};

/** What a GraphQL error shows of a SessionError. @publicApi */
export interface SessionErrorExtensions {
  code: string;
  /** Apollo Server sets the response status from it (and removes it from the body). */
  http?: { status: number };
}

/**
 * What every error of the library extends. Each is an HttpException with its status and Nest's usual body, so a route
 * that lets one through answers with it. In a resolver, graphql-js copies `extensions` onto the GraphQL error: clients
 * see `extensions.code` (UNAUTHENTICATED, SERVICE_UNAVAILABLE...) rather than INTERNAL_SERVER_ERROR. @publicApi
 */
export class SessionError extends HttpException {
  readonly extensions: SessionErrorExtensions;

  constructor(message: string, status: number, error: string, options?: HttpExceptionOptions) {
    super(HttpException.createBody(message, error, status), status, options);
    this.extensions = { code: GRAPHQL_CODES[status] ?? 'INTERNAL_SERVER_ERROR' };
  }
}

/**
 * Thrown at boot when SessionModule options are invalid, listing every problem with its dotted path. A SessionError
 * only so that one `instanceof` catches every library error; no client sees it. @publicApi
 */
export class SessionOptionsError extends SessionError {
  constructor(readonly problems: string[]) {
    super(OPTIONS_INVALID(problems), 500, 'Invalid Session Options');
  }
}

/**
 * Redis could not answer in time (down, failing over, full, slower than `redisCommandTimeoutMs`): 503, so a route
 * that needs the session fails closed. The Redis error is its `cause`, for logs only. @publicApi
 */
export class SessionUnavailableError extends SessionError {
  constructor(cause?: unknown) {
    super(SESSION_UNAVAILABLE, 503, 'Service Unavailable', { cause });
  }
}

/** The token is missing, malformed, unknown, expired or invalidated (401); the client is not told which. @publicApi */
export class SessionNotFoundError extends SessionError {
  constructor() {
    super(SESSION_NOT_FOUND, 401, 'Unauthorized');
  }
}

/** A write would take the session's data over `maxDataBytes` (413). Nothing was written. @publicApi */
export class SessionDataTooLargeError extends SessionError {
  constructor(readonly bytes: number, readonly limit: number) {
    super(DATA_TOO_LARGE(bytes, limit), 413, 'Payload Too Large');
  }
}

/** A login refused: the user is at `maxSessionsPerUser` and `onSessionLimit` is 'refuse' (409). @publicApi */
export class SessionLimitError extends SessionError {
  constructor(readonly limit: number) {
    super(SESSION_LIMIT(limit), 409, 'Conflict');
  }
}

/**
 * An unsafe request that looks forged (403): cross-site by Fetch Metadata or Origin, or without the session's CSRF
 * token in `token` mode; nothing was done. In GraphQL: FORBIDDEN, and HTTP 403 where the server lets an error set it
 * (Apollo: `extensions.http.status`; Mercurius: `statusCode`, when `data` is null). @publicApi
 */
export class SessionCsrfError extends SessionError {
  readonly statusCode = 403;

  constructor(reason: string) {
    super(`Cross-site request refused: ${reason}`, 403, 'Forbidden');
    this.extensions.http = { status: 403 };
  }
}
