import { CanActivate, Controller, createParamDecorator, ExecutionContext, Get, HttpCode, Injectable, Module, Post, UseGuards } from '@nestjs/common';
import { adapterFromEnv, BENCH_USER, createApp, fail, IDLE_SECONDS, meBody, serve } from './app-host';

/**
 * The ceiling: the same Nest app and `GET /me` body with no session at all. Env: PORT, ADAPTER, and GUARD=1 (an
 * experiment row) for Nest's own machinery around a session library: a guard that lets every request through and a
 * parameter decorator that reads the request, both doing nothing else.
 */
const CREATED = new Date();
const guarded = process.env.GUARD === '1';

@Injectable()
class AllowGuard implements CanActivate {
  canActivate(): boolean {
    return true;
  }
}

const Caller = createParamDecorator((_: unknown, ctx: ExecutionContext) => ctx.switchToHttp().getRequest<{ url: string }>().url);

function body() {
  const now = Date.now();
  return meBody(BENCH_USER.userId, BENCH_USER.username, BENCH_USER.device, CREATED, new Date(now), new Date(now + IDLE_SECONDS * 1000));
}

@Controller()
class MeController {
  @Get('me')
  me() {
    return body();
  }


  @Post('login')
  @HttpCode(200)
  login() {
    return { ok: true };
  }
}

/** GET /me behind the guard, with the decorator: the same body. */
@Controller()
@UseGuards(AllowGuard)
class GuardedMeController {
  @Get('me')
  me(@Caller() _caller: string) {
    return body();
  }

  @Post('login')
  @HttpCode(200)
  login() {
    return { ok: true };
  }
}

@Module({ controllers: [guarded ? GuardedMeController : MeController] })
class BareModule {}

async function main(): Promise<void> {
  const app = await createApp(BareModule, adapterFromEnv());
  await serve(app);
}

main().catch(fail);
