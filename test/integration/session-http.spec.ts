import { keysUnder, startTestRedis, TestRedis, uniquePrefix } from '../harness/redis';
import { RunningTestApp, testApp } from '../harness/test-app';

// The sample app's HTTP contract, on both adapters: outside checks drive exactly these paths and codes.
describe.each(['express', 'fastify'] as const)('HTTP contract on %s', (adapter) => {
  let redis: TestRedis;
  let app: RunningTestApp;
  let prefix: string;

  beforeAll(async () => {
    redis = await startTestRedis();
    prefix = uniquePrefix(adapter);
    app = await testApp(redis.url).adapter(adapter).options({ keyPrefix: prefix }).start();
  });
  afterAll(async () => {
    await app?.close();
    await redis?.close();
  });

  it('logs in with 200, sets an HttpOnly SameSite=Lax cookie and answers /me', async () => {
    const c = app.client();
    const login = await c.login('alice', 'laptop');
    expect(login.body.userId).toBe('u1');
    expect(new Date(login.body.expiresAt).toISOString()).toBe(login.body.expiresAt);
    const setCookie = login.headers.getSetCookie().join('\n');
    expect(setCookie).toMatch(/^sid=[A-Za-z0-9_-]{46}; Path=\/; HttpOnly; SameSite=Lax$/m);
    expect(login.headers.get('cache-control')).toContain('no-cache="Set-Cookie"');
    expect(login.headers.get('vary')).toMatch(/cookie/i);

    const me = await c.get('/me');
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ userId: 'u1', username: 'alice', device: 'laptop' });
    expect(me.headers.get('vary')).toMatch(/cookie/i);
    expect(me.headers.get('set-cookie')).toBeNull();
    expect((await keysUnder(redis.client, prefix)).length).toBeGreaterThan(0);
  });
});
