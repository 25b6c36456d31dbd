import { INestApplication, Module, Provider, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { SessionModule, SessionModuleOptions } from 'nestjs-redis-session';
import { startTestRedis, TestRedis, uniquePrefix } from './redis';

export interface OwnAppSpec {
  controllers?: Type<unknown>[];
  providers?: Provider[];
  adapter?: 'express' | 'fastify';
  /** Library options over the defaults here: a fresh key prefix, no readiness check at boot. */
  options?: Partial<SessionModuleOptions>;
}

/**
 * A spec's own small app, as an app wires the library: SessionModule.forRoot and the spec's controllers and
 * providers, listening on a free port of 127.0.0.1. Returns the app (the caller closes it) and its base URL.
 */
export async function ownApp(redisUrl: string, spec: OwnAppSpec = {}): Promise<{ app: INestApplication; url: string }> {
  @Module({
    imports: [
      SessionModule.forRoot({ redis: redisUrl, keyPrefix: uniquePrefix('own'), checkRedisAtBoot: false, ...spec.options }),
    ],
    controllers: spec.controllers ?? [],
    providers: spec.providers ?? [],
  })
  class OwnAppModule {}
  const adapter = spec.adapter === 'fastify' ? new FastifyAdapter() : new ExpressAdapter();
  const app = await NestFactory.create(OwnAppModule, adapter, { logger: false, abortOnError: false });
  await app.listen(0, '127.0.0.1');
  return { app, url: (await app.getUrl()).replace('[::1]', '127.0.0.1') };
}

/**
 * ownApp() for a whole describe block: beforeAll starts a private Redis and the app on it, afterAll closes both.
 * Tests read the base URL from the returned object once the block runs.
 */
export function ownAppForSuite(spec: OwnAppSpec): { readonly url: string } {
  let redis: TestRedis | undefined;
  let running: { app: INestApplication; url: string } | undefined;
  beforeAll(async () => {
    redis = await startTestRedis();
    running = await ownApp(redis.url, spec);
  });
  afterAll(async () => {
    await running?.app.close();
    await redis?.close();
  });
  return {
    get url() {
      if (!running) throw new Error('ownAppForSuite: the app is not running (read url inside a test)');
      return running.url;
    },
  };
}
