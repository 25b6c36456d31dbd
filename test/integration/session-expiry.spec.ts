import type { Redis } from 'ioredis';
import { startTestRedis, TestRedis, uniquePrefix } from '../harness/redis';
import { KeyExpiryWatcher } from '../harness/redis-events';
import { keysOfToken } from '../harness/redis-inspect';
import { RunningTestApp, testApp } from '../harness/test-app';
import { waitFor } from '../harness/wait';

const IDLE_MS = 1000;
const ABSOLUTE_MS = 2000;

/**
 * One consistent look at a session key (MULTI): Redis time, its PTTL, its exact expiry time (PEXPIRETIME, Unix ms,
 * so no rounding between TIME and PTTL) and its last-seen / absolute-deadline fields.
 */
async function snapshot(client: Redis, key: string) {
  const replies = (await client.multi().time().pttl(key).pexpiretime(key).hmget(key, 'l', 'a').exec())!;
  const [s, us] = replies[0][1] as [string, string];
  const now = Number(s) * 1000 + Math.floor(Number(us) / 1000);
  const pttl = replies[1][1] as number;
  const deadline = replies[2][1] as number;
  const [l, a] = (replies[3][1] as Array<string | null>).map(Number);
  return { now, pttl, deadline, lastSeen: l, absolute: a };
}

// Sliding and absolute expiry with second-long timeouts. Waits are bounded polls or Redis expiry events, never
// fixed sleeps; every test ends within about 3 s.
describe('session expiry', () => {
  let redis: TestRedis;
  let watcher: KeyExpiryWatcher;

  beforeAll(async () => {
    // Private: the watcher turns on keyspace notifications with CONFIG SET.
    redis = await startTestRedis([], { private: true });
    watcher = await KeyExpiryWatcher.start(redis.url, redis.client);
  });
  afterAll(async () => {
    watcher?.close();
    await redis?.close();
  });

  describe('the Redis deadline of a session (cache off, so that every request reaches Redis)', () => {
    let app: RunningTestApp;
    let prefix: string;

    beforeAll(async () => {
      prefix = uniquePrefix('expiry-ttl');
      app = await testApp(redis.url)
        .options({ keyPrefix: prefix, idleTimeoutSeconds: IDLE_MS / 1000, absoluteTimeoutSeconds: ABSOLUTE_MS / 1000, cache: { enabled: false } })
        .start();
    });
    afterAll(async () => {
      await app?.close();
    });

    it('is pushed back to the idle timeout by every request, capped at the absolute deadline, then the key expires', async () => {
      const c = app.client();
      const login = await c.login('alice');
      const key = keysOfToken(prefix, c.cookie!).session;
      const s0 = await snapshot(redis.client, key);
      const created = s0.lastSeen;
      expect(s0.absolute).toBe(created + ABSOLUTE_MS);
      expect(s0.deadline).toBe(created + IDLE_MS);
      expect(Date.parse(login.body.expiresAt)).toBe(created + IDLE_MS);

      // Half the idle timeout later, a request slides the deadline to a full idle timeout from then.
      await waitFor(() => redis.client.pttl(key), (p) => p < IDLE_MS / 2, { what: 'half the idle timeout to pass' });
      expect((await c.get('/me')).status).toBe(200);
      const s1 = await snapshot(redis.client, key);
      expect(s1.lastSeen).toBeGreaterThan(created);
      expect(s1.deadline).toBe(s1.lastSeen + IDLE_MS);
      expect(s1.deadline).toBeGreaterThan(s0.deadline);
      expect(s1.pttl).toBeGreaterThan(IDLE_MS / 2);

      // Once a full idle timeout would pass the absolute deadline, a request moves the deadline only up to it.
      await waitFor(() => snapshot(redis.client, key), (s) => s.now + IDLE_MS > s.absolute + 50, {
        what: 'the absolute deadline to come within one idle timeout',
      });
      const me = await c.get('/me');
      expect(me.status).toBe(200);
      const s2 = await snapshot(redis.client, key);
      expect(s2.lastSeen + IDLE_MS).toBeGreaterThan(s2.absolute);
      expect(s2.deadline).toBe(s2.absolute);
      expect(Date.parse(me.body.expiresAt)).toBe(s2.absolute);

      // Redis itself ends the session at the absolute deadline.
      await watcher.expired(key, ABSOLUTE_MS + 1000);
      const after = await snapshot(redis.client, key);
      expect(after.now).toBeGreaterThanOrEqual(s0.absolute);
      expect(after.pttl).toBe(-2);
      expect((await c.get('/me')).status).toBe(401);
    });

    it('is never set beyond the absolute deadline, checked after each of many requests', async () => {
      const c = app.client();
      await c.login('bob');
      const key = keysOfToken(prefix, c.cookie!).session;
      const { absolute } = await snapshot(redis.client, key);
      let requests = 0;
      for (;;) {
        const res = await c.get('/me');
        if (res.status === 401) break;
        expect(res.status).toBe(200);
        requests++;
        const s = await snapshot(redis.client, key);
        if (s.pttl === -2) break; // expired between the request and the look
        expect(s.deadline).toBeLessThanOrEqual(absolute);
        expect(s.deadline).toBe(Math.min(s.lastSeen + IDLE_MS, absolute));
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(requests).toBeGreaterThan(10);
    });
  });

  // The sample app as shipped (local cache on) and with the cache off must both honour both timeouts.
  describe.each([
    ['cache on (as shipped)', {}],
    ['cache off', { cache: { enabled: false } }],
  ])('over HTTP with the %s', (_name, extra) => {
    let app: RunningTestApp;
    let prefix: string;

    beforeAll(async () => {
      prefix = uniquePrefix('expiry-http');
      app = await testApp(redis.url)
        .options({ keyPrefix: prefix, idleTimeoutSeconds: IDLE_MS / 1000, absoluteTimeoutSeconds: ABSOLUTE_MS / 1000, ...extra })
        .start();
    });
    afterAll(async () => {
      await app?.close();
    });

    it('a session left unused for the idle timeout answers 401, and not before', async () => {
      const c = app.client();
      await c.login('alice');
      expect((await c.get('/me')).status).toBe(200);
      const key = keysOfToken(prefix, c.cookie!).session;
      const { lastSeen } = await snapshot(redis.client, key);

      await watcher.expired(key, IDLE_MS + 1500);
      const { now } = await snapshot(redis.client, key);
      // Not early: a full idle timeout passed since the last use (Redis expires keys up to ~100 ms late).
      expect(now).toBeGreaterThanOrEqual(lastSeen + IDLE_MS);
      expect(now).toBeLessThan(lastSeen + IDLE_MS + 1000);
      expect((await c.get('/me')).status).toBe(401);
      expect((await c.get('/me/cart')).status).toBe(401);
    });

    it('a session used continuously outlives the idle timeout and dies at the absolute deadline', async () => {
      const c = app.client();
      const login = await c.login('bob');
      const created = Date.parse(login.body.expiresAt) - IDLE_MS;
      const absolute = created + ABSOLUTE_MS;
      const oks: number[] = [];
      let failedAt = 0;
      let failedAnsweredAt = 0;
      let failure = 0;
      const giveUp = absolute + 1500;
      while (Date.now() < giveUp) {
        const started = Date.now();
        const res = await c.get('/me');
        if (res.status !== 200) {
          failure = res.status;
          failedAt = started;
          failedAnsweredAt = Date.now();
          break;
        }
        oks.push(started);
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(failure).toBe(401);
      // Alive well past the first idle deadline: sliding works.
      expect(Math.max(...oks)).toBeGreaterThan(created + IDLE_MS + 300);
      // Never alive after the absolute deadline (a few ms of clock granularity allowed)...
      expect(Math.max(...oks)).toBeLessThan(absolute + 5);
      // ...not refused before it (the refusal arrived after the deadline)...
      expect(failedAnsweredAt).toBeGreaterThanOrEqual(absolute - 5);
      // ...and refused right after it: within a request interval or two (generous for a loaded machine).
      expect(failedAt).toBeLessThan(absolute + 1000);
      expect(await redis.client.exists(keysOfToken(prefix, c.cookie!).session)).toBe(0);
    });
  });
});

