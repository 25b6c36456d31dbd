import { Injectable } from '@nestjs/common';
import { filter } from 'rxjs';
import { SessionEvents } from './events/session.events';
import type { SessionRequest } from './http/session.request';
import { attachSession, SOCKET_SESSION_PENDING } from './session.constants';
import { SessionResolver } from './session.resolver';
import type { ActiveSession } from './session.types';

type UpgradeRequest = { headers: SessionRequest['headers'] };

/** What the library uses of a `ws` WebSocket or a socket.io Socket, whichever a gateway receives. */
interface SocketShape {
  close?: (code?: number, reason?: string) => void;
  disconnect?: (close?: boolean) => void;
  once?: (event: string, listener: () => void) => unknown;
  handshake?: UpgradeRequest;
}

/** Close code sent when a socket has no session or its session ends (4000-4999 are for applications). */
export const SESSION_ENDED_CLOSE_CODE = 4401;

const ENDS = new Set(['invalidated', 'expired', 'evicted']);

/**
 * Sessions for WebSocket gateways (`ws` or socket.io). `attach(client, request)` in `handleConnection` authenticates
 * the handshake's cookie (or bearer token), puts the session where SessionGuard and @Session() find it, and
 * disconnects the client the moment its session ends, on any instance (events, no polling). With socket.io,
 * `socketIoMiddleware()` authenticates during the handshake, so a refused client learns why. @publicApi
 */
@Injectable()
export class SessionSockets {
  /** @internal Nest creates it. */
  constructor(private readonly resolver: SessionResolver, private readonly events: SessionEvents) {}

  /**
   * Authenticates a client; a message it sends before this resolves waits for it in SessionGuard.
   * @param client the `ws` WebSocket or socket.io Socket handleConnection received
   * @param request the upgrade request (`ws` passes it to handleConnection second; socket.io has `client.handshake`)
   * @returns the session, or null after closing the client with code 4401
   */
  attach(client: object, request?: UpgradeRequest): Promise<ActiveSession | null> {
    const socket = client as SocketShape;
    const pending = this.authenticate(socket, request).then((session) => {
      if (!session) disconnect(socket, 'session required');
      return session;
    });
    // Set before the first await: the guard of a message that arrives meanwhile waits for this.
    (client as Record<symbol, unknown>)[SOCKET_SESSION_PENDING] = pending;
    return pending;
  }

  /**
   * A socket.io middleware for a gateway's `afterInit` (`server.use(sockets.socketIoMiddleware())`): a client without
   * a valid session gets `connect_error` ("session required" or "session store unavailable") and never connects.
   */
  socketIoMiddleware(): (socket: object, next: (err?: Error) => void) => void {
    return (socket, next) => {
      this.authenticate(socket as SocketShape).then(
        (session) => next(session ? undefined : new Error('session required')),
        () => next(new Error('session store unavailable')),
      );
    };
  }

  /**
   * graphql-ws server options for Apollo subscriptions: `subscriptions: { 'graphql-ws': sockets.graphqlWs() }` in
   * GraphQLModule.forRoot. Authenticates by the upgrade request's cookie; closes with 4401 without a valid session
   * or when it ends. SessionGuard and @Session() on subscription resolvers then use the socket's session.
   */
  graphqlWs(): { onConnect(ctx: { extra: unknown }): Promise<boolean> } {
    return {
      onConnect: async (ctx) => {
        const { socket, request } = ctx.extra as { socket: object; request: UpgradeRequest };
        return (await this.attach(socket, request)) !== null;
      },
    };
  }

  /**
   * Mercurius subscription options: `subscription: sockets.mercuriusSubscription()` in GraphQLModule.forRoot.
   * Mercurius hands the upgrade request only to `context` (not `onConnect`): the session is authenticated there and
   * the socket put in the context, where SessionGuard and @Session() find it. Closes with 4401 as graphqlWs() does.
   */
  mercuriusSubscription(): { context(socket: object, request: UpgradeRequest): Promise<{ socket: object }> } {
    return { context: (socket, request) => this.attach(socket, request).then(() => ({ socket })) };
  }

  private async authenticate(socket: SocketShape, request?: UpgradeRequest): Promise<ActiveSession | null> {
    // IncomingMessage.headers is a lazy getter: copy it by name, a spread would miss it.
    const source = (request ?? socket.handshake) as SessionRequest | undefined;
    const req: SessionRequest = { headers: source?.headers ?? {}, socket: source?.socket };
    // An end heard while Redis answers would come before the subscription below: note them, so none slips between.
    const endedMeanwhile = new Set<string>();
    const early = this.events.events$.pipe(filter((e) => ENDS.has(e.type))).subscribe((e) => endedMeanwhile.add(e.id));
    const session = await Promise.resolve(this.resolver.resolve(this.resolver.tokenFrom(req), req)).catch(() => null);
    early.unsubscribe();
    if (!session || endedMeanwhile.has(session.id)) return null;
    attachSession(socket, session);
    const ended = this.events.events$.pipe(filter((e) => e.id === session.id && ENDS.has(e.type))).subscribe({
      next: () => disconnect(socket, 'session ended'),
      complete: () => disconnect(socket, 'server shutting down'),
    });
    const stop = () => ended.unsubscribe();
    socket.once?.('close', stop);
    socket.once?.('disconnect', stop);
    return session;
  }
}

function disconnect(client: SocketShape, reason: string): void {
  if (typeof client.close === 'function') client.close(SESSION_ENDED_CLOSE_CODE, reason);
  else client.disconnect?.(true);
}
