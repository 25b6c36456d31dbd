import { UseGuards } from '@nestjs/common';
import { OnGatewayConnection, SubscribeMessage, WebSocketGateway } from '@nestjs/websockets';
import { Session, SessionGuard, SessionSockets } from 'nestjs-redis-session';
import type { ActiveSession } from 'nestjs-redis-session';
import type { Socket } from 'socket.io';
import type { AppSessionData } from './auth.controller.js';

@WebSocketGateway()
@UseGuards(SessionGuard)
export class CartGateway implements OnGatewayConnection {
  constructor(private readonly sockets: SessionSockets) {}

  handleConnection(client: Socket) {
    return this.sockets.attach(client, client.handshake);
  }

  @SubscribeMessage('whoami')
  whoami(@Session() session: ActiveSession<AppSessionData>) {
    return { userId: session.userId, cart: session.data.cart ?? [] };
  }
}
