import { INestApplication } from '@nestjs/common';
import { ExpressAdapter } from '@nestjs/platform-express';
import { Test, TestingModule } from '@nestjs/testing';
import express from 'express';
import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import { ActiveSession, SessionModule, SessionModuleOptions, SessionService } from 'nestjs-redis-session';
import type { InFlightExchanges } from '../../lib/http/in-flight.exchanges';
import { runInExchange } from './sign-in';
import type { SessionRequest } from '../../lib/http/session.request';
import { attachedSession, attachSession } from '../../lib/session.constants';

/**
 * SessionModule alone, booted in-process (an Express app that is initialised but never listens), for specs that
 * call SessionService directly. `inRequest` runs code as a @PublicRoute() handler would: inside a sign-in exchange.
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
      // A request made with a session (the spec put one where the guard would): tracked as the guard does.
      const session = attachedSession<ActiveSession>(req);
      if (session) {
        const { exchanges } = Reflect.get(module.get(SessionService), 'resolver') as { exchanges: InFlightExchanges };
        exchanges.add(session, { req, res });
      }
      const result = await runInExchange({ req, res }, () => fn(res));
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
 * Runs `fn` as a handler of an Express-adapter app would run: a @PublicRoute() one (inside a sign-in exchange), or,
 * given `session` and the `service` whose guard let it through, one guarded with that session. Returns what it
 * returned and the response it wrote.
 */
export async function inRequest<T>(
  req: SessionRequest, fn: () => Promise<T>, session: ActiveSession | null = null, service?: SessionService<any>,
): Promise<{ result: T; res: ServerResponse; cookie(name?: string): string | undefined }> {
  const res = expressResponse();
  attachSession(req, session);
  if (session && service) {
    // What SessionGuard does for the requests it lets through.
    const { exchanges } = Reflect.get(service, 'resolver') as { exchanges: InFlightExchanges };
    exchanges.add(session, { req, res });
  }
  const result = await runInExchange({ req, res }, fn);
  return {
    result,
    res,
    cookie: (name = 'sid') => {
      const lines = ([] as unknown[]).concat(res.getHeader('set-cookie') ?? []).map(String);
      return lines.map((l) => new RegExp(`^${name}=([^;]*)`).exec(l)?.[1]).find(Boolean);
    },
  };
}
