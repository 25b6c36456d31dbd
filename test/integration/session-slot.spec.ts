import { Controller, Get, Post, Req, Res, UseGuards } from '@nestjs/common';
import { PublicRoute, Session, SessionGuard, SessionService } from 'nestjs-redis-session';
import { ownAppForSuite } from '../harness/own-app';

const SLOT = String(Symbol.for('nestjs-redis-session:session'));

@Controller()
@UseGuards(SessionGuard)
class ProbeController {
  constructor(private readonly sessions: SessionService) {}

  @Post('login')
  @PublicRoute()
  async login() {
    return { token: (await this.sessions.issue({ userId: 'u-slot', device: 'cli' })).token };
  }

  /** Where the guard put the session, as the handler sees the request and the response. */
  @Get('probe')
  probe(@Req() req: object, @Res({ passthrough: true }) res: { locals?: object }, @Session('userId') userId: string) {
    const symbols = (o: object | undefined) => (o ? Object.getOwnPropertySymbols(o).map(String) : null);
    return { userId, onRequest: symbols(req), inLocals: symbols(res.locals) };
  }

  @Get('public')
  @PublicRoute()
  open(@Res({ passthrough: true }) res: { locals?: object }, @Session() session: unknown) {
    return { session: session ?? 'none', inLocals: res.locals ? Object.getOwnPropertySymbols(res.locals).map(String) : null };
  }
}

/**
 * Where a request's session is kept (session.constants.ts): on Express in `res.locals`, never as a property added to
 * the request, which changes its hidden class and slows Express's own code on every request (measured: 0.74 -> 0.83
 * of bare Nest's req/s on a cached GET /me); on Fastify on the request. @Session() finds it on both.
 */
describe.each(['express', 'fastify'] as const)('the session slot (%s)', (adapter) => {
  const suite = ownAppForSuite({ adapter, controllers: [ProbeController] });

  it(adapter === 'express'
    ? 'keeps the session in res.locals and adds nothing to the request'
    : 'keeps the session on the request (Fastify has no res.locals)', async () => {
    const { token } = (await (await fetch(`${suite.url}/login`, { method: 'POST' })).json()) as { token: string };
    const res = await fetch(`${suite.url}/probe`, { headers: { cookie: `sid=${token}` } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { userId: string; onRequest: string[]; inLocals: string[] | null };
    expect(body.userId).toBe('u-slot');
    if (adapter === 'express') {
      expect(body.onRequest).not.toContain(SLOT);
      expect(body.inLocals).toEqual([SLOT]);
    } else {
      expect(body.onRequest).toContain(SLOT);
      expect(body.inLocals).toBeNull();
    }
  });

  it('marks a public route without a session in the same slot (@Session() is undefined there, not an error)', async () => {
    const res = await fetch(`${suite.url}/public`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ session: 'none', inLocals: adapter === 'express' ? [SLOT] : null });
  });
});
