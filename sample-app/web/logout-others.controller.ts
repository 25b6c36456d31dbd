import { Controller, HttpCode, Post, UseGuards } from '@nestjs/common';
import { ActiveSession, Session, SessionGuard, SessionService } from 'nestjs-redis-session';
import type { SampleSessionData } from '../sample-session';

/** POST /auth/logout-others → 204: "sign out everywhere else", keeping the caller's own session. */
@Controller('auth')
@UseGuards(SessionGuard)
export class LogoutOthersController {
  constructor(private readonly sessions: SessionService<SampleSessionData>) {}

  @Post('logout-others')
  @HttpCode(204)
  async logoutOthers(@Session() session: ActiveSession<SampleSessionData>): Promise<void> {
    await this.sessions.destroyOthers(session);
  }
}
