import { createHash } from 'node:crypto';
import type { ResolvedSessionOptions } from '../options/session.options';
import { SessionRequest, headerValue } from './session.request';

/** The hash (never the values) of User-Agent and/or client IP a session is bound to; undefined when off. @internal */
export function clientBinding(req: SessionRequest | undefined, options: ResolvedSessionOptions['binding']): string | undefined {
  if (!req || (!options.userAgent && !options.ip)) return undefined;
  const parts: string[] = [];
  if (options.userAgent) parts.push(headerValue(req, 'user-agent') ?? '');
  if (options.ip) parts.push(clientIp(req, options.trustProxy));
  return createHash('sha256').update(parts.join('\n')).digest('base64url').slice(0, 16);
}

/**
 * The client's address behind `hops` trusted proxies. Each appends the address it got the request from, so only the
 * rightmost `hops` entries of X-Forwarded-For are ours (the client writes the rest). Counted as Express's numeric
 * `trust proxy` does (socket peer hop 0, rightmost entry hop 1); with fewer entries than hops, the furthest there is.
 */
export function clientIp(req: SessionRequest, hops: number): string {
  // Express and Fastify both expose the socket; `raw` is Fastify's Node request.
  const socket = (req.socket ?? (req.raw as { socket?: unknown } | undefined)?.socket) as { remoteAddress?: string } | undefined;
  const peer = socket?.remoteAddress ?? '';
  if (hops <= 0) return peer;
  const entries = (headerValue(req, 'x-forwarded-for') ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  return entries.length === 0 ? peer : entries[Math.max(0, entries.length - hops)];
}
