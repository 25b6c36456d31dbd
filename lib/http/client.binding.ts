import { createHash } from 'node:crypto';
import type { ResolvedSessionOptions } from '../options/session.options';
import { SessionRequest, headerValue } from './session-request';

/**
 * The hash a session is bound to: User-Agent and/or client IP, per the `binding` option. Only this hash is
 * stored, never the values. Undefined when binding is off.
 * @internal
 */
export function clientBinding(req: SessionRequest | undefined, options: ResolvedSessionOptions['binding']): string | undefined {
  if (!req || (!options.userAgent && !options.ip)) return undefined;
  const parts: string[] = [];
  if (options.userAgent) parts.push(headerValue(req, 'user-agent') ?? '');
  if (options.ip) parts.push(clientIp(req, options.trustProxy));
  return createHash('sha256').update(parts.join('\n')).digest('base64url').slice(0, 16);
}

/**
 * The client's address with `hops` trusted proxies in front of the app. Each proxy appends the address it received
 * the request from, so only the rightmost `hops` entries of X-Forwarded-For were written by proxies we run; the
 * client writes whatever it likes to the left of them. Counting from the right, as Express's numeric `trust proxy`
 * does: the socket peer is hop 0, the rightmost entry hop 1, and so on; with fewer entries than hops, the furthest
 * one there is.
 */
export function clientIp(req: SessionRequest, hops: number): string {
  // Express and Fastify both expose the socket; `raw` is Fastify's Node request.
  const socket = (req.socket ?? (req.raw as { socket?: unknown } | undefined)?.socket) as { remoteAddress?: string } | undefined;
  const peer = socket?.remoteAddress ?? '';
  if (hops <= 0) return peer;
  const forwarded = headerValue(req, 'x-forwarded-for');
  if (!forwarded) return peer;
  const entries = forwarded.split(',').map((s) => s.trim()).filter(Boolean);
  if (entries.length === 0) return peer;
  return entries[Math.max(0, entries.length - hops)];
}
