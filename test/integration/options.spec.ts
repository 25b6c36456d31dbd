import { Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { Redis } from 'ioredis';
import { SESSION_OPTIONS } from '../../lib/session.tokens';
import {
  SessionModule,
  SessionModuleOptions,
  SessionOptionsError,
  SessionService,
} from 'nestjs-redis-session';
import { startTestRedis, TestRedis, uniquePrefix } from '../harness/redis';
import { testApp } from '../harness/test-app';

/** Boots a module holding SessionModule the way an app would (compile + init) and returns what it threw. */
async function bootError(imports: unknown[]): Promise<unknown> {
  try {
    const module = await Test.createTestingModule({ imports: imports as never[] }).compile();
    const app = module.createNestApplication();
    await app.init();
    await app.close();
  } catch (err) {
    return err;
  }
  return undefined;
}

const asOptions = (o: unknown) => o as SessionModuleOptions;

describe('SessionModule options at boot', () => {
  let redis: TestRedis;

  beforeAll(async () => {
    redis = await startTestRedis();
  });
  afterAll(async () => {
    await redis?.close();
  });

  describe.each([
    ['forRoot', (o: unknown) => SessionModule.forRoot(asOptions(o))],
    ['forRootAsync with a sync factory', (o: unknown) => SessionModule.forRootAsync({ useFactory: () => asOptions(o) })],
    ['forRootAsync with an async factory', (o: unknown) =>
      SessionModule.forRootAsync({ useFactory: async () => asOptions(o) })],
  ])('%s', (_how, register) => {
    it.each([
      ['a negative idle timeout', { idleTimeoutSeconds: -5 }, 'idleTimeoutSeconds must be a positive integer, got -5'],
      ['an invalid nested cookie.sameSite', { cookie: { sameSite: 'sideways' } },
        'cookie.sameSite must be one of lax, strict, none, got "sideways"'],
      ['an idle timeout longer than the absolute one', { idleTimeoutSeconds: 7200, absoluteTimeoutSeconds: 3600 },
        'idleTimeoutSeconds (7200) must not exceed absoluteTimeoutSeconds (3600)'],
      ['no redis at all', { redis: undefined }, 'redis is required'],
    ])('refuses to boot with %s, throwing SessionOptionsError', async (_what, bad, message) => {
      const err = await bootError([register({ redis: redis.url, ...bad })]);
      expect(err).toBeInstanceOf(SessionOptionsError);
      expect((err as Error).message).toContain(message);
    });

    it('boots with valid options and exposes them, defaults applied, as SESSION_OPTIONS', async () => {
      const module = await Test.createTestingModule({
        imports: [register({ redis: redis.url, keyPrefix: uniquePrefix('opts'), idleTimeoutSeconds: 60 })],
      }).compile();
      try {
        await module.init();
        const resolved = module.get(SESSION_OPTIONS);
        expect(resolved).toMatchObject({ idleTimeoutSeconds: 60, absoluteTimeoutSeconds: 86400, maxDataBytes: 16384 });
        expect(await module.get(SessionService).isRedisUp()).toBe(true);
      } finally {
        await module.close();
      }
    });
  });

  it('forRootAsync takes its options from an injected provider, and validates them too', async () => {
    const CONFIG = 'CONFIG';
    @Module({ providers: [{ provide: CONFIG, useValue: { idle: -5 } }], exports: [CONFIG] })
    class ConfigModule {}
    const err = await bootError([
      SessionModule.forRootAsync({
        imports: [ConfigModule],
        inject: [CONFIG],
        useFactory: (c: { idle: number }) => ({ redis: redis.url, idleTimeoutSeconds: c.idle }),
      }),
    ]);
    expect(err).toBeInstanceOf(SessionOptionsError);
    expect((err as SessionOptionsError).problems).toEqual(['idleTimeoutSeconds must be a positive integer, got -5']);
  });

  it('lists every problem in one SessionOptionsError', async () => {
    const err = await bootError([
      SessionModule.forRoot(asOptions({ redis: 'http://nope', idleTimeoutSeconds: -5, cookie: { sameSite: 'x' } })),
    ]);
    expect(err).toBeInstanceOf(SessionOptionsError);
    expect((err as SessionOptionsError).problems).toEqual([
      'redis must be a redis:// or rediss:// URL, got "http://nope"',
      'idleTimeoutSeconds must be a positive integer, got -5',
      'cookie.sameSite must be one of lax, strict, none, got "x"',
    ]);
  });

  it('boots with an ioredis client the app owns, uses it, and leaves it open on shutdown', async () => {
    const client = new Redis(redis.url, { lazyConnect: true });
    await client.connect();
    try {
      const module = await Test.createTestingModule({
        imports: [SessionModule.forRoot({ redis: client, keyPrefix: uniquePrefix('own') })],
      }).compile();
      await module.init();
      const { token } = await module.get(SessionService).issue({ userId: 'u1' });
      expect(await module.get(SessionService).getByToken(token)).not.toBeNull();
      await module.close();
      expect(client.status).toBe('ready');
    } finally {
      client.disconnect();
    }
  });

  it('boots with a 1 s idle timeout when the cache is off (the shortest valid value)', async () => {
    const err = await bootError([
      SessionModule.forRoot({ redis: redis.url, keyPrefix: uniquePrefix('idle1'), idleTimeoutSeconds: 1, absoluteTimeoutSeconds: 2 }),
    ]);
    expect(err).toBeUndefined();
  });

  it('the sample app refuses to start with a bad option, rejecting with SessionOptionsError', async () => {
    const err = await testApp(redis.url).options({ idleTimeoutSeconds: -5 }).start().then(
      (app) => app.close().then(() => undefined),
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(SessionOptionsError);
    expect((err as Error).message).toContain('idleTimeoutSeconds must be a positive integer, got -5');
  });

  it('uses a custom cookie name and SameSite=Strict end to end', async () => {
    const app = await testApp(redis.url)
      .options({ keyPrefix: uniquePrefix('cookie'), cookie: { name: 'app_sid', sameSite: 'strict' } })
      .start();
    try {
      const res = await fetch(`${app.url}/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'alice', password: 'alice-pass' }),
      });
      expect(res.status).toBe(200);
      const [line] = res.headers.getSetCookie();
      expect(line).toMatch(/^app_sid=[A-Za-z0-9_-]{67}; Path=\/; HttpOnly; SameSite=Strict$/);
      const token = /^app_sid=([^;]+)/.exec(line)![1];
      const me = await app.client().get('/me', { cookie: `app_sid=${token}` });
      expect(me.status).toBe(200);
      expect((await app.client().get('/me', { cookie: `sid=${token}` })).status).toBe(401);
    } finally {
      await app.close();
    }
  });
});
