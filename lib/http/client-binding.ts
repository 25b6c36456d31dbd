import { createHash } from 'node:crypto';
import type { ResolvedSessionOptions } from '../session.options';
import { AnyRequest, headerValue } from './http-adapter';

/**
 * The hash a session is bound to: User-Agent and/or client IP, per the `binding` option. Only this hash is
 * stored, never the values. Undefined when binding is off.
 * @internal
 */
export function clientBinding(req: AnyRequest | undefined, options: ResolvedSessionOptions['binding']): string | undefined {
  if (!req || (!options.userAgent && !options.ip)) return undefined;
  const parts: string[] = [];
  if (options.userAgent) parts.push(headerValue(req, 'user-agent') ?? '');
  if (options.ip) parts.push(clientIp(req, options.trustProxy));
  return createHash('sha256').update(parts.join('\n')).digest('base64url').slice(0, 16);
}

function clientIp(req: AnyRequest, trustProxy: boolean): string {
  if (trustProxy) {
    const forwarded = headerValue(req, 'x-forwarded-for');
    if (forwarded) return forwarded.split(',')[0].trim();
  }
  // Express and Fastify both expose the socket; `raw` is Fastify's Node request.
  const socket = (req.socket ?? (req.raw as { socket?: unknown } | undefined)?.socket) as { remoteAddress?: string } | undefined;
  return socket?.remoteAddress ?? '';
}
