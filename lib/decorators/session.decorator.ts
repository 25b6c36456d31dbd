import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import { NO_ACTIVE_SESSION } from '../errors/messages';
import { REQUEST_SESSION } from '../session.constants';
import type { ActiveSession } from '../session.types';

function sessionOf(ctx: ExecutionContext): ActiveSession | null {
  // In a WebSocket gateway the session lives on the client (SessionSockets.attach puts it there).
  const req = (ctx.getType() === 'ws' ? ctx.switchToWs().getClient() : ctx.switchToHttp().getRequest()) as Record<symbol, unknown>;
  const session = req[REQUEST_SESSION];
  // undefined: the guard never ran on this route, a wiring mistake worth a loud error. null: public route, no session.
  if (session === undefined) throw new Error(NO_ACTIVE_SESSION);
  return session as ActiveSession | null;
}

/**
 * The current session, as SessionGuard resolved it: `@Session() session: ActiveSession<MyData>`, or one of its
 * properties: `@Session('userId') userId: string`. No I/O. Undefined on a @PublicRoute() without a session.
 * @publicApi
 */
export const Session = createParamDecorator((property: keyof ActiveSession | undefined, ctx: ExecutionContext) => {
  const session = sessionOf(ctx);
  if (!session) return undefined;
  return property ? session[property] : session;
});

/**
 * One field of the app's session data as of the request's start: `@SessionData('cart') cart?: string[]`.
 * @publicApi
 */
export const SessionData = createParamDecorator((field: string | undefined, ctx: ExecutionContext) => {
  const session = sessionOf(ctx);
  if (!session) return undefined;
  return field ? (session.data as Record<string, unknown>)[field] : session.data;
});
