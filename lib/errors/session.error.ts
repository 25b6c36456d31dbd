import { HttpException, HttpExceptionOptions } from '@nestjs/common';

/**
 * What every error the library throws extends: catch them all with one `instanceof SessionError` (an exception
 * filter, a GraphQL formatter). Each is an HttpException with its status, so a route that lets one through answers
 * with that status and Nest's usual body (`{ statusCode, message, error }`); the class name shows in logs.
 * @publicApi
 */
export class SessionError extends HttpException {
  constructor(message: string, status: number, error: string, options?: HttpExceptionOptions) {
    super(HttpException.createBody(message, error, status), status, options);
  }
}
