import { Controller, Get, HttpCode, Post, UnauthorizedException, UseGuards } from '@nestjs/common';
import { PublicRoute, Session, SessionGuard, SessionService } from 'nestjs-redis-session';
import type { ActiveSession } from 'nestjs-redis-session';
import type { SampleSessionData } from '../sample-session';
import { LoginDto } from './login.dto';
import { SignInService } from './sign-in.service';
import { ValidBody } from '../validation/valid-body.decorator';

@Controller('auth')
@UseGuards(SessionGuard)
export class AuthController {
  constructor(
    private readonly signIns: SignInService,
    private readonly sessions: SessionService<SampleSessionData>,
  ) {}

  /** Sets the cookie on this response (SignInService has the rules: fixation, the session limit's 409). */
  @Post('login')
  @PublicRoute()
  @HttpCode(200)
  async login(@ValidBody() body: LoginDto) {
    const signedIn = await this.signIns.signIn(body);
    if (!signedIn) throw new UnauthorizedException('Invalid username or password');
    return signedIn;
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
