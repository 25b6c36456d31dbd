import type { ExecutionContext } from '@nestjs/common';
import type { SessionRequest } from '../http/session.request';

/**
 * A GraphQL resolver call, recognised by shape so the library never imports @nestjs/graphql, graphql or mercurius
 * (optional for users). Nest gives resolvers `[root, args, context, info]`. Apollo on Express: `context` is what the
 * app's context function returns (`({ req, res })`), else Nest's default `{ req }`, `req.res` the response. Mercurius:
 * `context` carries `reply` (and `reply.request`). A graphql-ws subscription has no HTTP exchange: the context holds
 * the socket SessionSockets authenticated (Apollo: `req.extra.socket`, Nest putting graphql-ws's context as `req`;
 * Mercurius: `socket`). @internal
 */
interface GraphQLCall {
  req?: SessionRequest;
  /** What SessionCookie writes to: Express's response or Fastify's reply. */
  res?: unknown;
  socket?: object;
  /** `query`, `mutation` or `subscription`. */
  operation?: string;
}

interface ContextShape {
  req?: SessionRequest & { res?: unknown; extra?: { socket?: object } };
  res?: unknown;
  reply?: { request?: SessionRequest };
  extra?: { socket?: object };
  socket?: object;
}

export const GRAPHQL_CONTEXT_TYPE = 'graphql';

/** The parts of a GraphQL call the guard and @Session() need. Call only when `context.getType() === 'graphql'`. */
export function graphqlCall(context: ExecutionContext): GraphQLCall {
  const ctx = (context.getArgByIndex(2) ?? {}) as ContextShape;
  const info = context.getArgByIndex(3) as { operation?: { operation?: string } } | undefined;
  const operation = info?.operation?.operation;
  const socket = ctx.socket ?? ctx.extra?.socket ?? ctx.req?.extra?.socket;
  if (operation === 'subscription' || socket) return { socket, operation };
  if (ctx.reply) return { req: ctx.reply.request ?? ctx.req, res: ctx.reply, operation };
  return { req: ctx.req, res: ctx.res ?? ctx.req?.res, operation };
}
