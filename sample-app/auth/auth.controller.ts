import { Controller, Get, HttpCode, Post, UnauthorizedException, UseGuards } from '@nestjs/common';
import { PublicRoute, Session, SessionGuard, SessionService } from 'nestjs-redis-session';
import type { ActiveSession } from 'nestjs-redis-session';
import type { SampleSessionData } from '../sample-session';
import { UsersService } from '../users/users.service';
import { LoginDto } from './login.dto';
import { ValidBody } from '../validation/valid-body.decorator';

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
  async login(@ValidBody() body: LoginDto) {
    const user = this.users.verify(body.username, body.password);
    if (!user) throw new UnauthorizedException('Invalid username or password');
    // Sets the cookie on this response, and ends the session the request's cookie named, if any.
    const session = await this.sessions.create({
      userId: user.id,
      device: body.device || 'unknown',
      data: { username: user.username },
      remember: body.remember === true,
    });
    return { userId: session.userId, expiresAt: session.expiresAt.toISOString() };
  }

  @Post('logout')
  @HttpCode(204)
  async logout(@Session() session: ActiveSession<SampleSessionData>) {
    await this.sessions.destroy(session); // clears this request's cookie
  }

  @Post('logout-all')
  @HttpCode(204)
  async logoutAll(@Session('userId') userId: string) {
    await this.sessions.destroyAllForUser(userId); // this request's session is one of them: its cookie is cleared
  }

  /** The session's CSRF token, for pages to send back as X-CSRF-Token (required with CSRF_MODE=token). */
  @Get('csrf')
  async csrf(@Session() session: ActiveSession<SampleSessionData>) {
    return { token: await this.sessions.csrfToken(session) };
  }
}
