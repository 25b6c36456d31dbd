import { startTestRedis, TestRedis, uniquePrefix } from '../../harness/redis';
import { RunningTestApp, testApp } from '../../harness/test-app';
import { waitFor } from '../../harness/wait';

/** The contract's bound for answering while Redis is down. */
const DOWN_BUDGET_MS = 2000;

// GET /health/details on both adapters: a monitor reads the status code, so "down" is a 503 (with the same
// terminus-shaped body), not a 200 that says down; the app recovers without a restart.
describe.each(['express', 'fastify'] as const)('GET /health/details on %s', (adapter) => {
  let redis: TestRedis;
  let app: RunningTestApp;

  beforeAll(async () => {
    // Private: this suite kills and restarts the server.
    redis = await startTestRedis([], { private: true });
    app = await testApp(redis.url).adapter(adapter).options({ keyPrefix: uniquePrefix(`health-${adapter}`) }).start();
  });
  afterAll(async () => {
    await app?.close();
    await redis?.close();
  });

  it('answers 200 with status up while Redis is up, 503 with status down within 2 s while it is down, 200 again after', async () => {
    const up = await app.client().get('/health/details');
    expect(up.status).toBe(200);
    expect(up.body).toEqual({
      session: expect.objectContaining({ status: 'up', redis: 'up', cache: expect.any(String), risks: expect.any(Array) }),
    });

    await redis.server!.crash();
    const down = await app.client().get('/health/details');
    expect(down.status).toBe(503);
    expect(down.ms).toBeLessThan(DOWN_BUDGET_MS);
    expect(down.body).toEqual({ session: expect.objectContaining({ status: 'down', redis: 'down' }) });

    await redis.server!.start();
    const again = await waitFor(() => app.client().get('/health/details'), (r) => r.status === 200, {
      timeoutMs: 5000, what: '/health/details 200 after the restart',
    });
    expect(again.body.session).toMatchObject({ status: 'up', redis: 'up' });
  });
});
