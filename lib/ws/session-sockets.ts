import { Injectable } from '@nestjs/common';
import { filter, Subscription } from 'rxjs';
import { SessionEvents } from '../events/session-events.service';
import type { AnyRequest } from '../http/http-adapter';
import { REQUEST_SESSION } from '../session.constants';
import { SessionService } from '../session.service';
import type { ActiveSession } from '../session.types';

/** A `ws` WebSocket or a socket.io Socket: whatever a Nest gateway's handleConnection receives. */
type AnySocket = {
  close?: (code?: number, reason?: string) => void;
  disconnect?: (close?: boolean) => void;
  once?: (event: string, listener: () => void) => unknown;
  handshake?: { headers: AnyRequest['headers'] };
  [key: string | symbol]: unknown;
};

/** Close code sent when a socket has no session or its session ends (4000-4999 are for applications). */
export const SESSION_ENDED_CLOSE_CODE = 4401;

/**
 * Sessions for WebSocket gateways. Call `attach(client, request)` in `handleConnection`: it authenticates the
 * handshake's cookie (or bearer token), puts the session where SessionGuard and @Session() find it in message
 * handlers, and disconnects the client the moment its session is invalidated, expires or is evicted, on whichever
 * instance or by Redis (event-driven, no polling).
 * @publicApi
 */
@Injectable()
export class SessionSockets {
  constructor(
    private readonly sessions: SessionService,
    private readonly events: SessionEvents,
  ) {}

  /**
   * @param request the upgrade request (`ws` passes it to handleConnection as the second argument; socket.io
   *   clients carry it as `client.handshake`)
   * @returns the session, or null after closing the client with code 4401
   */
  async attach(client: AnySocket, request?: { headers: AnyRequest['headers'] }): Promise<ActiveSession | null> {
    // IncomingMessage.headers is a lazy getter: copy it by name, a spread would miss it.
    const source = (request ?? client.handshake) as AnyRequest | undefined;
    const req: AnyRequest = { headers: source?.headers ?? {}, socket: source?.socket };
    const token = this.sessions.tokenFrom(req);
    const session = token ? await Promise.resolve(this.sessions.resolve(token, req)).catch(() => null) : null;
    if (!session) {
      disconnect(client, 'session required');
      return null;
    }
    client[REQUEST_SESSION] = session;
    const ended: Subscription = this.events.events$
      .pipe(filter((e) => e.id === session.id && (e.type === 'invalidated' || e.type === 'expired' || e.type === 'evicted')))
      .subscribe({ next: () => disconnect(client, 'session ended'), complete: () => disconnect(client, 'server shutting down') });
    const stop = () => ended.unsubscribe();
    client.once?.('close', stop);
    client.once?.('disconnect', stop);
    return session;
  }
}

function disconnect(client: AnySocket, reason: string): void {
  if (typeof client.close === 'function') client.close(SESSION_ENDED_CLOSE_CODE, reason);
  else client.disconnect?.(true);
}
