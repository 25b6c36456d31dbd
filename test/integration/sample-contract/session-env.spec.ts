import { SessionOptionsError } from 'nestjs-redis-session';
import type { SampleEnv } from '../../../sample-app/config/sample-config';
import { startTestRedis, TestRedis, uniquePrefix } from '../../harness/redis';
import { RunningTestApp, testApp } from '../../harness/test-app';
import { waitFor } from '../../harness/wait';

const TOKEN = /^sid=([A-Za-z0-9_-]{67});/;

// SESSION_CACHE and SESSION_ROTATION_* as `npm run sample` reads them, on both adapters. The env → options mapping
// itself is unit-tested (test/unit/sample-config.spec.ts); here the app boots with each and shows it.
describe.each(['express', 'fastify'] as const)('SESSION_CACHE and SESSION_ROTATION_* on %s', (adapter) => {
  let redis: TestRedis;
  const apps: RunningTestApp[] = [];

  const builder = (env: SampleEnv) => testApp(redis.url).adapter(adapter).env(env).options({ keyPrefix: uniquePrefix(`env-${adapter}`) });
  async function start(env: SampleEnv): Promise<RunningTestApp> {
    const app = await builder(env).start();
    apps.push(app);
    return app;
  }

  beforeAll(async () => {
    redis = await startTestRedis();
  });
  afterAll(async () => {
    for (const app of apps) await app.close();
    await redis?.close();
  });

  it.each([
    // A standalone Redis allows CLIENT TRACKING, so `tracking` gets Redis-assisted invalidation.
    [{}, 'tracking'],
    [{ SESSION_CACHE: 'tracking' }, 'tracking'],
    [{ SESSION_CACHE: 'events' }, 'events'],
    [{ SESSION_CACHE: 'off' }, 'off'],
  ])('%j runs the local cache in mode %s (as /health/details reports), and sessions work', async (env, mode) => {
    const app = await start(env);
    const details = await waitFor(() => app.client().get('/health/details'), (r) => r.body?.session?.cache === mode, {
      what: `cache mode ${mode}`,
    });
    expect(details.status).toBe(200);
    const c = app.client();
    await c.login('alice');
    expect((await c.get('/me')).status).toBe(200);
    expect((await c.post('/auth/logout')).status).toBe(204);
  });

  it('SESSION_ROTATION_SECONDS at or below the grace (30 s by default) stops boot with the library error naming both options', async () => {
    const refused = builder({ SESSION_ROTATION_SECONDS: '10' }).start();
    await expect(refused).rejects.toBeInstanceOf(SessionOptionsError);
    await expect(refused).rejects.toThrow(/rotation\.everySeconds \(10\) must be above rotation\.graceSeconds \(30\)/);
  });

  it('SESSION_ROTATION_SECONDS above SESSION_ROTATION_GRACE_SECONDS: a session in use gets a new cookie, which works', async () => {
    const app = await start({ SESSION_ROTATION_SECONDS: '2', SESSION_ROTATION_GRACE_SECONDS: '1' });
    const c = app.client();
    await c.login('alice', 'rotating');
    const first = c.cookie!;
    // Due two seconds after login: poll (bounded) until a response carries a new cookie.
    const rotated = await waitFor(
      () => app.client().get('/me', { cookie: `sid=${first}` }),
      (r) => r.headers.getSetCookie().some((line) => TOKEN.test(line)),
      { timeoutMs: 5000, intervalMs: 100, what: 'a rotated cookie' },
    );
    const next = TOKEN.exec(rotated.headers.getSetCookie().find((line) => TOKEN.test(line))!)![1];
    expect(next).not.toBe(first);
    const me = await app.client().get('/me', { cookie: `sid=${next}` });
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ userId: 'u1', device: 'rotating' });
  });
});
