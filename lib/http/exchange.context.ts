import type { ExecutionContext } from '@nestjs/common';
import { GRAPHQL_CONTEXT_TYPE, graphqlCall } from '../graphql/graphql.context';
import type { SessionRequest } from './session-request';

/**
 * The request and response a handler runs for: an HTTP route's, or a GraphQL query's or mutation's (recognised by
 * shape, so the library needs no GraphQL package). Undefined for subscriptions, WebSocket and microservice
 * handlers, which have no response to set a cookie on.
 * @internal
 */
export function exchangeOfContext(context: ExecutionContext): { req: SessionRequest; res: unknown } | undefined {
  const type = context.getType<string>();
  if (type === 'http') {
    const http = context.switchToHttp();
    return { req: http.getRequest<SessionRequest>(), res: http.getResponse() };
  }
  if (type !== GRAPHQL_CONTEXT_TYPE) return undefined;
  const { req, res } = graphqlCall(context);
  return req && res ? { req, res } : undefined;
}
