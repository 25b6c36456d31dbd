/**
 * What the library reads from a request: an Express `Request`, a `FastifyRequest`, a Node `IncomingMessage` (a
 * WebSocket upgrade) all fit, typed as they are. No index signature, so typed requests need no cast.
 * @publicApi
 */
export interface SessionRequest {
  headers: Record<string, string | string[] | undefined>;
  method?: string;
  socket?: { remoteAddress?: string };
  /** Fastify's Node request. */
  raw?: unknown;
}

/** One request header as a string (repeated headers joined). @internal */
export function headerValue(req: SessionRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join('; ') : v;
}
