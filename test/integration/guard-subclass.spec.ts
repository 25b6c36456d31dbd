import { Controller, ForbiddenException, Get, Injectable, Post, UseGuards } from '@nestjs/common';
import { PublicRoute, Session, SessionData, SessionGuard, SessionRequest, SessionService } from 'nestjs-redis-session';
import { ownAppForSuite } from '../harness/own-app';

/** A guard as an app subclasses it (README "Guard"): the token from a header of its own, a 403 of its own. */
@Injectable()
class HeaderSessionGuard extends SessionGuard {
  protected override extractToken(req: SessionRequest): string | undefined {
    const value = req.headers['x-session'];
    return typeof value === 'string' ? value : undefined;
  }

  protected override onMissingSession(): Error {
    return new ForbiddenException('sign in first');
  }
}

@Controller()
@UseGuards(HeaderSessionGuard)
class ApiController {
  constructor(private readonly sessions: SessionService<{ plan: string }>) {}

  @Post('login')
  @PublicRoute()
  async login() {
    const { token } = await this.sessions.issue({ userId: 'u-sub', device: 'cli', data: { plan: 'pro' } });
    return { token };
  }

  @Get('whoami')
  whoami(@Session('userId') userId: string, @SessionData('plan') plan: string) {
    return { userId, plan };
  }
}

/**
 * SessionGuard subclassed in the app's own module: Nest builds the subclass there with the library's constructor
 * (SessionModule exports what it needs), and its overrides decide where the token comes from and what a missing
 * session answers. @Session() and @SessionData() read what it attached.
 */
describe.each(['express', 'fastify'] as const)('a SessionGuard subclass (%s)', (adapter) => {
  const suite = ownAppForSuite({ adapter, controllers: [ApiController] });

  const whoami = (headers: Record<string, string>) => fetch(`${suite.url}/whoami`, { headers });

  it('authenticates by the token its extractToken() finds, and the decorators read the session', async () => {
    const { token } = (await (await fetch(`${suite.url}/login`, { method: 'POST' })).json()) as { token: string };
    const res = await whoami({ 'x-session': token });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ userId: 'u-sub', plan: 'pro' });
    // The default place (the session cookie) is not looked at any more.
    expect((await whoami({ cookie: `sid=${token}` })).status).toBe(403);
  });

  it('answers what its onMissingSession() returns for a missing, malformed or unknown token', async () => {
    const cases: Array<Record<string, string>> = [{}, { 'x-session': 'junk' }, { 'x-session': 'A'.repeat(67) }];
    for (const headers of cases) {
      const res = await whoami(headers);
      expect(res.status).toBe(403);
      expect(await res.json()).toMatchObject({ message: 'sign in first' });
    }
  });
});
