import { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter, NestExpressApplication } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { AppModule } from './app.module';
import type { SampleAppConfig } from './config/sample-app-config';

export type HttpAdapterName = 'express' | 'fastify';

/**
 * Largest request body the app parses, on both adapters alike (Fastify's default; Express's own is 100 KiB).
 * A larger one answers 413.
 */
export const BODY_LIMIT_BYTES = 1024 * 1024;

/**
 * Creates the sample app on either adapter, with what the HTTP contract relies on: one body limit (413 above it),
 * and 400 (never 500) for a body that is not JSON, nests too deep or does not match its DTO.
 */
export async function createSampleApp(
  config: SampleAppConfig, adapter: HttpAdapterName = 'express', logger: false | undefined = undefined,
): Promise<INestApplication> {
  const app = await NestFactory.create(
    AppModule.register(config, adapter),
    adapter === 'fastify' ? new FastifyAdapter({ bodyLimit: BODY_LIMIT_BYTES }) : new ExpressAdapter(),
    // abortOnError off: a boot failure (e.g. a bad option) is thrown to the caller instead of exiting the process.
    { logger: logger === false ? false : ['log', 'warn', 'error'], abortOnError: false },
  );
  if (adapter === 'express') {
    // Registered before init, these replace Nest's default parsers (which use Express's 100 KiB limit).
    const express = app as NestExpressApplication;
    express.useBodyParser('json', { limit: BODY_LIMIT_BYTES });
    express.useBodyParser('urlencoded', { limit: BODY_LIMIT_BYTES, extended: true });
  }
  // Bodies are validated where they are read (@ValidBody()): global pipes would run on every parameter of every route.
  return app;
}
