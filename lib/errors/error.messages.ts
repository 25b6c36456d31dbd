/** Every message the library shows, in one place so the wording stays consistent. @internal */
export const OPTIONS_INVALID = (lines: string[]) => `SessionModule: ${lines.join('; ')}`;
export const SESSION_NOT_FOUND = 'Session not found or expired';
export const SESSION_UNAVAILABLE = 'Session store unavailable';
export const DATA_TOO_LARGE = (bytes: number, limit: number) =>
  `Session data would be ${bytes} bytes, over the maxDataBytes limit of ${limit}; nothing was written`;
export const FIELD_NAME_INVALID = (name: string) =>
  `Session data field name ${JSON.stringify(name)} is invalid: use 1-64 characters of well-formed Unicode, no control characters`;
export const VALUE_NOT_JSON = (name: string) =>
  `Session data field ${JSON.stringify(name)} must be JSON-serialisable (got undefined, a function or a cycle)`;
export const SESSION_LIMIT = (limit: number) =>
  `This account already has ${limit} active sessions (maxSessionsPerUser); sign out elsewhere first`;
export const LIFETIME_INVALID = (name: string, value: unknown) =>
  `${name} must be a positive integer number of seconds, got ${JSON.stringify(value)}`;
export const TEXT_INVALID = (what: string, value: unknown) =>
  `${what} must be 1-256 characters of well-formed Unicode without control characters, got ${JSON.stringify(value)}`;
export const NO_ACTIVE_SESSION =
  'No session on this request: put SessionGuard on the route (or the controller) before reading @Session()';
export const NOT_A_SIGN_IN_ROUTE =
  'SessionService.create() sets the cookie of the sign-in request it runs in, and this is not one: mark the route ' +
  '(or resolver) @PublicRoute(), or call issue() to get the token without a cookie (workers, tests, bearer clients)';
export const NO_GRAPHQL_REQUEST =
  'SessionGuard found no request in this GraphQL context: with Apollo on Express give GraphQLModule ' +
  '`context: ({ req, res }) => ({ req, res })`; for subscriptions, `graphql-ws`: sockets.graphqlWs() (Apollo) or ' +
  '`subscription: sockets.mercuriusSubscription()` (Mercurius)';
