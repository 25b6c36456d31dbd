import type { ExecutionContext } from '@nestjs/common';
import { graphqlCall } from './graphql.context';

/** An ExecutionContext as Nest builds it for a resolver: args [root, args, context, info]. */
function resolverContext(ctx: unknown, operation = 'query'): ExecutionContext {
  const args = [undefined, {}, ctx, { operation: { operation } }];
  return { getType: () => 'graphql', getArgByIndex: (i: number) => args[i], getArgs: () => args } as unknown as ExecutionContext;
}

describe('graphqlCall (the GraphQL execution context, by shape)', () => {
  const req = { headers: {}, method: 'POST' };

  it('Apollo on Express: the context function’s req and res; without res, Express’s req.res', () => {
    const res = {};
    expect(graphqlCall(resolverContext({ req, res }, 'mutation'))).toEqual({ req, res, operation: 'mutation' });
    const withRes = { ...req, res };
    expect(graphqlCall(resolverContext({ req: withRes }))).toEqual({ req: withRes, res, operation: 'query' });
  });

  it('Mercurius: the reply and its request', () => {
    const reply = { request: req };
    expect(graphqlCall(resolverContext({ reply, req: { other: true } }))).toEqual({ req, res: reply, operation: 'query' });
  });

  it('subscriptions: the socket (Apollo: graphql-ws context as req; Mercurius: socket), never an HTTP exchange', () => {
    const socket = {};
    expect(graphqlCall(resolverContext({ req: { extra: { socket } } }, 'subscription'))).toEqual({ socket, operation: 'subscription' });
    expect(graphqlCall(resolverContext({ socket, request: req }, 'subscription'))).toEqual({ socket, operation: 'subscription' });
    // Not wired: no socket, and no request either (the guard then says how to wire it).
    expect(graphqlCall(resolverContext({ req }, 'subscription'))).toEqual({ socket: undefined, operation: 'subscription' });
  });
});
