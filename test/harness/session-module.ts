import { INestApplication } from '@nestjs/common';
import { ExpressAdapter } from '@nestjs/platform-express';
import { Test, TestingModule } from '@nestjs/testing';
import express from 'express';
import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import { SessionModule, SessionModuleOptions, SessionService } from 'nestjs-redis-session';
import { currentExchange } from '../../lib/http/session.exchange';
import type { SessionRequest } from '../../lib/http/session-request';
import { REQUEST_SESSION } from '../../lib/session.constants';

/**
 * SessionModule alone, booted in-process (an Express app that is initialised but never listens), for specs that
 * call SessionService directly. `inRequest` runs code as a route handler would: inside a request's exchange.
 */
export interface RunningSessionModule {
  module: TestingModule;
  app: INestApplication;
  service: SessionService<Record<string, any>>;
  inRequest<T>(req: SessionRequest, fn: (res: ServerResponse) => Promise<T>): Promise<{ result: T; res: ServerResponse }>;
  close(): Promise<void>;
}

export async function startSessionModule(options: SessionModuleOptions): Promise<RunningSessionModule> {
  const module = await Test.createTestingModule({ imports: [SessionModule.forRoot(options)] }).compile();
  const app = module.createNestApplication(new ExpressAdapter(), { logger: false });
  await app.init();
  return {
    module,
    app,
    service: module.get(SessionService),
    async inRequest(req, fn) {
      const res = expressResponse();
      const result = await currentExchange.run({ req, res }, () => fn(res));
      return { result, res };
    },
    close: () => app.close(),
  };
}

/** A real Express response object with no socket I/O: only its header map is used. */
export function expressResponse(): ServerResponse {
  const res = new ServerResponse(new IncomingMessage(new Socket()));
  Object.setPrototypeOf(res, express.response);
  return res;
}

/**
 * Runs `fn` as a route handler of an Express-adapter app would run (inside the request's exchange), with `session`
 * as the session the guard resolved for the request, and returns what it returned and the response it wrote.
 */
export async function inRequest<T>(
  req: SessionRequest, fn: () => Promise<T>, session: unknown = null,
): Promise<{ result: T; res: ServerResponse; cookie(name?: string): string | undefined }> {
  const res = expressResponse();
  const withSession = Object.assign(req, { [REQUEST_SESSION]: session });
  const result = await currentExchange.run({ req: withSession, res }, fn);
  return {
    result,
    res,
    cookie: (name = 'sid') => {
      const lines = ([] as unknown[]).concat(res.getHeader('set-cookie') ?? []).map(String);
      return lines.map((l) => new RegExp(`^${name}=([^;]*)`).exec(l)?.[1]).find(Boolean);
    },
  };
}
