import { Controller, Get, HttpCode, Module, Post } from '@nestjs/common';
import { adapterFromEnv, BENCH_USER, createApp, fail, IDLE_SECONDS, meBody, serve } from './app-host';

/** The ceiling: the same Nest app and `GET /me` body with no session at all. Env: PORT, ADAPTER. */
const CREATED = new Date();

@Controller()
class MeController {
  @Get('me')
  me() {
    const now = Date.now();
    return meBody(BENCH_USER.userId, BENCH_USER.username, BENCH_USER.device, CREATED, new Date(now), new Date(now + IDLE_SECONDS * 1000));
  }

  @Post('login')
  @HttpCode(200)
  login() {
    return { ok: true };
  }
}

@Module({ controllers: [MeController] })
class BareModule {}

async function main(): Promise<void> {
  const app = await createApp(BareModule, adapterFromEnv());
  await serve(app);
}

main().catch(fail);
