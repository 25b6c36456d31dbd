import { SessionCache } from '../../lib/store/session.cache';
import { SessionEvents, SessionModuleOptions } from 'nestjs-redis-session';
import { HttpClient } from '../harness/http-client';
import { startTestRedis, TestRedis, uniquePrefix } from '../harness/redis';
import { keysOfToken, redisNowMs } from '../harness/redis-inspect';
import { RunningTestApp, testApp } from '../harness/test-app';
import { waitFor } from '../harness/wait';

// Regression tests for defects found where features meet (rotation × writes × logout × cache × events), over
// HTTP on the sample app, as a browser meets them. One test per defect; the model-based checker covers the rest.

const ROTATION = { rotation: { everySeconds: 60, graceSeconds: 30 } } as const;
const CACHES: Array<[string, Partial<SessionModuleOptions>]> = [
  ['cache off', { cache: { enabled: false } }],
  ['cache on', { cache: { enabled: true } }],
];

describe('hardening over HTTP', () => {
  let redis: TestRedis;
  const apps: RunningTestApp[] = [];
  const start = async (prefix: string, options: Partial<SessionModuleOptions>) => {
    const app = await testApp(redis.url).options({ keyPrefix: prefix, ...options }).start();
    apps.push(app);
    return app;
  };

  beforeAll(async () => {
    redis = await startTestRedis([], { private: true });
  });
  afterAll(async () => {
    for (const app of apps) await app.close();
    await redis?.close();
  });

  /** Makes rotation due for the session a token names, by moving its last renewal back in Redis (not waiting). */
  const makeRotationDue = async (prefix: string, token: string) => {
    await redis.client.hset(keysOfToken(prefix, token).session, 't', (await redisNowMs(redis.client)) - 120_000);
  };
  const sameBrowser = (app: RunningTestApp, token: string) => {
    const c = app.client();
    c.cookie = token;
    return c;
  };

  describe.each(CACHES)('rotation × a concurrent write (%s)', (_name, cache) => {
    it('a write racing the request that rotates is never lost (10 tries)', async () => {
      const prefix = uniquePrefix('rot-write');
      const app = await start(prefix, { ...ROTATION, ...cache });
      for (let i = 0; i < 10; i++) {
        const browser = app.client();
        await browser.login('alice', `try-${i}`);
        const token = browser.cookie!;
        await makeRotationDue(prefix, token);
        const [read, write] = await Promise.all([
          sameBrowser(app, token).get('/me'),
          sameBrowser(app, token).put('/me/cart', { items: [`item-${i}`] }),
        ]);
        expect([read.status, write.status]).toEqual([200, 200]);
        // Whichever response carried the new cookie, the session behind it holds the cart.
        const rotated = [read, write].flatMap((r) => r.headers.getSetCookie()).map((l) => /^sid=([^;]+)/.exec(l)![1]);
        expect(rotated).toHaveLength(1);
        expect((await sameBrowser(app, rotated[0]).get('/me/cart')).body).toEqual({ items: [`item-${i}`] });
      }
    });
  });

  it('rotation × a concurrent logout: the logout ends the session for every token it ever had (10 tries)', async () => {
    const prefix = uniquePrefix('rot-logout');
    const app = await start(prefix, { ...ROTATION, cache: { enabled: true } });
    for (let i = 0; i < 10; i++) {
      const browser = app.client();
      await browser.login('bob', `try-${i}`);
      const token = browser.cookie!;
      await makeRotationDue(prefix, token);
      const [read, logout] = await Promise.all([sameBrowser(app, token).get('/me'), sameBrowser(app, token).post('/auth/logout')]);
      expect(logout.status).toBe(204);
      const tokens = [token, ...read.headers.getSetCookie().map((l) => /^sid=([^;]*)/.exec(l)![1]).filter(Boolean)];
      for (const t of tokens) expect((await sameBrowser(app, t).get('/me')).status).toBe(401);
      expect(await redis.client.exists(keysOfToken(prefix, token).session)).toBe(0);
    }
  });

  it('a device keeps its public id through rotation, so another device can sign it out', async () => {
    const prefix = uniquePrefix('rot-id');
    const app = await start(prefix, { ...ROTATION, cache: { enabled: true } });
    const laptop = app.client();
    const phone = app.client();
    await laptop.login('alice', 'laptop');
    await phone.login('alice', 'phone');
    const before = (await phone.get('/sessions')).body as Array<{ id: string; device: string }>;
    const laptopId = before.find((s) => s.device === 'laptop')!.id;
    const oldToken = laptop.cookie!;
    await makeRotationDue(prefix, oldToken);
    expect((await laptop.get('/me')).status).toBe(200);
    expect(laptop.cookie).not.toBe(oldToken);
    const after = (await phone.get('/sessions')).body as Array<{ id: string; device: string }>;
    expect(after.map((s) => s.id).sort()).toEqual(before.map((s) => s.id).sort());
    expect((await phone.delete(`/sessions/${laptopId}`)).status).toBe(204);
    expect((await laptop.get('/me')).status).toBe(401);
    expect((await sameBrowser(app, oldToken).get('/me')).status).toBe(401);
  });

  it('a token already replaced by a rotation works during the grace, but never rotates again', async () => {
    const prefix = uniquePrefix('rot-once');
    const app = await start(prefix, { ...ROTATION, cache: { enabled: false } });
    const browser = app.client();
    await browser.login('alice', 'laptop');
    const oldToken = browser.cookie!;
    await makeRotationDue(prefix, oldToken);
    expect((await browser.get('/me')).headers.getSetCookie()).toHaveLength(1);
    // The replaced token is still due by the clock, but it is not the current one: it gets no new cookie.
    await makeRotationDue(prefix, oldToken);
    const late = await sameBrowser(app, oldToken).get('/me');
    expect(late.status).toBe(200);
    expect(late.headers.getSetCookie()).toEqual([]);
  });

  it('cache + rotation with events off: after logout, the replaced token is refused at once on that instance', async () => {
    const prefix = uniquePrefix('rot-noevents');
    const app = await start(prefix, { ...ROTATION, cache: { enabled: true }, events: { enabled: false } });
    const browser = app.client();
    await browser.login('alice', 'laptop');
    const oldToken = browser.cookie!;
    for (let i = 0; i < 3; i++) expect((await sameBrowser(app, oldToken).get('/me')).status).toBe(200);
    await makeRotationDue(prefix, oldToken);
    // The cached entry predates that write; Redis's invalidation drops it within moments.
    await waitFor(() => browser.get('/me'), () => browser.cookie !== oldToken, { what: 'a rotation' });
    expect((await sameBrowser(app, oldToken).get('/me')).status).toBe(200); // within the grace
    expect((await browser.post('/auth/logout')).status).toBe(204);
    expect((await sameBrowser(app, oldToken).get('/me')).status).toBe(401);
  });

  it('cache in events mode: a logout published while the subscriber is down is not served from the cache', async () => {
    const prefix = uniquePrefix('events-down');
    const options: Partial<SessionModuleOptions> = { cache: { enabled: true, invalidation: 'events' } };
    const a = await start(prefix, { ...options, instanceId: 'A' });
    const b = await start(prefix, { ...options, instanceId: 'B' });
    const cache = b.get(SessionCache);
    await waitFor(async () => cache.mode, (m) => m === 'events', { what: 'events mode on B' });
    const browser = a.client();
    await browser.login('alice', 'laptop');
    const onB = new HttpClient(b.url);
    onB.cookie = browser.cookie;
    for (let i = 0; i < 3; i++) expect((await onB.get('/me')).status).toBe(200);
    // Kill every subscriber, then log out before they can have come back: that invalidation is published to nobody.
    const feed: boolean[] = [];
    const watching = b.get(SessionEvents).feedUp$.subscribe((up) => feed.push(up));
    await redis.client.call('CLIENT', 'KILL', 'TYPE', 'pubsub');
    expect((await browser.post('/auth/logout')).status).toBe(204);
    await waitFor(async () => feed, (f) => f.includes(false), { what: "B noticing its subscriber's loss" });
    expect((await onB.get('/me')).status).toBe(401);
    await waitFor(async () => cache.mode, (m) => m === 'events', { what: 'events mode back on B' });
    expect((await onB.get('/me')).status).toBe(401);
    watching.unsubscribe();
  });
});
