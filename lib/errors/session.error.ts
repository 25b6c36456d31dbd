import { HttpException, HttpExceptionOptions } from '@nestjs/common';

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
 * What every error of the library extends: one `instanceof SessionError` catches them all. Each is an HttpException
 * with its status, so a route that lets one through answers with it and Nest's usual body (`{ statusCode, message,
 * error }`). In a resolver, graphql-js copies `extensions` onto the GraphQL error: clients see `extensions.code`
 * (UNAUTHENTICATED, SERVICE_UNAVAILABLE, FORBIDDEN...) rather than INTERNAL_SERVER_ERROR.
 * @publicApi
 */
export class SessionError extends HttpException {
  readonly extensions: SessionErrorExtensions;

  constructor(message: string, status: number, error: string, options?: HttpExceptionOptions) {
    super(HttpException.createBody(message, error, status), status, options);
    this.extensions = { code: GRAPHQL_CODES[status] ?? 'INTERNAL_SERVER_ERROR' };
  }
}
