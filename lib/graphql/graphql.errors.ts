import { SessionError } from '../errors/session.error';

/**
 * Apollo's `formatError` for @nestjs/apollo: `formatError: sessionFormatError` in GraphQLModule.forRoot (or call it
 * first in yours). @nestjs/apollo turns every HttpException whose status it has no name for (503, 409, 413) into
 * INTERNAL_SERVER_ERROR; this puts back the SessionError's own code and drops the HTTP body it adds as
 * `extensions.originalError`. Other errors pass unchanged. Mercurius needs nothing (it keeps the code). @publicApi
 */
export function sessionFormatError<F extends { extensions?: Record<string, unknown> }>(
  formatted: F, error: unknown,
): F {
  let original: unknown = error;
  // Apollo hands the GraphQLError; its originalError is what the resolver (or the guard) threw.
  for (let depth = 0; depth < 3 && !(original instanceof SessionError) && original; depth++) {
    original = (original as { originalError?: unknown }).originalError;
  }
  if (!(original instanceof SessionError)) return formatted;
  const { originalError: _body, status: _status, ...rest } = formatted.extensions ?? {};
  return { ...formatted, extensions: { ...rest, code: original.extensions.code } };
}
