import 'reflect-metadata';
import { INestApplicationContext, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { SessionEvents, SessionModule, SessionModuleOptions, SessionService, SessionSweeper } from 'nestjs-redis-session';

/** One in-process "app instance": the library's module alone, as a user's app would import it. */
export interface SessionContext {
  ctx: INestApplicationContext;
  sessions: SessionService<Record<string, unknown>>;
  events: SessionEvents;
  sweeper: SessionSweeper;
  close(): Promise<void>;
}

export async function sessionContext(redisUrl: string, options: Partial<SessionModuleOptions> = {}): Promise<SessionContext> {
  @Module({
    imports: [
      SessionModule.forRoot({
        redis: redisUrl,
        // Bulk creation keeps many commands in flight on a shared 2-core machine: a generous timeout keeps the
        // measurement from failing on a scheduling hiccup (requests in the load tests keep the 1 s default).
        redisCommandTimeoutMs: 10_000,
        ...options,
        // The periodic sweep stays off: the benchmark calls sweep() itself when it measures it.
        events: { sweepIntervalSeconds: 0, ...options.events },
      }),
    ],
  })
  class ScaleModule {}
  const ctx = await NestFactory.createApplicationContext(ScaleModule, { logger: ['error'], abortOnError: false });
  await ctx.init();
  return {
    ctx,
    sessions: ctx.get(SessionService, { strict: false }),
    events: ctx.get(SessionEvents, { strict: false }),
    sweeper: ctx.get(SessionSweeper, { strict: false }),
    close: () => ctx.close(),
  };
}

/** Runs `task(i)` for i in [0, n) with at most `concurrency` in flight. */
export async function runConcurrently(n: number, concurrency: number, task: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < n; i = next++) await task(i);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, n) }, worker));
}
