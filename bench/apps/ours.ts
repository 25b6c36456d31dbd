import { Controller, Get, HttpCode, Module, Post, UseGuards } from '@nestjs/common';
import { ActiveSession, PublicRoute, Session, SessionGuard, SessionModule, SessionService } from 'nestjs-redis-session';
import { adapterFromEnv, BENCH_USER, createApp, fail, meBody, redisUrlFromEnv, serve } from './app-host';

/**
 * nestjs-redis-session as a user wires it: SessionModule.forRoot + SessionGuard + @Session(), imported by package
 * name (the built dist/lib through the package's self-reference). Defaults everywhere except:
 * - CACHE=1 turns the local cache on (`cache: { enabled: true }`); otherwise strict mode (every request asks Redis);
 * - the periodic sweep is off, so a sweep firing mid-run cannot pollute the command counts;
 * - AUTOPIPELINE=1 (extra rows only, not the default table) passes ioredis options with `enableAutoPipelining`, as a
 *   user can today, to measure what auto-pipelining would bring as a library default.
 * Env: PORT, ADAPTER (express | fastify), REDIS_URL, CACHE (0 | 1), AUTOPIPELINE (0 | 1).
 */
function redisConnection(): string | { host: string; port: number; enableAutoPipelining: true } {
  const url = redisUrlFromEnv();
  if (process.env.AUTOPIPELINE !== '1') return url;
  const { hostname, port } = new URL(url);
  return { host: hostname, port: Number(port), enableAutoPipelining: true };
}

interface BenchData {
  username: string;
}

@Controller('me')
@UseGuards(SessionGuard)
class MeController {
  @Get()
  me(@Session() s: ActiveSession<BenchData>) {
    return meBody(s.userId, s.data.username, s.device, s.createdAt, s.lastSeenAt, s.expiresAt);
  }
}

@Controller('login')
@UseGuards(SessionGuard)
class LoginController {
  constructor(private readonly sessions: SessionService<BenchData>) {}

  @Post()
  @PublicRoute()
  @HttpCode(200)
  async login() {
    const s = await this.sessions.create({
      userId: BENCH_USER.userId,
      device: BENCH_USER.device,
      data: { username: BENCH_USER.username },
    });
    return { id: s.id };
  }
}

@Module({
  imports: [
    SessionModule.forRoot({
      redis: redisConnection(),
      cache: { enabled: process.env.CACHE === '1' },
      events: { sweepIntervalSeconds: 0 },
    }),
  ],
  controllers: [MeController, LoginController],
})
class OursModule {}

async function main(): Promise<void> {
  const app = await createApp(OursModule, adapterFromEnv());
  await serve(app);
}

main().catch(fail);
