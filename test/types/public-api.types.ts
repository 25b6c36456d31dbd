/**
 * Type tests of the public API: compiled (never run) by `npm run typecheck` under `strict`. A line that stops
 * compiling, or an @ts-expect-error that stops erroring, fails CI: the types users meet are tested like behaviour.
 */
import type { Request, Response } from 'express';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { IncomingMessage } from 'node:http';
import { Redis as AppRedis, Cluster as AppCluster } from 'ioredis';
import type { Socket as IoSocket } from 'socket.io';
import type { WebSocket } from 'ws';
import { expectTypeOf } from 'expect-type';
import {
  ActiveSession,
  Session,
  SessionEvent,
  SessionInputError,
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

export async function typedRequests(req: Request, res: Response, freq: FastifyRequest, freply: FastifyReply, upgrade: IncomingMessage) {
  // Typed Express and Fastify requests go in as they are: no cast, no `never`.
  await sessions.create(req, res, { userId: 'u1', device: 'laptop', data: { cart: [] } });
  await sessions.create(freq, freply, { userId: 'u1' });
  expectTypeOf(sessions.tokenFrom(req)).toEqualTypeOf<string | undefined>();
  expectTypeOf(sessions.tokenFrom(freq)).toEqualTypeOf<string | undefined>();
  expectTypeOf(sessions.tokenFrom(upgrade)).toEqualTypeOf<string | undefined>();
  expectTypeOf<Request>().toMatchTypeOf<SessionRequest>();
  expectTypeOf<FastifyRequest>().toMatchTypeOf<SessionRequest>();
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
