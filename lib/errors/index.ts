export {
  SessionError, SessionOptionsError, SessionUnavailableError, SessionNotFoundError, SessionDataTooLargeError,
  SessionLimitError, SessionCsrfError,
} from './session.error';
export { SessionInputError } from './session-input.error';
