import { SessionError } from './session.error';

/**
 * The app passed the library something it cannot store: a user id or device label with control characters or
 * broken Unicode, a bad data field name, a value that is not JSON, a bad lifetime, an object that is not a session
 * the library issued. A 400, so a route that forwards user input (a device label from a login form) answers "bad
 * request" instead of a 500; nothing was written.
 * @publicApi
 */
export class SessionInputError extends SessionError {
  constructor(message: string) {
    super(message, 400, 'Bad Request');
  }
}
