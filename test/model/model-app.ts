import {
  Body, Controller, Delete, Get, HttpCode, Module, NotFoundException, Param, Post, Put, UseGuards,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import {
  ActiveSession, PublicRoute, Session, SessionEvents, SessionGuard, SessionModule, SessionModuleOptions, SessionService,
  SessionSweeper,
} from 'nestjs-redis-session';

/**
 * The routes the checker drives: one per library operation, each going through the real SessionGuard and
 * @Session(), so what is checked is what an app would see. Sessions are named by `createdAt` (ms) as well as by
 * their public id, so the checker can recognise a session even when a library changes its id.
 */
@Controller()
@UseGuards(SessionGuard)
class ModelController {
  constructor(private readonly sessions: SessionService) {}

  @Post('login')
  @PublicRoute()
  @HttpCode(200)
  async login(@Body() body: { userId: string; remember?: boolean }) {
    const s = await this.sessions.create({ userId: body.userId, remember: body.remember === true });
    return { id: s.id, createdAt: s.createdAt.getTime() };
  }

  @Get('me')
  me(@Session() s: ActiveSession) {
    return { id: s.id, userId: s.userId, createdAt: s.createdAt.getTime(), data: s.data };
  }

  @Put('field/:name')
  async write(@Session() s: ActiveSession, @Param('name') name: string, @Body() body: { value: unknown }) {
    await this.sessions.set(s, name, body.value);
    return { ok: true };
  }

  @Delete('field/:name')
  async unset(@Session() s: ActiveSession, @Param('name') name: string) {
    await this.sessions.unset(s, name);
    return { ok: true };
  }

  @Post('logout')
  @HttpCode(204)
  async logout(@Session() s: ActiveSession) {
    await this.sessions.destroy(s);
  }

  @Post('logout-all')
  @HttpCode(204)
  async logoutAll(@Session('userId') userId: string) {
    await this.sessions.destroyAllForUser(userId);
  }

  @Post('logout-others')
  @HttpCode(200)
  async logoutOthers(@Session() s: ActiveSession) {
    return { ended: await this.sessions.destroyOthers(s) };
  }

  @Delete('sessions/:id')
  @HttpCode(204)
  async revoke(@Session('userId') userId: string, @Param('id') id: string) {
    if (!(await this.sessions.revoke(userId, id))) throw new NotFoundException('No such session');
  }

  @Post('regenerate')
  @HttpCode(200)
  async regenerate(@Session() s: ActiveSession) {
    const next = await this.sessions.regenerate(s);
    return { id: next.id, createdAt: next.createdAt.getTime() };
  }

  @Get('sessions')
  async list(@Session() s: ActiveSession) {
    const list = await this.sessions.list(s.userId, s);
    return list.map((x) => ({ id: x.id, createdAt: x.createdAt.getTime(), current: x.current }));
  }
}

export type InstanceName = 'A' | 'B';

/** One app instance of the deployment under test: a real Nest HTTP app on Fastify, listening on 127.0.0.1. */
export interface ModelInstance {
  name: InstanceName;
  url: string;
  events: SessionEvents;
  sweeper: SessionSweeper;
  close(): Promise<void>;
}

export async function startModelInstance(name: InstanceName, options: SessionModuleOptions): Promise<ModelInstance> {
  @Module({ imports: [SessionModule.forRoot(options)], controllers: [ModelController] })
  class ModelAppModule {}
  const app = await NestFactory.create<NestFastifyApplication>(ModelAppModule, new FastifyAdapter(), {
    logger: false,
    abortOnError: false,
  });
  try {
    await app.listen(0, '127.0.0.1');
    const url = (await app.getUrl()).replace('[::1]', '127.0.0.1').replace('localhost', '127.0.0.1');
    return { name, url, events: app.get(SessionEvents), sweeper: app.get(SessionSweeper), close: () => app.close() };
  } catch (err) {
    await app.close();
    throw err;
  }
}
