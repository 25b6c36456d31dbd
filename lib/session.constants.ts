/** Metadata key of @PublicRoute(), namespaced so it cannot clash with another library's. */
export const PUBLIC_ROUTE_METADATA = 'SESSION:PUBLIC_ROUTE';

/** Where the guard puts the resolved session on the request. A symbol: it never collides and never serialises. */
export const REQUEST_SESSION = Symbol.for('nestjs-redis-session:session');
