import type { SampleEnv } from '../../../sample-app/config/sample-config';
import { HttpClient } from '../../harness/http-client';
import { startTestRedis, TestRedis, uniquePrefix } from '../../harness/redis';
import { RunningTestApp, testApp } from '../../harness/test-app';

const LOGIN = { username: 'alice', password: 'alice-pass' };

// SESSION_MAX_PER_USER and SESSION_ON_LIMIT on both adapters: the limit is per user, `refuse` answers 409 and
// keeps what exists, `evict-oldest` (the default) ends the session that was created first.
describe.each(['express', 'fastify'] as const)('SESSION_MAX_PER_USER on %s', (adapter) => {
  let redis: TestRedis;
  const apps: RunningTestApp[] = [];

  async function start(env: SampleEnv): Promise<RunningTestApp> {
    const app = await testApp(redis.url).adapter(adapter).env(env).options({ keyPrefix: uniquePrefix(`limit-${adapter}`) }).start();
    apps.push(app);
    return app;
  }

  async function login(app: RunningTestApp, device: string, extra: object = {}): Promise<HttpClient> {
    const c = app.client();
    const res = await c.post('/auth/login', { ...LOGIN, device, ...extra });
    expect(res.status).toBe(200);
    return c;
  }

  const devicesOf = async (c: HttpClient) => ((await c.get('/sessions')).body as Array<{ device: string }>).map((s) => s.device);

  beforeAll(async () => {
    redis = await startTestRedis();
  });
  afterAll(async () => {
    for (const app of apps) await app.close();
    await redis?.close();
  });

  it('SESSION_ON_LIMIT=refuse: a third login answers 409 without a cookie, and the first two keep working', async () => {
    const app = await start({ SESSION_MAX_PER_USER: '2', SESSION_ON_LIMIT: 'refuse' });
    const first = await login(app, 'first');
    const second = await login(app, 'second');

    const third = app.client();
    const refused = await third.post('/auth/login', { ...LOGIN, device: 'third' });
    expect(refused.status).toBe(409);
    expect(refused.headers.getSetCookie()).toEqual([]);
    expect((await first.get('/me')).status).toBe(200);
    expect((await second.get('/me')).status).toBe(200);
    expect(await devicesOf(first)).toEqual(['first', 'second']);

    // The limit is per user: bob is not affected by alice's.
    expect((await app.client().post('/auth/login', { username: 'bob', password: 'bob-pass' })).status).toBe(200);
    // A logout frees a place.
    expect((await first.post('/auth/logout')).status).toBe(204);
    expect((await third.post('/auth/login', { ...LOGIN, device: 'third' })).status).toBe(200);
    expect(await devicesOf(third)).toEqual(['second', 'third']);
  });

  it('evict-oldest (the default): a third login ends the session created first and keeps the other two', async () => {
    const app = await start({ SESSION_MAX_PER_USER: '2' });
    const first = await login(app, 'first');
    const second = await login(app, 'second');
    const third = await login(app, 'third');
    expect((await first.get('/me')).status).toBe(401);
    expect((await second.get('/me')).status).toBe(200);
    expect((await third.get('/me')).status).toBe(200);
    expect(await devicesOf(third)).toEqual(['second', 'third']);
  });

  // Oldest means created first, whatever the deadlines: a remembered session (created first, but with the longest
  // lifetime) is still the one to go. An eviction by absolute deadline would end the second, newer session instead.
  it('evict-oldest picks by creation time, not by deadline: a remembered first session is still the one evicted', async () => {
    const app = await start({ SESSION_MAX_PER_USER: '2', SESSION_ON_LIMIT: 'evict-oldest' });
    const first = await login(app, 'remembered-first', { remember: true });
    const second = await login(app, 'plain-second');
    const third = await login(app, 'plain-third');
    expect({ first: (await first.get('/me')).status, second: (await second.get('/me')).status })
      .toEqual({ first: 401, second: 200 });
    expect(await devicesOf(third)).toEqual(['plain-second', 'plain-third']);
  });

  it('without SESSION_MAX_PER_USER (0) a user may have many sessions', async () => {
    const app = await start({});
    const clients = [];
    for (let i = 0; i < 5; i++) clients.push(await login(app, `d${i}`));
    for (const c of clients) expect((await c.get('/me')).status).toBe(200);
  });
});
