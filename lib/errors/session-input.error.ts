import { SessionError } from './session.error';

/**
 * The app passed something the library cannot store (a bad user id, device label, field name, lifetime or value, a
 * session it did not issue): 400, not 500, for a route that forwards user input. Nothing was written. @publicApi
 */
export class SessionInputError extends SessionError {
  constructor(message: string) {
    super(message, 400, 'Bad Request');
  }
}
