import { Body, Controller, Get, HttpCode, Post, Put, UnauthorizedException, UseGuards } from '@nestjs/common';
import { PublicRoute, Session, SessionGuard, SessionService } from 'nestjs-redis-session';
import type { ActiveSession } from 'nestjs-redis-session';
import { UsersService } from './users.service.js';

export interface AppSessionData {
  cart: string[];
}

export class LoginDto {
  username: string;
  password: string;
  device?: string;
}

export class CartDto {
  items: string[];
}

@Controller()
@UseGuards(SessionGuard)
export class AuthController {
  constructor(
    private readonly sessions: SessionService<AppSessionData>,
    private readonly users: UsersService,
  ) {}

  @Post('auth/login')
  @PublicRoute()
  @HttpCode(200)
  async login(@Body() body: LoginDto) {
    const user = this.users.verify(body.username, body.password);
    if (!user) throw new UnauthorizedException();
    // Sets the session cookie on this response (and ends the session a cookie sent along named).
    const session = await this.sessions.create({ userId: user.id, device: body.device });
    return { userId: session.userId, expiresAt: session.expiresAt };
  }

  @Post('auth/logout')
  @HttpCode(204)
  async logout(@Session() session: ActiveSession<AppSessionData>) {
    await this.sessions.destroy(session); // clears this request's cookie
  }

  @Get('me')
  me(@Session() session: ActiveSession<AppSessionData>) {
    return { userId: session.userId, device: session.device, cart: session.data.cart ?? [] };
  }

  @Put('me/cart')
  async putCart(@Session() session: ActiveSession<AppSessionData>, @Body() body: CartDto) {
    await this.sessions.set(session, 'cart', body.items);
    return { items: body.items };
  }

  @Get('me/cart')
  getCart(@Session() session: ActiveSession<AppSessionData>) {
    return { items: session.data.cart ?? [] };
  }
}
