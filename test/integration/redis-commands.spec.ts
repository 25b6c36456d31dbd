import { CommandMonitor, commandDelta, connectionAddresses } from '../harness/command-monitor';
import { HttpClient } from '../harness/http-client';
import { commandCalls, startTestRedis, TestRedis, uniquePrefix } from '../harness/redis';
import { RunningTestApp, testApp } from '../harness/test-app';
import { waitFor } from '../harness/wait';

const REQUESTS = 20;

/**
 * What one request costs in Redis round trips. INFO commandstats counts every command, including those a Lua
 * script runs inside one EVALSHA, so it shows how many scripts ran; MONITOR tells client commands (sent over the
 * app's connection) from script-internal ones (source "lua"), so it shows the round trips.
 */
describe.each(['express', 'fastify'] as const)('Redis commands per request on %s', (adapter) => {
  let redis: TestRedis;
  let monitor: CommandMonitor;

  beforeAll(async () => {
    redis = await startTestRedis([], { private: true });
    monitor = await CommandMonitor.start(redis.url);
  });
  afterAll(async () => {
    monitor?.close();
    await redis?.close();
  });

  /** Runs `act` and returns the commandstats delta and the commands the app's command connection sent. */
  async function measure(act: () => Promise<void>) {
    const appConnections = await connectionAddresses(redis.client, 'session:cmd');
    expect(appConnections).toHaveLength(1);
    monitor.reset();
    const before = await commandCalls(redis.client);
    await act();
    const delta = commandDelta(before, await commandCalls(redis.client));
    const sent = (await monitor.clientCommands()).filter((c) => appConnections.includes(c.source));
    return { delta, sent: sent.map((c) => c.args[0].toLowerCase()) };
  }

  describe('with the local cache off', () => {
    let app: RunningTestApp;
    let c: HttpClient;

    beforeAll(async () => {
      app = await testApp(redis.url)
        .adapter(adapter)
        .options({ keyPrefix: uniquePrefix(`cmds-${adapter}`), cache: { enabled: false } })
        .start();
      c = app.client();
      await c.login('alice');
      // ioredis sends a script's first call on a connection as EVAL, later ones as EVALSHA: warm up first.
      await c.get('/me');
      await c.put('/me/cart', { items: ['warm'] });
    });
    afterAll(async () => {
      await app?.close();
    });

    it(`an authenticated GET /me costs exactly one Redis command: one EVALSHA (measured: ${REQUESTS} for ${REQUESTS} requests)`, async () => {
      const { delta, sent } = await measure(async () => {
        for (let i = 0; i < REQUESTS; i++) expect((await c.get('/me')).status).toBe(200);
      });
      expect(delta.evalsha).toBe(REQUESTS);
      expect(delta.eval).toBeUndefined();
      expect(sent).toEqual(new Array(REQUESTS).fill('evalsha'));
    });

    it('an authenticated GET /me/cart costs exactly one EVALSHA too (the data comes with the session)', async () => {
      const { delta, sent } = await measure(async () => {
        for (let i = 0; i < REQUESTS; i++) expect((await c.get('/me/cart')).status).toBe(200);
      });
      expect(delta.evalsha).toBe(REQUESTS);
      expect(sent).toEqual(new Array(REQUESTS).fill('evalsha'));
    });

    it('a PUT /me/cart costs two EVALSHAs: the session check and the one-field write', async () => {
      const { sent } = await measure(async () => {
        for (let i = 0; i < REQUESTS; i++) expect((await c.put('/me/cart', { items: [`i${i}`] })).status).toBe(200);
      });
      expect(sent).toEqual(new Array(2 * REQUESTS).fill('evalsha'));
    });

    it('after SCRIPT FLUSH the scripts are reloaded on their own (NOSCRIPT, then EVAL) and requests succeed', async () => {
      await redis.client.script('FLUSH');
      const { sent } = await measure(async () => {
        for (let i = 0; i < 3; i++) expect((await c.get('/me')).status).toBe(200);
      });
      // The first call meets NOSCRIPT and is resent as EVAL; the rest are EVALSHA again.
      expect(sent).toEqual(['evalsha', 'eval', 'evalsha', 'evalsha']);
    });
  });

  describe('with the local cache on (the sample app as shipped)', () => {
    let app: RunningTestApp;
    let c: HttpClient;

    beforeAll(async () => {
      app = await testApp(redis.url).adapter(adapter).options({ keyPrefix: uniquePrefix(`cmdc-${adapter}`) }).start();
      c = app.client();
      await c.login('alice');
      // The cache turns itself on just after boot (once its invalidation subscriber is ready), and a request that
      // slides the expiry is followed by that write's own invalidation; wait (bounded) for a request that costs
      // nothing, i.e. the steady state of a hot session.
      await waitFor(async () => (await measure(async () => void (await c.get('/me')))).sent.length, (n) => n === 0, {
        timeoutMs: 5000, what: 'a GET /me served from the cache',
      });
    });
    afterAll(async () => {
      await app?.close();
    });

    it(`repeated GET /me within the refresh interval cost no Redis command (measured: 0 for ${REQUESTS} requests)`, async () => {
      const { sent } = await measure(async () => {
        for (let i = 0; i < REQUESTS; i++) expect((await c.get('/me')).status).toBe(200);
      });
      expect(sent).toEqual([]);
    });
  });
});
