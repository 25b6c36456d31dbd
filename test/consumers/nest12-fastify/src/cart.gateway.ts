import { UseGuards } from '@nestjs/common';
import { OnGatewayInit, SubscribeMessage, WebSocketGateway } from '@nestjs/websockets';
import { Session, SessionGuard, SessionSockets } from 'nestjs-redis-session';
import type { ActiveSession } from 'nestjs-redis-session';
import type { Server } from 'socket.io';
import type { AppSessionData } from './auth.controller.js';

@WebSocketGateway()
@UseGuards(SessionGuard)
export class CartGateway implements OnGatewayInit {
  constructor(private readonly sockets: SessionSockets) {}

  // Authenticates during the handshake: a client without a session gets connect_error("session required").
  afterInit(server: Server) {
    server.use(this.sockets.socketIoMiddleware());
  }

  @SubscribeMessage('whoami')
  whoami(@Session() session: ActiveSession<AppSessionData>) {
    return { userId: session.userId, cart: session.data.cart ?? [] };
  }
}
