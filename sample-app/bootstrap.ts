import { INestApplication, ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { AppModule, SampleAppConfig } from './app.module';

export type HttpAdapterName = 'express' | 'fastify';

/** Creates the sample app on either adapter, with the pipes the HTTP contract relies on (400 on a bad body). */
export async function createSampleApp(
  config: SampleAppConfig, adapter: HttpAdapterName = 'express', logger: false | undefined = undefined,
): Promise<INestApplication> {
  const app = await NestFactory.create(
    AppModule.register(config),
    adapter === 'fastify' ? new FastifyAdapter() : new ExpressAdapter(),
    // abortOnError off: a boot failure (e.g. a bad option) is thrown to the caller instead of exiting the process.
    { logger: logger === false ? false : ['log', 'warn', 'error'], abortOnError: false },
  );
  app.useGlobalPipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: false }));
  return app;
}
