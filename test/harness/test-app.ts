import type { INestApplication } from '@nestjs/common';
import type { SessionModuleOptions, SessionRedisConnection } from 'nestjs-redis-session';
import { createSampleApp, HttpAdapterName } from '../../sample-app/bootstrap';
import { SampleEnv, sampleConfigFromEnv } from '../../sample-app/config/sample-config';
import { HttpClient } from './http-client';

/**
 * Builds the sample app for a test, terminus-style: each spec states only what differs.
 *   const app = await testApp(redis.url).adapter('fastify').options({ idleTimeoutSeconds: 1 }).start();
 *   const app = await testApp(redis.url).env({ SESSION_MAX_PER_USER: '2', SESSION_ON_LIMIT: 'refuse' }).start();
 * The connection is anything the library takes: a URL, `{ sentinels, name }`, `{ cluster: { nodes } }`, a client.
 * `env` goes through the same mapping as `npm run sample` (sampleConfigFromEnv); `options` are library options
 * applied on top of it.
 */
export class TestAppBuilder {
  private adapterName: HttpAdapterName = 'express';
  private overrides: Partial<SessionModuleOptions> = {};
  private envVars: Record<string, string> = {};
  private idle?: number;
  private absolute?: number;

  constructor(private readonly redis: SessionRedisConnection) {}

  adapter(name: HttpAdapterName): this {
    this.adapterName = name;
    return this;
  }

  /** Sample-app environment variables (SESSION_*, TRUST_PROXY_HOPS, ...), as `npm run sample` reads them. */
  env(vars: SampleEnv): this {
    this.envVars = { ...this.envVars, ...(vars as Record<string, string>) };
    return this;
  }

  options(o: Partial<SessionModuleOptions>): this {
    this.overrides = { ...this.overrides, ...o };
    if (o.idleTimeoutSeconds) this.idle = o.idleTimeoutSeconds;
    if (o.absoluteTimeoutSeconds) this.absolute = o.absoluteTimeoutSeconds;
    return this;
  }

  async start(): Promise<RunningTestApp> {
    const { settings } = sampleConfigFromEnv(this.envVars);
    const app = await createSampleApp(
      {
        ...settings,
        redis: this.redis,
        idleSeconds: this.idle ?? settings.idleSeconds,
        absoluteSeconds: this.absolute ?? settings.absoluteSeconds,
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
