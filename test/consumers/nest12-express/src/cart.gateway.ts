import type { IncomingMessage } from 'node:http';
import { UseGuards } from '@nestjs/common';
import { OnGatewayConnection, SubscribeMessage, WebSocketGateway } from '@nestjs/websockets';
import { Session, SessionGuard, SessionSockets } from 'nestjs-redis-session';
import type { ActiveSession } from 'nestjs-redis-session';
import type { WebSocket } from 'ws';
import type { AppSessionData } from './auth.controller.js';

@WebSocketGateway({ path: '/ws' })
@UseGuards(SessionGuard)
export class CartGateway implements OnGatewayConnection {
  constructor(private readonly sockets: SessionSockets) {}

  handleConnection(client: WebSocket, request: IncomingMessage) {
    return this.sockets.attach(client, request);
  }

  @SubscribeMessage('whoami')
  whoami(@Session() session: ActiveSession<AppSessionData>) {
    return { event: 'whoami', data: { userId: session.userId, cart: session.data.cart ?? [] } };
  }
}
