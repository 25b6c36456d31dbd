import type { ExecutionContext } from '@nestjs/common';
import type { SessionRequest } from './session-request';

/** What a GraphQL resolver's context holds, by driver: Apollo on Express passes what the app's `context` returns. */
interface GraphqlContext {
  req?: SessionRequest;
  res?: unknown;
  /** Mercurius (Fastify): the reply, whose `request` is the request. */
  reply?: { request?: SessionRequest };
}

/**
 * The request and response a handler runs for: an HTTP route's, or a GraphQL resolver's (recognised by shape, so
 * the library needs no GraphQL package). Undefined for WebSocket and microservice handlers, which have no cookie to
 * write.
 * @internal
 */
export function exchangeOfContext(context: ExecutionContext): { req: SessionRequest; res: unknown } | undefined {
  const type = context.getType<string>();
  if (type === 'http') {
    const http = context.switchToHttp();
    return { req: http.getRequest<SessionRequest>(), res: http.getResponse() };
  }
  if (type !== 'graphql') return undefined;
  const ctx = context.getArgByIndex<GraphqlContext | undefined>(2);
  if (ctx?.reply?.request) return { req: ctx.reply.request, res: ctx.reply };
  if (ctx?.req && ctx.res) return { req: ctx.req, res: ctx.res };
  return undefined;
}
