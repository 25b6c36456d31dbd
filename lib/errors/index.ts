export { SessionError } from './session.error';
export { SessionOptionsError } from './session-options.error';
export { SessionUnavailableError } from './session-unavailable.error';
export { SessionNotFoundError } from './session-not-found.error';
export { SessionDataTooLargeError } from './session-data-too-large.error';
export { SessionLimitError } from './session-limit.error';
export { SessionInputError } from './session-input.error';
export { SessionCsrfError } from './session-csrf.error';
