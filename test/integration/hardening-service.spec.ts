import { filter, Subscription } from 'rxjs';
import {
  SessionEvent,
  SessionEvents,
  SessionInputError,
  SessionModuleOptions,
  SessionNotFoundError,
  SessionService,
  SessionUnavailableError,
} from 'nestjs-redis-session';
import { keysUnder, startTestRedis, TestRedis, uniquePrefix } from '../harness/redis';
import { keysOfToken } from '../harness/redis-inspect';
import { inRequest, RunningSessionModule, startSessionModule } from '../harness/session-module';
import { waitFor } from '../harness/wait';

// Regression tests for defects found where features meet, through SessionService against real Redis. One test per
// defect; the model-based checker (test/model) runs the random interleavings.

describe('hardening through SessionService', () => {
  let redis: TestRedis;
  const modules: RunningSessionModule[] = [];
  const start = async (options: Partial<SessionModuleOptions>, on: TestRedis = redis) => {
    const prefix = options.keyPrefix ?? uniquePrefix('hard');
    const m = await startSessionModule({ redis: on.url, checkRedisAtBoot: false, ...options, keyPrefix: prefix });
    modules.push(m);
    return { ...m, prefix };
  };

  beforeAll(async () => {
    redis = await startTestRedis([], { private: true });
  });
  afterAll(async () => {
    for (const m of modules) await m.close();
    await redis?.close();
  });

  it("one user's oversized session cannot fail other users' requests batched with it", async () => {
    const { service, prefix } = await start({ maxDataBytes: 1024 * 1024 });
    // Past the listpack limits (128 fields, 64-byte values) Redis stores the hash as a hashtable: no field order.
    const data: Record<string, string> = {};
    for (let i = 0; i < 200; i++) data[`f${i}`] = 'x'.repeat(100);
    const big = await service.issue({ userId: 'crafted', data });
    expect(await redis.client.object('ENCODING', keysOfToken(prefix, big.token).session)).toBe('hashtable');
    const others = await Promise.all(Array.from({ length: 20 }, (_, i) => service.issue({ userId: `other-${i}` })));
    for (let round = 0; round < 5; round++) {
      const touched = await Promise.all([big, ...others].map((s) => service.touch(s.token)));
      expect(touched.map((t) => t?.userId)).toEqual(['crafted', ...others.map((o) => o.session.userId)]);
      expect(touched[0]!.data).toEqual(data);
    }
  });

  it('claim() lets exactly one of three instances claim each expiry (5 expiries)', async () => {
    const own = await startTestRedis([], { private: true });
    const prefix = uniquePrefix('claim');
    const options = { keyPrefix: prefix, idleTimeoutSeconds: 1, events: { configureKeyspaceNotifications: true } };
    const instances = await Promise.all(['A', 'B', 'C'].map((instanceId) => start({ ...options, instanceId }, own)));
    const claimed: string[] = [];
    const subs: Subscription[] = instances.map(({ module }) => {
      const events = module.get(SessionEvents);
      return events.events$.pipe(filter((e) => e.type === 'expired')).subscribe(async (e) => {
        if (await events.claim(e)) claimed.push(e.id);
      });
    });
    try {
      const issued = await Promise.all(Array.from({ length: 5 }, (_, i) => instances[0].service.issue({ userId: `exp-${i}` })));
      await waitFor(async () => claimed.length, (n) => n >= 5, { timeoutMs: 8000, what: 'five claimed expiries' });
      // Every instance has heard every expiry by now; give late claims a moment to land before counting.
      await waitFor(async () => (await keysUnder(own.client, `${prefix}claim:`)).length, (n) => n === 5, { what: 'claim keys' });
      expect(claimed.sort()).toEqual(issued.map((i) => i.session.id).sort());
    } finally {
      subs.forEach((s) => s.unsubscribe());
      for (const m of instances) await m.close();
      modules.splice(-3, 3);
      await own.close();
    }
  });

  it('Redis full (noeviction): logins and writes answer 503 and write nothing; reads and logouts still work', async () => {
    const full = await startTestRedis(['--maxmemory', '3mb', '--maxmemory-policy', 'noeviction'], { private: true });
    try {
      const { service } = await start({ maxDataBytes: 64 * 1024 }, full);
      const kept = await service.issue({ userId: 'kept', data: { a: 1 } });
      // Fill memory with the app's own sessions until Redis refuses.
      let refusedAt = -1;
      for (let i = 0; i < 2000 && refusedAt < 0; i++) {
        await service.issue({ userId: `filler-${i}`, data: { blob: 'y'.repeat(8000) } }).catch((err) => {
          expect(err).toBeInstanceOf(SessionUnavailableError);
          refusedAt = i;
        });
      }
      expect(refusedAt).toBeGreaterThan(0);
      const used = async () => Number(/used_memory:(\d+)/.exec(await full.client.info('memory'))![1]);
      const before = await used();
      const keysBefore = (await keysUnder(full.client, '')).length;
      for (let i = 0; i < 30; i++) {
        await expect(service.issue({ userId: `late-${i}` })).rejects.toBeInstanceOf(SessionUnavailableError);
      }
      await expect(service.set(kept.session, 'b', 'z'.repeat(4000))).rejects.toBeInstanceOf(SessionUnavailableError);
      await expect(service.regenerate(kept.session)).rejects.toBeInstanceOf(SessionUnavailableError);
      expect((await keysUnder(full.client, '')).length).toBe(keysBefore);
      expect(await used()).toBeLessThanOrEqual(before + 64 * 1024);
      // What Redis holds stays usable: the session reads (and slides), and logout frees memory.
      expect((await service.touch(kept.token))?.data).toEqual({ a: 1 });
      expect(await service.destroy(kept.session)).toBe(true);
    } finally {
      await full.close();
    }
  });

  it('a login whose script reaches Redis after the app gave up (503) never creates a session later', async () => {
    const own = await startTestRedis([], { private: true });
    try {
      const { service } = await start({ redisCommandTimeoutMs: 300, maxSessionsPerUser: 1, onSessionLimit: 'refuse' }, own);
      await service.issue({ userId: 'warm-up' }); // the library learns Redis's clock from a reply
      await own.client.call('CLIENT', 'PAUSE', '1000', 'WRITE');
      await expect(service.issue({ userId: 'slow' })).rejects.toBeInstanceOf(SessionUnavailableError);
      await waitFor(() => service.issue({ userId: 'slow' }), (s) => s.session.userId === 'slow', { timeoutMs: 3000, what: 'a login after the pause' });
      expect(await service.list('slow')).toHaveLength(1);
    } finally {
      await own.close();
    }
  });

  it('a reply read late (the event loop was busy) does not make later writes miss their deadline', async () => {
    // Found in a full CI run on a loaded machine (the Cluster spec's logins all answered 503): the Redis clock was
    // learned from a reply as it was read, 900 ms after Redis sent it, so every later deadline came 900 ms early,
    // and a login-only workload refused every login (a refused write taught nothing new).
    const { service } = await start({ redisCommandTimeoutMs: 1000 });
    await service.issue({ userId: 'warm-up' }); // a reply read at once: the true clock
    const stalled = service.issue({ userId: 'stalled' });
    const busyUntil = Date.now() + 900;
    while (Date.now() < busyUntil); // the reply arrives meanwhile; it is read after this
    await stalled;
    for (let i = 0; i < 5; i++) {
      await expect(service.issue({ userId: `after-${i}` })).resolves.toHaveProperty('token');
    }
  });

  it('when the only reply yet was read late, one write is refused at most, and the refusal sets the clock right', async () => {
    const { service } = await start({ redisCommandTimeoutMs: 1000 });
    const stalled = service.issue({ userId: 'first' }); // the first reply: nothing better to go by
    const busyUntil = Date.now() + 900;
    while (Date.now() < busyUntil);
    await stalled;
    await service.issue({ userId: 'maybe-refused' }).catch((err) => expect(err).toBeInstanceOf(SessionUnavailableError));
    for (let i = 0; i < 5; i++) {
      await expect(service.issue({ userId: `then-${i}` })).resolves.toHaveProperty('token');
    }
  });

  describe('index cleanup reports the expiries nobody reported (keyspace notifications off)', () => {
    const expiredEvents = (m: RunningSessionModule) => {
      const seen: SessionEvent[] = [];
      m.module.get(SessionEvents).events$.pipe(filter((e) => e.type === 'expired')).subscribe((e) => seen.push(e));
      return seen;
    };
    it.each(['list', 'login', 'logout'] as const)('through %s', async (how) => {
      const m = await start({ events: { sweepIntervalSeconds: 0 } });
      const seen = expiredEvents(m);
      const userId = `prune-${how}`;
      const live = await m.service.issue({ userId, device: 'live' });
      const gone = await m.service.issue({ userId, device: 'gone', idleTimeoutSeconds: 1 });
      await waitFor(async () => redis.client.exists(keysOfToken(m.prefix, gone.token).session), (n) => n === 0, {
        what: 'the short session to expire',
      });
      if (how === 'list') await m.service.list(userId);
      if (how === 'login') await m.service.issue({ userId });
      if (how === 'logout') await m.service.destroyAllForUser(userId);
      await waitFor(async () => seen, (s) => s.some((e) => e.id === gone.session.id), { what: 'the expired event' });
      expect(seen.filter((e) => e.id === gone.session.id)).toEqual([
        expect.objectContaining({ type: 'expired', userId, cause: 'idle', detectedBy: 'cleanup' }),
      ]);
      expect(seen.some((e) => e.id === live.session.id)).toBe(false);
    });
  });

  it('a data field named __proto__ is stored as a field, never as the prototype of session.data', async () => {
    const { service } = await start({});
    const data = JSON.parse('{"__proto__": {"admin": true}, "plain": 1}') as Record<string, unknown>;
    const { token, session } = await service.issue({ userId: 'proto', data });
    await service.set(session, '__proto__', { admin: 'still no' });
    const read = (await service.getByToken(token))!.data as Record<string, unknown>;
    expect(Object.getPrototypeOf(read)).toBe(Object.prototype);
    expect((read as { admin?: unknown }).admin).toBeUndefined();
    expect(Object.getOwnPropertyDescriptor(read, '__proto__')?.value).toEqual({ admin: 'still no' });
    expect(Object.getPrototypeOf(session.data)).toBe(Object.prototype);
  });

  it('evict-oldest ends the earliest-created session, not the earliest deadline', async () => {
    const { service } = await start({ maxSessionsPerUser: 2, rememberMe: { absoluteTimeoutSeconds: 30 * 86400 } });
    const laptop = await service.issue({ userId: 'evict', device: 'laptop', remember: true });
    const phone = await service.issue({ userId: 'evict', device: 'phone' });
    await service.issue({ userId: 'evict', device: 'tablet' });
    expect(await service.getByToken(laptop.token)).toBeNull();
    expect(await service.getByToken(phone.token)).not.toBeNull();
    expect((await service.list('evict')).map((s) => s.device)).toEqual(['phone', 'tablet']);
  });

  // Found by the model-based checker (seed -1399046212, cache=tracking binding=on limit=on): two requests with one
  // token both regenerated, each setting a different cookie; the browser could keep the one that was replaced.
  it('two regenerates racing with one token: one wins, the other is refused, and the winning token works', async () => {
    const { service } = await start({});
    for (let i = 0; i < 10; i++) {
      const { token } = await service.issue({ userId: `regen-race-${i}` });
      // Two requests resolved with the same token, each regenerating in its handler.
      const [first, second] = [(await service.getByToken(token))!, (await service.getByToken(token))!];
      const results = await Promise.allSettled([
        inRequest({ headers: {} }, () => service.regenerate(first), first, service),
        inRequest({ headers: {} }, () => service.regenerate(second), second, service),
      ]);
      const won = results.filter((r) => r.status === 'fulfilled');
      expect(won).toHaveLength(1);
      expect((results.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason).toBeInstanceOf(SessionNotFoundError);
      const fresh = (won[0] as PromiseFulfilledResult<Awaited<ReturnType<typeof inRequest>>>).value.cookie()!;
      expect(await service.getByToken(fresh)).not.toBeNull();
      expect(await service.getByToken(token)).toBeNull();
    }
  });

  it('user ids with a lone UTF-16 surrogate are refused (400), so two such ids never share one index', async () => {
    const { service } = await start({});
    for (const userId of ['a\uD800', 'a\uDBFF', '\uDC00b']) {
      const err = await service.issue({ userId }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SessionInputError);
      expect((err as SessionInputError).getStatus()).toBe(400);
    }
    // A well-formed pair is fine.
    expect((await service.issue({ userId: 'a\uD83D\uDE00' })).session.userId).toBe('a\uD83D\uDE00');
  });
});

