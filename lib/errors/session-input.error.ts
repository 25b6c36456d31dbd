import { SessionError } from './session.error';

/**
 * The app passed something the library cannot store (a user id or device label with control characters or broken
 * Unicode, a bad field name, lifetime or value, an object that is not a session it issued): 400, so a route that
 * forwards user input answers "bad request", not 500. Nothing was written. @publicApi
 */
export class SessionInputError extends SessionError {
  constructor(message: string) {
    super(message, 400, 'Bad Request');
  }
}
