/**
 * Type tests of the public API: compiled (never run) by `npm run typecheck` under `strict`. A line that stops
 * compiling, or an @ts-expect-error that stops erroring, fails CI: the types users meet are tested like behaviour.
 */
import type { Request } from 'express';
import type { FastifyRequest } from 'fastify';
import type { IncomingMessage } from 'node:http';
import { Redis as AppRedis, Cluster as AppCluster } from 'ioredis';
import type { Socket as IoSocket } from 'socket.io';
import type { WebSocket } from 'ws';
import { expectTypeOf } from 'expect-type';
import type { ApolloDriverConfig } from '@nestjs/apollo';
import type { MercuriusDriverConfig } from '@nestjs/mercurius';
import {
  ActiveSession,
  Session,
  SessionEvent,
  SessionGuard,
  SessionInputError,
  SessionErrorExtensions,
  SessionUnavailableError,
  sessionFormatError,
  SessionModule,
  SessionModuleOptions,
  SessionRedisConnection,
  SessionRequest,
  SessionService,
  SessionSockets,
} from 'nestjs-redis-session';

interface Cart {
  cart: string[];
  theme: 'dark' | 'light';
}

declare const sessions: SessionService<Cart>;
declare const sockets: SessionSockets;
declare const session: ActiveSession<Cart>;

export async function sessionsSpeakSessions() {
  // No req/res: in a request the service reads and writes the cookie itself.
  expectTypeOf(await sessions.create({ userId: 'u1', device: 'laptop', data: { cart: [] } })).toEqualTypeOf<ActiveSession<Cart>>();
  expectTypeOf(await sessions.issue({ userId: 'u1' })).toEqualTypeOf<{ token: string; session: ActiveSession<Cart> }>();
  expectTypeOf(await sessions.destroy(session)).toBeBoolean();
  expectTypeOf(await sessions.regenerate(session)).toEqualTypeOf<ActiveSession<Cart>>();
  // @ts-expect-error the data must match TData
  await sessions.create({ userId: 'u1', data: { cart: 'not a list' } });
}

/** A guard subclass reading the token from its own header, with the adapter's own request type. */
export class HeaderGuard extends SessionGuard {
  protected override extractToken(req: Request): string | undefined {
    return req.get('x-session') ?? undefined;
  }
}

export function typedRequests(upgrade: IncomingMessage) {
  // Typed Express and Fastify requests and a Node upgrade request are SessionRequests as they are: no cast.
  expectTypeOf<Request>().toMatchTypeOf<SessionRequest>();
  expectTypeOf<FastifyRequest>().toMatchTypeOf<SessionRequest>();
  expectTypeOf(upgrade).toMatchTypeOf<SessionRequest>();
}

export async function typedSockets(ws: WebSocket, upgrade: IncomingMessage, io: IoSocket) {
  expectTypeOf(await sockets.attach(ws, upgrade)).toEqualTypeOf<ActiveSession | null>();
  await sockets.attach(io);
  const middleware = sockets.socketIoMiddleware();
  middleware(io, () => undefined);
}

export async function generics() {
  // SessionService<T> types fields by key; values must match.
  expectTypeOf(await sessions.get(session, 'cart')).toEqualTypeOf<string[] | undefined>();
  await sessions.set(session, 'theme', 'dark');
  // @ts-expect-error not a value of this field
  await sessions.set(session, 'theme', 'blue');
  // @ts-expect-error not a field of Cart
  await sessions.set(session, 'nope', 1);
  expectTypeOf(session.data).toEqualTypeOf<Readonly<Partial<Cart>>>();
  expectTypeOf(session.id).toBeString();
  // @ts-expect-error the session object is read-only: writes go through SessionService.set
  session.userId = 'x';
}

export function decorators() {
  // @Session() and @Session('userId') are parameter decorators.
  expectTypeOf(Session()).toBeFunction();
  expectTypeOf(Session('userId')).toBeFunction();
}

export function options(app5: AppRedis, cluster: AppCluster) {
  const base: SessionModuleOptions = { redis: 'redis://localhost:6379', idleTimeoutSeconds: 600 };
  // An app-owned ioredis client, or a Cluster, is a connection as it is.
  const own: SessionRedisConnection = app5;
  const clustered: SessionRedisConnection = cluster;
  SessionModule.forRoot({ ...base, redis: own, cache: { enabled: true, invalidation: 'events' } });
  SessionModule.forRoot({ redis: clustered, binding: { ip: true, trustProxy: 1 }, rotation: { everySeconds: 900, graceSeconds: 30 } });
  // @ts-expect-error trustProxy is a hop count
  SessionModule.forRoot({ redis: 'redis://x', binding: { trustProxy: true } });
  // @ts-expect-error not an invalidation mode
  SessionModule.forRoot({ redis: 'redis://x', cache: { invalidation: 'sometimes' } });
  SessionModule.forRootAsync({ useFactory: () => base, isGlobal: true });
}

export function events(e: SessionEvent) {
  switch (e.type) {
    case 'invalidated':
      expectTypeOf(e.reason).toEqualTypeOf<'logout' | 'logout-all' | 'logout-others' | 'revoked' | 'login' | 'max-sessions' | 'hijack-suspected'>();
      break;
    case 'rotated':
      expectTypeOf(e.reason).toEqualTypeOf<'rotation' | 'regenerate'>();
      break;
    case 'expired':
      expectTypeOf(e.detectedBy).toEqualTypeOf<'notification' | 'sweep' | 'cleanup'>();
      break;
  }
}

export function errors() {
  expectTypeOf(new SessionInputError('x').getStatus()).toBeNumber();
}

export function graphql() {
  expectTypeOf(new SessionUnavailableError().extensions).toEqualTypeOf<SessionErrorExtensions>();
  expectTypeOf(new SessionUnavailableError().extensions.code).toBeString();
  // The helpers fit the drivers' own option types, as the README writes them.
  const apollo: ApolloDriverConfig = {
    formatError: sessionFormatError,
    subscriptions: { 'graphql-ws': sockets.graphqlWs() },
  };
  const mercurius: MercuriusDriverConfig = { subscription: sockets.mercuriusSubscription() };
  return [apollo, mercurius];
}
