import { firstValueFrom, filter, take, timeout, toArray } from 'rxjs';
import { SessionEvent, SessionEvents, SessionModuleOptions, SessionService, SessionSweeper } from 'nestjs-redis-session';
import { SessionCache } from '../../lib/store/session.cache';
import { commandCalls, startTestRedis, TestRedis, uniquePrefix } from '../harness/redis';
import { RunningTestApp, testApp } from '../harness/test-app';
import { keysOfToken } from '../harness/redis-inspect';
import { waitFor } from '../harness/wait';

const next = (app: RunningTestApp, match: (e: SessionEvent) => boolean, ms = 3000) =>
  firstValueFrom(app.get(SessionEvents).events$.pipe(filter(match), timeout(ms)));

/** Instances A and B of the sample app on one private Redis, sharing a fresh key prefix. */
async function twoInstances(name: string, options: Partial<SessionModuleOptions>) {
  const redis = await startTestRedis([], { private: true });
  const prefix = uniquePrefix(name);
  const a = await testApp(redis.url).options({ ...options, keyPrefix: prefix, instanceId: 'A' }).start();
  const b = await testApp(redis.url).options({ ...options, keyPrefix: prefix, instanceId: 'B' }).start();
  return { redis, a, b, prefix };
}

async function closeAll(a?: RunningTestApp, b?: RunningTestApp, redis?: TestRedis): Promise<void> {
  await a?.close();
  await b?.close();
  await redis?.close();
}

// Several app instances behind one Redis: a logout on one must be obeyed by all, at once, cache or not.
describe('events and invalidation across instances', () => {
  let redis: TestRedis;
  let a: RunningTestApp;
  let b: RunningTestApp;
  let prefix: string;

  beforeAll(async () => {
    ({ redis, a, b, prefix } = await twoInstances('events', {
      cache: { enabled: true }, events: { configureKeyspaceNotifications: true, sweepIntervalSeconds: 0 },
    }));
  });
  afterAll(() => closeAll(a, b, redis));

  it('every instance sees created and invalidated events, with the causing instance and no token', async () => {
    const client = a.client();
    const onB = next(b, (e) => e.type === 'created');
    const onA = next(a, (e) => e.type === 'created');
    await client.login('alice', 'laptop');
    const [eb, ea] = await Promise.all([onB, onA]);
    expect(eb).toMatchObject({ type: 'created', userId: 'u1', instance: 'A' });
    expect(ea.id).toBe(eb.id);
    expect(JSON.stringify(eb)).not.toContain(client.cookie!);

    const invalidated = next(b, (e) => e.type === 'invalidated');
    await client.post('/auth/logout');
    expect(await invalidated).toMatchObject({ type: 'invalidated', reason: 'logout', id: eb.id, userId: 'u1', instance: 'A' });
  });

  it.each(['logout', 'logout-all', 'revoke'] as const)(
    'a %s on one instance makes the other answer 401 within 100 ms, with both caches on',
    async (how) => {
      const browser = a.client();
      await browser.login('bob', 'phone');
      const token = browser.cookie!;
      const onB = b.client();
      onB.cookie = token;
      // Warm B's cache: the second request is served from memory.
      expect((await onB.get('/me')).status).toBe(200);
      expect((await onB.get('/me')).status).toBe(200);
      const other = a.client();
      await other.login('bob', 'tablet');
      const loggedOut = performance.now();
      if (how === 'logout') expect((await browser.post('/auth/logout')).status).toBe(204);
      if (how === 'logout-all') expect((await other.post('/auth/logout-all')).status).toBe(204);
      if (how === 'revoke') {
        const list = (await other.get('/sessions')).body as Array<{ id: string; device: string }>;
        const phone = list.find((s) => s.device === 'phone')!;
        expect((await other.delete(`/sessions/${phone.id}`)).status).toBe(204);
      }
      await waitFor(() => onB.get('/me'), (r) => r.status === 401, { timeoutMs: 100, intervalMs: 0, what: 'B to answer 401' });
      expect(performance.now() - loggedOut).toBeLessThan(200);
    },
  );

  it('a hot session costs 0 Redis commands per request with the cache on', async () => {
    const c = b.client();
    await c.login('alice', 'desk');
    const issuedDuring = async (requests: number) => {
      const before = await commandCalls(redis.client);
      for (let i = 0; i < requests; i++) expect((await c.get('/me')).status).toBe(200);
      const after = await commandCalls(redis.client);
      // The INFO that reads the counters is the only command not caused by the requests.
      return Object.entries(after).reduce((n, [cmd, calls]) => n + calls - (before[cmd] ?? 0), 0) - 1;
    };
    // Warm-up: the first request slides the expiry (a Lua write), Redis reports that write back to this instance,
    // and one read-only re-read follows. After that the session is served from memory.
    let warm = false;
    for (let i = 0; i < 5 && !warm; i++) warm = (await issuedDuring(1)) === 0;
    expect(warm).toBe(true);
    expect(await issuedDuring(20)).toBe(0);
  });

  it('dropping the invalidation subscriber empties the cache, and requests stay correct', async () => {
    const c = b.client();
    await c.login('alice', 'kiosk');
    for (let i = 0; i < 3; i++) expect((await c.get('/me')).status).toBe(200);
    const subscriberIds = async () =>
      ((await redis.client.client('LIST')) as string)
        .split('\n')
        .filter((l) => l.includes('name=session:invalidate'))
        .map((l) => /^id=(\d+)/.exec(l)![1]);
    const before = await subscriberIds();
    expect(before.length).toBe(2);
    await redis.client.call('CLIENT', 'KILL', 'TYPE', 'pubsub');
    // Another tool deletes the session while no instance can hear about it: this invalidation is lost for good.
    expect(await redis.client.del(keysOfToken(prefix, c.cookie!).session)).toBe(1);
    // Once the subscribers are back, B must not serve the session it had cached before the outage.
    await waitFor(subscriberIds, (ids) => ids.filter((id) => !before.includes(id)).length === 2, { what: 'subscribers back' });
    const cache = b.app.get(SessionCache);
    await waitFor(async () => cache.mode, (mode) => mode === 'tracking', { what: 'tracking back on' });
    expect((await c.get('/me')).status).toBe(401);
  });

  it('every instance sees an idle expiry with the user id, from a keyspace notification', async () => {
    const service = a.get(SessionService);
    const expiredOnA = next(a, (e) => e.type === 'expired' && e.userId === 'idle-user', 5000);
    const expiredOnB = next(b, (e) => e.type === 'expired' && e.userId === 'idle-user', 5000);
    // A one-second session, via a second module instance with a short idle timeout sharing the prefix.
    const short = await testApp(redis.url)
      .options({ keyPrefix: prefix, idleTimeoutSeconds: 1, absoluteTimeoutSeconds: 60, events: { sweepIntervalSeconds: 0 } })
      .start();
    try {
      const { session } = await short.get(SessionService).issue({ userId: 'idle-user' });
      const [ea, eb] = await Promise.all([expiredOnA, expiredOnB]);
      expect(ea).toMatchObject({ type: 'expired', id: session.id, userId: 'idle-user', cause: 'idle', instance: 'redis' });
      expect(eb.id).toBe(session.id);
      // The index entry is gone too (cleanup on the expiry event).
      expect(await service.list('idle-user')).toEqual([]);
    } finally {
      await short.close();
    }
  });

  it('the observable completes when the app shuts down', async () => {
    const c = await testApp(redis.url).options({ keyPrefix: prefix, events: { sweepIntervalSeconds: 0 } }).start();
    const all = firstValueFrom(c.get(SessionEvents).events$.pipe(toArray(), timeout(3000)));
    await c.close();
    await expect(all).resolves.toEqual([]);
  });
});

describe('evicted events', () => {
  let redis: TestRedis;
  let app: RunningTestApp;

  beforeAll(async () => {
    // A tiny private server whose volatile-lru policy must evict sessions (they all have TTLs).
    redis = await startTestRedis(['--maxmemory', '2mb', '--maxmemory-policy', 'volatile-lru'], { private: true });
    app = await testApp(redis.url)
      .options({ keyPrefix: uniquePrefix('evict'), events: { configureKeyspaceNotifications: true, sweepIntervalSeconds: 0 } })
      .start();
  });
  afterAll(async () => {
    await app?.close();
    await redis?.close();
  });

  it('reports sessions Redis evicts under memory pressure', async () => {
    const evicted = next(app, (e) => e.type === 'evicted', 10_000);
    const service = app.get(SessionService);
    const filler = 'x'.repeat(8000);
    for (let i = 0; i < 600; i++) {
      await service.issue({ userId: `user-${i}`, data: { blob: filler } }).catch(() => undefined);
    }
    const e = await evicted;
    expect(e.type).toBe('evicted');
    expect(e.instance).toBe('redis');
  });
});

describe('cleanup sweep', () => {
  let redis: TestRedis;
  let a: RunningTestApp;
  let b: RunningTestApp;
  let prefix: string;

  beforeAll(async () => {
    // Notifications stay off here: the sweep must still find and report what expired.
    ({ redis, a, b, prefix } = await twoInstances('sweep', { events: { sweepIntervalSeconds: 0, sweepBatchSize: 10 } }));
  });
  afterAll(() => closeAll(a, b, redis));

  it('removes stale index entries, reports them as expired events once, and keeps live ones', async () => {
    const service = a.get(SessionService);
    const live = await service.issue({ userId: 'sweep-user', device: 'live' });
    const stale = await service.issue({ userId: 'sweep-user', device: 'stale' });
    // Plant staleness: the session vanishes without the library knowing (as after a missed event).
    expect(await redis.client.del(keysOfToken(prefix, stale.token).session)).toBe(1);

    const seenOnB = firstValueFrom(b.get(SessionEvents).events$.pipe(filter((e) => e.type === 'expired'), take(1), timeout(3000)));
    const report = await a.get(SessionSweeper).sweep();
    expect(report).toMatchObject({ ran: true, entriesRemoved: 1, expiredEventsPublished: 1 });
    expect(await seenOnB).toMatchObject({ type: 'expired', id: stale.session.id, userId: 'sweep-user', detectedBy: 'sweep' });
    const left = await service.list('sweep-user');
    expect(left.map((s) => s.id)).toEqual([live.session.id]);
    // A second sweep finds nothing more: no event is reported twice.
    expect((await a.get(SessionSweeper).sweep()).entriesRemoved).toBe(0);
  });

  it('two instances sweeping at once do not both run', async () => {
    const [ra, rb] = await Promise.all([a.get(SessionSweeper).sweep(), b.get(SessionSweeper).sweep()]);
    expect([ra.ran, rb.ran].sort()).toEqual([false, true]);
  });
});
