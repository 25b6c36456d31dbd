import type { INestApplication } from '@nestjs/common';
import type { SessionModuleOptions, SessionRedisConnection } from 'nestjs-redis-session';
import { createSampleApp, HttpAdapterName } from '../../sample-app/bootstrap';
import { HttpClient } from './http-client';

/**
 * Builds the sample app for a test, terminus-style: each spec states only what differs.
 *   const app = await testApp(redis.url).adapter('fastify').options({ idleTimeoutSeconds: 1 }).start();
 * The connection is anything the library takes: a URL, `{ sentinels, name }`, `{ cluster: { nodes } }`, a client.
 */
export class TestAppBuilder {
  private adapterName: HttpAdapterName = 'express';
  private overrides: Partial<SessionModuleOptions> = {};
  private idle = 1800;
  private absolute = 86400;

  constructor(private readonly redis: SessionRedisConnection) {}

  adapter(name: HttpAdapterName): this {
    this.adapterName = name;
    return this;
  }

  options(o: Partial<SessionModuleOptions>): this {
    this.overrides = { ...this.overrides, ...o };
    if (o.idleTimeoutSeconds) this.idle = o.idleTimeoutSeconds;
    if (o.absoluteTimeoutSeconds) this.absolute = o.absoluteTimeoutSeconds;
    return this;
  }

  async start(): Promise<RunningTestApp> {
    const app = await createSampleApp(
      {
        redis: this.redis,
        idleSeconds: this.idle,
        absoluteSeconds: this.absolute,
        cookieSecure: false,
        sessionOverrides: this.overrides,
      },
      this.adapterName,
      false,
    );
    await app.listen(0, '127.0.0.1');
    const url = (await app.getUrl()).replace('[::1]', '127.0.0.1').replace('localhost', '127.0.0.1');
    return new RunningTestApp(app, url);
  }
}

export class RunningTestApp {
  constructor(readonly app: INestApplication, readonly url: string) {}

  /** A fresh "browser" with its own cookie. */
  client(): HttpClient {
    return new HttpClient(this.url);
  }

  get<T>(token: new (...args: any[]) => T): T {
    return this.app.get(token);
  }

  close(): Promise<void> {
    return this.app.close();
  }
}

export const testApp = (redis: SessionRedisConnection) => new TestAppBuilder(redis);
