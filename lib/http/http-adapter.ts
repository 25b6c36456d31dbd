/**
 * What the library reads from a request: an Express `Request`, a `FastifyRequest`, a Node `IncomingMessage` (a
 * WebSocket upgrade) all fit, typed as they are. No index signature, so typed requests need no cast.
 * Below it, the few response operations the library needs, on both Express and Fastify, without depending on
 * either: Express responses have `append`; Fastify replies have `header` and a `raw` Node response.
 * @publicApi
 */
export interface SessionRequest {
  headers: Record<string, string | string[] | undefined>;
  socket?: { remoteAddress?: string };
  /** Fastify's Node request. */
  raw?: unknown;
}


type ExpressLike = { append(name: string, value: string | string[]): unknown; getHeader(name: string): unknown };
type FastifyLike = { header(name: string, value: unknown): unknown; getHeader(name: string): unknown; raw: unknown };

export function appendHeader(res: unknown, name: string, value: string): void {
  const r = res as Partial<ExpressLike & FastifyLike> & { setHeader?: (n: string, v: unknown) => void };
  const current = typeof r.getHeader === 'function' ? r.getHeader(name) : undefined;
  if (typeof r.append === 'function') {
    r.append(name, value);
    return;
  }
  // Fastify's reply.header() appends Set-Cookie values itself; merging here would repeat the earlier ones.
  if (typeof r.header === 'function') r.header(name, value);
  else if (typeof r.setHeader === 'function') r.setHeader(name, current === undefined ? value : ([] as unknown[]).concat(current, value));
}

/** Adds a token to a comma-separated header such as Vary, once. */
export function addHeaderToken(res: unknown, name: string, token: string): void {
  const r = res as { getHeader?: (n: string) => unknown; header?: (n: string, v: string) => unknown; setHeader?: (n: string, v: string) => void };
  const current = r.getHeader?.(name);
  if (current === undefined) {
    // The common case (nothing set yet) without splitting and joining.
    if (typeof r.header === 'function' && 'raw' in (res as object)) r.header(name, token);
    else r.setHeader?.(name, token);
    return;
  }
  const list = current === undefined ? [] : String(current).split(',').map((s) => s.trim()).filter(Boolean);
  if (list.some((t) => t.toLowerCase() === token.toLowerCase())) return;
  const value = [...list, token].join(', ');
  if (typeof r.header === 'function' && 'raw' in (res as object)) r.header(name, value);
  else r.setHeader?.(name, value);
}

export function headerValue(req: SessionRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join('; ') : v;
}
