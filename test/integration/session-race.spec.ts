import { ActiveSession, SessionNotFoundError } from 'nestjs-redis-session';
import { keysUnder, startTestRedis, TestRedis, uniquePrefix } from '../harness/redis';
import { keysOfToken } from '../harness/redis-inspect';
import { RunningSessionModule, startSessionModule } from '../harness/session-module';
import { RunningTestApp, testApp } from '../harness/test-app';

type Data = Record<string, any>;

/** Shuffles in place (Fisher-Yates) so each iteration sends the racing requests in a different order. */
function shuffle<T>(xs: T[]): T[] {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [xs[i], xs[j]] = [xs[j], xs[i]];
  }
  return xs;
}

// A slow write must never bring back a session a logout ended: the write checks existence inside its Lua script.
describe.each(['express', 'fastify'] as const)('write versus logout over HTTP on %s', (adapter) => {
  const ITERATIONS = 25;
  let redis: TestRedis;
  let app: RunningTestApp;
  let prefix: string;

  beforeAll(async () => {
    redis = await startTestRedis();
    prefix = uniquePrefix(`race-${adapter}`);
    app = await testApp(redis.url).adapter(adapter).options({ keyPrefix: prefix }).start();
  });
  afterAll(async () => {
    await app?.close();
    await redis?.close();
  });

  it(`PUT /me/cart racing POST /auth/logout never resurrects the session (${ITERATIONS} iterations)`, async () => {
    const outcomes = { put200: 0, put401: 0 };
    for (let i = 0; i < ITERATIONS; i++) {
      const c = app.client();
      await c.login('alice', `race-${i}`);
      const token = c.cookie!;
      const headers = { cookie: `sid=${token}` };
      const send = (method: string, path: string, body?: unknown) => app.client().request(method, path, body, headers);
      const requests = shuffle([
        () => send('PUT', '/me/cart', { items: [`a${i}`] }),
        () => send('PUT', '/me/cart', { items: [`b${i}`] }),
        () => send('PUT', '/me/cart', { items: [`c${i}`] }),
        () => send('POST', '/auth/logout'),
      ]);
      const results = await Promise.all(requests.map((r) => r()));
      for (const r of results) {
        expect([200, 204, 401]).toContain(r.status);
        if (r.status === 200) outcomes.put200++;
        if (r.status === 401) outcomes.put401++;
      }
      expect(results.filter((r) => r.status === 204)).toHaveLength(1);

      const keys = keysOfToken(prefix, token);
      expect(await redis.client.exists(keys.session)).toBe(0);
      expect((await app.client().get('/me', headers)).status).toBe(401);
      expect((await app.client().request('PUT', '/me/cart', { items: ['late'] }, headers)).status).toBe(401);
      expect(await redis.client.exists(keys.session)).toBe(0);
    }
    expect(outcomes.put200 + outcomes.put401).toBe(3 * ITERATIONS);
    // Every session ended: no session, shadow or user index key is left at all.
    expect(await keysUnder(redis.client, `${prefix}s:`)).toEqual([]);
    expect(await keysUnder(redis.client, `${prefix}x:`)).toEqual([]);
    expect(await keysUnder(redis.client, `${prefix}u:`)).toEqual([]);
  });
});

// The same races in-process, between two app instances (two Redis connections), so their commands really interleave.
describe('SessionService races between two instances', () => {
  let redis: TestRedis;
  let a: RunningSessionModule;
  let b: RunningSessionModule;
  let prefix: string;

  beforeAll(async () => {
    redis = await startTestRedis();
    prefix = uniquePrefix('race-svc');
    a = await startSessionModule({ redis: redis.url, keyPrefix: prefix, instanceId: 'A' });
    b = await startSessionModule({ redis: redis.url, keyPrefix: prefix, instanceId: 'B' });
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await redis?.close();
  });

  const exists = async (token: string) => {
    const k = keysOfToken(prefix, token);
    return redis.client.exists(k.session);
  };

  it('set racing destroy never resurrects the session: 200 iterations, writes either land first or fail with SessionNotFoundError', async () => {
    const ITERATIONS = 200;
    const BATCH = 20;
    let landed = 0;
    let refused = 0;
    for (let start = 0; start < ITERATIONS; start += BATCH) {
      await Promise.all(
        Array.from({ length: BATCH }, async (_, j) => {
          const i = start + j;
          const { token, session } = await a.service.issue({ userId: `racer-${i % 7}`, data: { n: i } });
          const onB = (await b.service.getByToken(token))!;
          const ops = shuffle<() => Promise<unknown>>([
            () => a.service.set(session, 'cart', [i]),
            () => a.service.set(session, 'other', i),
            () => b.service.destroy(onB),
            () => a.service.unset(session, 'n'),
          ]);
          const settled = await Promise.allSettled(ops.map((op) => op()));
          for (const s of settled) {
            if (s.status === 'rejected') {
              expect(s.reason).toBeInstanceOf(SessionNotFoundError);
              refused++;
            } else landed++;
          }
          expect(await exists(token)).toBe(0);
          expect(await a.service.getByToken(token)).toBeNull();
          expect(await b.service.touch(token)).toBeNull();
        }),
      );
    }
    // The destroys always succeed (one per iteration); the writes split between landed and refused.
    expect(landed + refused).toBe(4 * ITERATIONS);
    expect(await keysUnder(redis.client, `${prefix}s:`)).toEqual([]);
  });

  it('concurrent writes to different fields from two instances are all kept, and the size bookkeeping stays exact', async () => {
    const { token, session } = await a.service.issue({ userId: 'fields', data: { keep: 'me' } });
    const onB = (await b.service.getByToken(token))!;
    const FIELDS = 30;
    await Promise.all(
      Array.from({ length: FIELDS }, (_, i) =>
        i % 2 === 0 ? a.service.set(session, `f${i}`, { i, from: 'A' }) : b.service.set(onB, `f${i}`, { i, from: 'B' }),
      ),
    );
    const read = (await a.service.getByToken(token))!;
    expect(Object.keys(read.data).sort()).toEqual(['keep', ...Array.from({ length: FIELDS }, (_, i) => `f${i}`)].sort());
    for (let i = 0; i < FIELDS; i++) expect(read.data[`f${i}`]).toEqual({ i, from: i % 2 === 0 ? 'A' : 'B' });
    expect(read.data.keep).toBe('me');

    // Concurrent unsets and overwrites of different fields do not disturb each other either.
    await Promise.all([
      a.service.unset(session, 'f0'),
      b.service.unset(onB, 'f1'),
      a.service.set(session, 'f2', 'two'),
      b.service.set(onB, 'f3', 'three'),
    ]);
    const after = (await b.service.getByToken(token))!;
    expect(after.data.f0).toBeUndefined();
    expect(after.data.f1).toBeUndefined();
    expect(after.data.f2).toBe('two');
    expect(after.data.f3).toBe('three');
    expect(after.data.f4).toEqual({ i: 4, from: 'A' });

    // The stored size ('z') equals the bytes of the data fields actually present.
    const hash = await redis.client.hgetall(keysOfToken(prefix, token).session);
    const bytes = Object.entries(hash)
      .filter(([f]) => f.startsWith('.'))
      .reduce((sum, [f, v]) => sum + Buffer.byteLength(f) + Buffer.byteLength(v), 0);
    expect(Number(hash.z)).toBe(bytes);
  });

  it('a write racing regenerate always lands: the session keeps its key, only its token changes (50 iterations)', async () => {
    for (let i = 0; i < 50; i++) {
      const { token, session } = await a.service.issue({ userId: 'regen', data: { n: i } });
      const onB = (await b.service.getByToken(token))!;
      const [write, moved] = await Promise.allSettled([
        a.service.set(session, 'cart', [i]),
        b.service.regenerate(onB),
      ]);
      expect(moved.status).toBe('fulfilled');
      const next = (moved as PromiseFulfilledResult<ActiveSession<Data>>).value;
      expect(write.status).toBe('fulfilled');
      expect(await a.service.getByToken(token)).toBeNull();
      expect(await b.service.get(next, 'cart')).toEqual([i]);
      await b.service.destroy(next);
      expect(await exists(token)).toBe(0);
    }
  });

  it('logout-all racing new logins on the other instance ends every earlier session, and the list shows exactly the live ones', async () => {
    const userId = 'everywhere';
    const before = await Promise.all(Array.from({ length: 10 }, () => a.service.issue({ userId })));
    const [ended, ...during] = await Promise.all([
      b.service.destroyAllForUser(userId),
      ...Array.from({ length: 5 }, () => a.service.issue({ userId })),
    ]);
    expect(ended as number).toBeGreaterThanOrEqual(10);
    for (const { token } of before) expect(await a.service.getByToken(token)).toBeNull();
    // Logins racing logout-all may survive or not, but whatever the list shows is live, and nothing else is.
    const live = await a.service.list(userId);
    const alive = (
      await Promise.all((during as Array<{ token: string }>).map(async ({ token }) => (await a.service.getByToken(token)) !== null))
    ).filter(Boolean).length;
    expect(live).toHaveLength(alive);
    await a.service.destroyAllForUser(userId);
  });
});

