/** Metadata key of @PublicRoute(), namespaced so it cannot clash with another library's. */
export const PUBLIC_ROUTE_METADATA = 'SESSION:PUBLIC_ROUTE';

/** The key of the session the guard resolved for a request. A symbol: it never collides and never serialises. */
export const REQUEST_SESSION = Symbol.for('nestjs-redis-session:session');

/** Where SessionSockets.attach leaves its pending authentication on a WebSocket client. */
export const SOCKET_SESSION_PENDING = Symbol.for('nestjs-redis-session:pending');

/**
 * Where a request's session is kept: on Express, in `res.locals` (the dictionary Express makes for each request);
 * elsewhere (Fastify, a WebSocket client) on the holder itself. Not on an Express request: a property added to one
 * changes its hidden class, and Express's own code then runs slower for the rest of the request (a cached GET /me:
 * 0.74 -> 0.83 of bare Nest's req/s, side by side: bench/README.md).
 */
function slotOf(holder: object): Record<symbol, unknown> {
  const locals = (holder as { res?: { locals?: unknown } }).res?.locals;
  return (typeof locals === 'object' && locals !== null ? locals : holder) as Record<symbol, unknown>;
}

/** Puts the session where @Session() finds it, for a request or a WebSocket client. */
export function attachSession(holder: object, session: unknown): void {
  slotOf(holder)[REQUEST_SESSION] = session;
}

/** The session attachSession() put there: undefined if none was, null for a public route without one. */
export function attachedSession<T>(holder: object): T | null | undefined {
  return slotOf(holder)[REQUEST_SESSION] as T | null | undefined;
}
