import { Controller, Get, Put, UseGuards } from '@nestjs/common';
import { ActiveSession, Session, SessionGuard, SessionService } from 'nestjs-redis-session';
import type { SampleSessionData } from '../sample-session';
import { CartDto } from './cart.dto';
import { ValidBody } from '../validation/valid-body.decorator';

@Controller('me')
@UseGuards(SessionGuard)
export class MeController {
  constructor(private readonly sessions: SessionService<SampleSessionData>) {}

  @Get()
  me(@Session() s: ActiveSession<SampleSessionData>) {
    return {
      userId: s.userId,
      username: s.data.username,
      device: s.device,
      createdAt: s.createdAt.toISOString(),
      lastSeenAt: s.lastSeenAt.toISOString(),
      expiresAt: s.expiresAt.toISOString(),
    };
  }

  /** One field write: the rest of the session is untouched, and a write racing a logout cannot revive it. */
  @Put('cart')
  async putCart(@Session() s: ActiveSession<SampleSessionData>, @ValidBody() body: CartDto) {
    await this.sessions.set(s, 'cart', body.items);
    return { items: body.items };
  }

  @Get('cart')
  cart(@Session() s: ActiveSession<SampleSessionData>) {
    return { items: s.data.cart ?? [] };
  }
}
