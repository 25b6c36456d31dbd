import { CanActivate, Controller, ExecutionContext, Get, HttpCode, Injectable, Module, Post, Req, UseGuards } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { RedisStore } from 'connect-redis';
import type { Request } from 'express';
import session from 'express-session';
import { createClient } from 'redis';
import { BENCH_USER, createApp, fail, IDLE_SECONDS, meBody, redisUrlFromEnv, serve } from './app-host';

/**
 * Peer: express-session + connect-redis (node-redis v5 client), rolling, as the connect-redis README sets it up.
 * Per authenticated request: GET, then EXPIRE (touch), sequential; Set-Cookie on every response (rolling).
 * Env: PORT, REDIS_URL.
 */
declare module 'express-session' {
  interface SessionData {
    userId: string;
    username: string;
    device: string;
    createdAt: number;
  }
}

@Injectable()
class LoggedInGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    return Boolean(context.switchToHttp().getRequest<Request>().session?.userId);
  }
}

@Controller()
class MeController {
  @Get('me')
  @UseGuards(LoggedInGuard)
  me(@Req() req: Request) {
    const s = req.session;
    return meBody(s.userId!, s.username, s.device!, new Date(s.createdAt!), new Date(), s.cookie.expires ?? new Date());
  }

  @Post('login')
  @HttpCode(200)
  login(@Req() req: Request) {
    req.session.userId = BENCH_USER.userId;
    req.session.username = BENCH_USER.username;
    req.session.device = BENCH_USER.device;
    req.session.createdAt = Date.now();
    return { ok: true };
  }
}

@Module({ controllers: [MeController] })
class ExpressSessionModule {}

async function main(): Promise<void> {
  const client = createClient({ url: redisUrlFromEnv() });
  client.on('error', () => undefined);
  await client.connect();
  const app = await createApp<NestExpressApplication>(ExpressSessionModule, 'express');
  app.use(
    session({
      name: 'sid',
      secret: 'bench-secret-bench-secret-bench-secret',
      store: new RedisStore({ client, prefix: 'es:' }),
      resave: false,
      saveUninitialized: false,
      rolling: true,
      cookie: { httpOnly: true, sameSite: 'lax', secure: false, maxAge: IDLE_SECONDS * 1000 },
    }),
  );
  await serve(app);
}

main().catch(fail);
