import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import { NO_ACTIVE_SESSION } from '../errors/error.messages';
import { GRAPHQL_CONTEXT_TYPE, graphqlCall } from '../graphql/graphql.context';
import { attachedSession } from '../session.constants';
import type { ActiveSession } from '../session.types';

function holderOf(ctx: ExecutionContext): object | undefined {
  const type = ctx.getType<string>();
  // In a WebSocket gateway (and a GraphQL subscription) the session lives on the socket SessionSockets attached.
  if (type === 'ws') return ctx.switchToWs().getClient();
  // The request by index, as switchToHttp().getRequest() would, without the closures it makes on every call.
  if (type !== GRAPHQL_CONTEXT_TYPE) return ctx.getArgByIndex(0);
  const call = graphqlCall(ctx);
  return call.socket ?? call.req;
}

/** The session the guard attached; undefined on a @PublicRoute() without one. */
function sessionOf(ctx: ExecutionContext): ActiveSession | undefined {
  const holder = holderOf(ctx);
  const session = holder ? attachedSession<ActiveSession>(holder) : undefined;
  // undefined: the guard never ran on this route, a wiring mistake worth a loud error. null: public route, no session.
  if (session === undefined) throw new Error(NO_ACTIVE_SESSION);
  return session ?? undefined;
}

/**
 * The current session, as SessionGuard resolved it: `@Session() session: ActiveSession<MyData>`, or one of its
 * properties: `@Session('userId') userId: string`. No I/O. Undefined on a @PublicRoute() without a session. @publicApi
 */
export const Session = createParamDecorator((property: keyof ActiveSession | undefined, ctx: ExecutionContext) => {
  const session = sessionOf(ctx);
  return property ? session?.[property] : session;
});

/** One field of the app's session data as of the request's start: `@SessionData('cart') cart?: string[]`. @publicApi */
export const SessionData = createParamDecorator((field: string | undefined, ctx: ExecutionContext) => {
  const data = sessionOf(ctx)?.data as Record<string, unknown> | undefined;
  return field ? data?.[field] : data;
});
