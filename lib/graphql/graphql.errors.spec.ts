import { SessionCsrfError, SessionLimitError, SessionNotFoundError, SessionUnavailableError } from '../errors';
import { sessionFormatError } from './graphql.errors';

describe('SessionError extensions and sessionFormatError', () => {
  it('every SessionError names its GraphQL code; a CSRF refusal also its HTTP status', () => {
    expect(new SessionNotFoundError().extensions).toEqual({ code: 'UNAUTHENTICATED' });
    expect(new SessionUnavailableError().extensions).toEqual({ code: 'SERVICE_UNAVAILABLE' });
    expect(new SessionLimitError(2).extensions).toEqual({ code: 'CONFLICT' });
    const csrf = new SessionCsrfError('Sec-Fetch-Site is cross-site');
    expect(csrf.extensions).toEqual({ code: 'FORBIDDEN', http: { status: 403 } });
    expect(csrf.statusCode).toBe(403);
    // The HTTP side is unchanged: Nest's body and status.
    expect(new SessionUnavailableError().getResponse()).toEqual({ statusCode: 503, message: 'Session store unavailable', error: 'Service Unavailable' });
  });

  it('puts back the code @nestjs/apollo replaced, and drops the HTTP body it added; other errors pass unchanged', () => {
    // As @nestjs/apollo's transform leaves a 503: INTERNAL_SERVER_ERROR, status, the HTTP body as originalError.
    const formatted = {
      message: 'Session store unavailable',
      path: ['me'],
      extensions: { code: 'INTERNAL_SERVER_ERROR', status: 503, originalError: { statusCode: 503 } },
    };
    const graphqlError = { originalError: new SessionUnavailableError() };
    expect(sessionFormatError(formatted, graphqlError)).toEqual({
      message: 'Session store unavailable', path: ['me'], extensions: { code: 'SERVICE_UNAVAILABLE' },
    });
    const other = { message: 'boom', extensions: { code: 'INTERNAL_SERVER_ERROR' } };
    expect(sessionFormatError(other, { originalError: new Error('boom') })).toBe(other);
  });
});
