import { Body, Controller, HttpCode, Post, Req, Res, UnauthorizedException, UseGuards } from '@nestjs/common';
import { ActiveSession, PublicRoute, Session, SessionGuard, SessionService } from 'nestjs-redis-session';
import type { SampleSessionData } from '../sample-session';
import { UsersService } from '../users/users.service';
import { LoginDto } from './login.dto';

@Controller('auth')
@UseGuards(SessionGuard)
export class AuthController {
  constructor(
    private readonly users: UsersService,
    private readonly sessions: SessionService<SampleSessionData>,
  ) {}

  /**
   * Always starts a new session; a cookie sent along names a session that is ended (fixation). At
   * SESSION_MAX_PER_USER with SESSION_ON_LIMIT=refuse the library throws SessionLimitError: 409.
   */
  @Post('login')
  @PublicRoute()
  @HttpCode(200)
  async login(@Body() body: LoginDto, @Req() req: never, @Res({ passthrough: true }) res: unknown) {
    const user = this.users.verify(body.username, body.password);
    if (!user) throw new UnauthorizedException('Invalid username or password');
    const session = await this.sessions.create(req, res, {
      userId: user.id,
      device: body.device || 'unknown',
      data: { username: user.username },
      remember: body.remember === true,
    });
    return { userId: session.userId, expiresAt: session.expiresAt.toISOString() };
  }

  @Post('logout')
  @HttpCode(204)
  async logout(@Session() session: ActiveSession<SampleSessionData>, @Res({ passthrough: true }) res: unknown) {
    await this.sessions.destroy(session, res);
  }

  @Post('logout-all')
  @HttpCode(204)
  async logoutAll(@Session('userId') userId: string, @Res({ passthrough: true }) res: unknown) {
    await this.sessions.destroyAllForUser(userId);
    this.sessions.cookie.clear(res);
  }
}
