import fastifyCookie from '@fastify/cookie';
import fastifySession from '@fastify/session';
import { CanActivate, Controller, ExecutionContext, Get, HttpCode, Injectable, Module, Post, Req, UseGuards } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { RedisStore } from 'connect-redis';
import type { FastifyRequest } from 'fastify';
import { createClient } from 'redis';
import { BENCH_USER, createApp, fail, IDLE_SECONDS, meBody, redisUrlFromEnv, serve } from './app-host';

/**
 * Peer: @fastify/session + @fastify/cookie with connect-redis as the store, rolling.
 * Per authenticated request: GET, then a full SET of the session (rolling re-saves); Set-Cookie on every response.
 * Env: PORT, REDIS_URL.
 */
declare module 'fastify' {
  interface Session {
    userId?: string;
    username?: string;
    device?: string;
    createdAt?: number;
  }
}

@Injectable()
class LoggedInGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    return Boolean(context.switchToHttp().getRequest<FastifyRequest>().session?.userId);
  }
}

@Controller()
class MeController {
  @Get('me')
  @UseGuards(LoggedInGuard)
  me(@Req() req: FastifyRequest) {
    const s = req.session;
    return meBody(s.userId!, s.username, s.device!, new Date(s.createdAt!), new Date(), s.cookie.expires ?? new Date());
  }

  @Post('login')
  @HttpCode(200)
  login(@Req() req: FastifyRequest) {
    req.session.userId = BENCH_USER.userId;
    req.session.username = BENCH_USER.username;
    req.session.device = BENCH_USER.device;
    req.session.createdAt = Date.now();
    return { ok: true };
  }
}

@Module({ controllers: [MeController] })
class FastifySessionModule {}

async function main(): Promise<void> {
  const client = createClient({ url: redisUrlFromEnv() });
  client.on('error', () => undefined);
  await client.connect();
  const app = await createApp<NestFastifyApplication>(FastifySessionModule, 'fastify');
  await app.register(fastifyCookie as never);
  await app.register(fastifySession as never, {
    cookieName: 'sid',
    secret: 'bench-secret-bench-secret-bench-secret',
    store: new RedisStore({ client, prefix: 'fs:' }),
    rolling: true,
    saveUninitialized: false,
    cookie: { httpOnly: true, sameSite: 'lax', secure: false, path: '/', maxAge: IDLE_SECONDS * 1000 },
  } as never);
  await serve(app);
}

main().catch(fail);
