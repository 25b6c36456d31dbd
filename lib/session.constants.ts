/** Metadata key of @PublicRoute(), namespaced so it cannot clash with another library's. */
export const PUBLIC_ROUTE_METADATA = 'SESSION:PUBLIC_ROUTE';

/** Where the guard puts the resolved session on the request. A symbol: it never collides and never serialises. */
export const REQUEST_SESSION = Symbol.for('nestjs-redis-session:session');

/** Where SessionSockets.attach leaves its pending authentication on a WebSocket client. */
export const SOCKET_SESSION_PENDING = Symbol.for('nestjs-redis-session:pending');

/** Puts the session where @Session() finds it, on a request or a WebSocket client. */
export function attachSession(holder: object, session: unknown): void {
  (holder as Record<symbol, unknown>)[REQUEST_SESSION] = session;
}
