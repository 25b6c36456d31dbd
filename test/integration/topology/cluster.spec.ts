import { SessionEvent, SessionEvents, SessionExpiredEvent, SessionService, SessionSweeper } from 'nestjs-redis-session';
import { SessionStore } from '../../../lib/store/session.store';
import { userDigest } from '../../../lib/store/session.token';
import { userIndexKey } from '../../../lib/store/session.keys';
import { keysOfToken } from '../../harness/redis-inspect';
import { ClusterTopology, startClusterTopology } from '../../harness/cluster';
import { HttpResult } from '../../harness/http-client';
import { pollThroughFailover } from '../../harness/failover';
import { inRequest } from '../../harness/session-module';
import { uniquePrefix } from '../../harness/redis';
import { RunningTestApp, testApp } from '../../harness/test-app';
import { waitFor } from '../../harness/wait';

const USERS = Array.from({ length: 30 }, (_, i) => `user-${i}`);

// The library on Redis Cluster: the app is configured with `{ cluster: { nodes } }` only. Every feature must run
// without CROSSSLOT (each user's keys share one hash tag), sessions must spread over all masters, and the app must
// ride out a master's death on its own.
describe('Redis Cluster', () => {
  let cluster: ClusterTopology;
  let app: RunningTestApp;
  let sessions: SessionService;
  let prefix: string;
  const tokens = new Map<string, string>();

  const ok = (res: HttpResult, status = 200) => {
    if (res.status !== status) throw new Error(`expected ${status}, got ${res.status} ${JSON.stringify(res.body)}`);
    return res;
  };

  beforeAll(async () => {
    cluster = await startClusterTopology({ nodeTimeoutMs: 1000 });
    prefix = uniquePrefix('cluster');
    // The local cache is off so every request asks Redis: routing and failover are what is under test.
    app = await testApp(cluster.connection).options({ keyPrefix: prefix, cache: { enabled: false } }).start();
    sessions = app.get(SessionService);
  }, 80_000);

  afterAll(async () => {
    await app?.close();
    await cluster?.close();
  });

  it('keeps each user in one slot and spreads 30 users over all three masters', async () => {
    for (const userId of USERS) {
      const { token } = await sessions.issue({ userId, device: 'batch', data: { username: userId } });
      tokens.set(userId, token);
    }
    for (const [userId, token] of tokens) {
      expect((await sessions.getByToken(token))?.userId).toBe(userId);
    }

    const masters = await cluster.masters();
    expect(masters).toHaveLength(3);
    // Each key of a user, asked of Redis itself: one slot per user.
    const anyNode = cluster.client(masters[0].port);
    for (const [userId, token] of tokens) {
      const keys = keysOfToken(prefix, token);
      expect(keys.index).toBe(userIndexKey(prefix, userDigest(userId)));
      const slots = await Promise.all([keys.session, keys.index].map((k) => anyNode.call('CLUSTER', 'KEYSLOT', k)));
      expect(new Set(slots).size).toBe(1);
    }
    // Session hashes counted on each master (SCAN is per node).
    const perMaster = await Promise.all(
      masters.map(async (m) => {
        const node = cluster.client(m.port);
        let cursor = '0';
        let count = 0;
        do {
          const [next, keys] = await node.scan(cursor, 'MATCH', `${prefix}s:*`, 'COUNT', 1000);
          cursor = next;
          count += keys.length;
        } while (cursor !== '0');
        return count;
      }),
    );
    console.log(`cluster: session keys per master ${perMaster.join(' / ')}`);
    expect(perMaster.every((n) => n > 0)).toBe(true);
    expect(perMaster.reduce((a, b) => a + b, 0)).toBe(USERS.length);
  });

  it('runs every session operation without a CROSSSLOT error', async () => {
    const [laptop, phone, tablet, kiosk] = [0, 1, 2, 3].map(() => app.client());
    for (const [c, device] of [[laptop, 'laptop'], [phone, 'phone'], [tablet, 'tablet'], [kiosk, 'kiosk']] as const) {
      await c.login('alice', device);
    }
    // Read and field writes.
    expect(ok(await laptop.get('/me')).body).toMatchObject({ userId: 'u1', device: 'laptop' });
    ok(await laptop.put('/me/cart', { items: ['book', 'pen'] }));
    expect(ok(await laptop.get('/me/cart')).body).toEqual({ items: ['book', 'pen'] });

    // List, then sign one device out by its id.
    const list = ok(await laptop.get('/sessions')).body as Array<{ id: string; device: string; current: boolean }>;
    expect(list.map((s) => s.device).sort()).toEqual(['kiosk', 'laptop', 'phone', 'tablet']);
    expect(list.find((s) => s.current)?.device).toBe('laptop');
    ok(await laptop.delete(`/sessions/${list.find((s) => s.device === 'kiosk')!.id}`), 204);
    expect((await kiosk.get('/me')).status).toBe(401);

    // Sign out everywhere else.
    const current = (await sessions.getByToken(laptop.cookie!))!;
    expect(await sessions.destroyOthers(current)).toBe(2);
    expect((await phone.get('/me')).status).toBe(401);
    expect((await tablet.get('/me')).status).toBe(401);
    expect(ok(await laptop.get('/sessions')).body).toHaveLength(1);

    // Regenerate: same session under a new token, the old token dead at once.
    const oldToken = laptop.cookie!;
    const held = (await sessions.getByToken(oldToken))!;
    const newToken = (await inRequest({ headers: {} }, () => sessions.regenerate(held), held, sessions)).cookie();
    expect(newToken).toBeDefined();
    expect(newToken).not.toBe(oldToken);
    expect((await laptop.get('/me')).status).toBe(401);
    laptop.cookie = newToken;
    expect(ok(await laptop.get('/me/cart')).body).toEqual({ items: ['book', 'pen'] });

    // Logout-all for bob leaves alice alone; logout ends alice's last session.
    const bobs = [app.client(), app.client()];
    for (const c of bobs) await c.login('bob');
    ok(await bobs[0].post('/auth/logout-all'), 204);
    expect((await bobs[1].get('/me')).status).toBe(401);
    ok(await laptop.get('/me'));
    ok(await laptop.post('/auth/logout'), 204);
    expect(await sessions.destroyAllForUser('u1')).toBe(0);

    // Service-level logout-all for five of the users issued above.
    for (const userId of USERS.slice(0, 5)) expect(await sessions.destroyAllForUser(userId)).toBe(1);

    // Nothing above may have hit CROSSSLOT on any master (Redis counts errors by prefix in INFO errorstats).
    for (const m of await cluster.masters()) {
      expect(await cluster.client(m.port).info('errorstats')).not.toContain('errorstat_CROSSSLOT');
    }
  });

  // Events, cache invalidation and the sweep on Cluster: notifications are per node, so every master must be heard.
  describe('events, cache and sweep on every master', () => {
    let watcher: RunningTestApp;
    let shortLived: RunningTestApp;
    const seen: SessionEvent[] = [];
    let subscription: { unsubscribe(): void };

    beforeAll(async () => {
      // A second instance with the cache on (Cluster: invalidated by the library's events) and the keyspace flags set.
      watcher = await testApp(cluster.connection)
        .options({ keyPrefix: prefix, instanceId: 'watcher', cache: { enabled: true }, events: { configureKeyspaceNotifications: true, sweepIntervalSeconds: 0 } })
        .start();
      subscription = watcher.get(SessionEvents).events$.subscribe((e) => seen.push(e));
      shortLived = await testApp(cluster.connection)
        .options({ keyPrefix: prefix, idleTimeoutSeconds: 1, absoluteTimeoutSeconds: 60, cache: { enabled: false }, events: { sweepIntervalSeconds: 0 } })
        .start();
    }, 30_000);
    afterAll(async () => {
      subscription?.unsubscribe();
      await shortLived?.close();
      await watcher?.close();
    });

    const mastersOf = async (userIds: string[]) => {
      const masters = await cluster.masters();
      const out = new Set<number>();
      for (const userId of userIds) {
        const key = userIndexKey(prefix, userDigest(userId));
        const slot = Number(await cluster.client(masters[0].port).call('CLUSTER', 'KEYSLOT', key));
        out.add((await cluster.masterOfSlot(slot)).port);
      }
      return out;
    };

    it('every instance hears created and invalidated events, and expiries from all three masters', async () => {
      const users = USERS.slice(10, 22);
      expect((await mastersOf(users)).size).toBe(3);
      const issued = await Promise.all(users.map((userId) => shortLived.get(SessionService).issue({ userId })));
      await waitFor(async () => seen.filter((e) => e.type === 'created' && users.includes(e.userId!)).length, (n) => n === users.length, {
        what: 'created events on the watcher',
      });
      // Short sessions expire on whichever master holds them; the watcher must hear every one, with its user.
      const expired = await waitFor(
        async () => seen.filter((e): e is SessionExpiredEvent => e.type === 'expired' && users.includes(e.userId!)),
        (list) => list.length === users.length,
        { timeoutMs: 8000, what: 'expired events from every master' },
      );
      expect(new Set(expired.map((e) => e.id))).toEqual(new Set(issued.map((i) => i.session.id)));
      expect(expired.every((e) => e.detectedBy === 'notification')).toBe(true);
    });

    it("an instance's cache drops a session revoked on another instance at once", async () => {
      const browser = watcher.client();
      await browser.login('bob', 'cluster-tablet');
      for (let i = 0; i < 3; i++) expect((await browser.get('/me')).status).toBe(200);
      const session = (await sessions.list('u2')).find((x) => x.device === 'cluster-tablet')!;
      const revokedAt = performance.now();
      expect(await sessions.revoke('u2', session.id)).toBe(true);
      await waitFor(() => browser.get('/me'), (r) => r.status === 401, { timeoutMs: 200, intervalMs: 0, what: '401 on the watcher' });
      expect(performance.now() - revokedAt).toBeLessThan(200);
    });

    it('the sweep walks every master and removes stale index entries', async () => {
      const users = USERS.slice(22, 30);
      expect((await mastersOf(users)).size).toBe(3);
      for (const userId of users) {
        const { token } = await sessions.issue({ userId, device: 'stale' });
        // Make it stale behind the library's back (as after a missed notification): the session vanishes.
        const keys = keysOfToken(prefix, token);
        const masters = await cluster.masters();
        const slot = Number(await cluster.client(masters[0].port).call('CLUSTER', 'KEYSLOT', keys.index));
        const owner = cluster.client((await cluster.masterOfSlot(slot)).port);
        await owner.del(keys.session);
      }
      const report = await watcher.get(SessionSweeper).sweep();
      expect(report.ran).toBe(true);
      expect(report.entriesRemoved).toBeGreaterThanOrEqual(users.length);
      for (const userId of users) expect((await sessions.list(userId)).filter((x) => x.device === 'stale')).toEqual([]);
    });
  });

  it('takes a legacy record with its lifetime in one transaction, and puts it back, on the master of its slot', async () => {
    const store = app.get(SessionStore);
    const key = `${prefix}legacy-${Date.now()}`;
    await store.restoreLegacy(key, '{"userId":"u1"}', 60_000);
    const taken = await store.takeLegacy(key);
    expect(taken?.raw).toBe('{"userId":"u1"}');
    expect(taken?.ttlMs).toBeGreaterThan(50_000);
    expect(taken?.ttlMs).toBeLessThanOrEqual(60_000);
    expect(await store.takeLegacy(key)).toBeNull();
  });

  it('recovers on its own when a master dies and its replica takes over', async () => {
    // A user whose slot lives on the master that will be killed.
    const browser = app.client();
    await browser.login('alice', 'laptop');
    const sessionKey = keysOfToken(prefix, browser.cookie!).session;
    const masters = await cluster.masters();
    const slot = Number(await cluster.client(masters[0].port).call('CLUSTER', 'KEYSLOT', sessionKey));
    const victim = await cluster.masterOfSlot(slot);
    const replica = (await cluster.clusterNodes()).find((n) => n.masterId === victim.id)!;
    expect(replica).toBeDefined();
    // The replica takes over with what it has: make sure it has the login (and the issued sessions) first.
    expect(await cluster.client(victim.port).call('WAIT', '1', '2000')).toBe(1);

    const killedAt = performance.now();
    await cluster.process(victim.port).crash();

    const { recovered, recoveryMs, unavailable, slowestMs } = await pollThroughFailover(browser, {
      since: killedAt, maxAnswerMs: 3000, deadlineMs: 25000,
    });
    console.log(`cluster failover: GET /me answered 200 again ${recoveryMs} ms after master :${victim.port} was killed (${unavailable} answers of 503 before that, slowest answer ${slowestMs} ms)`);
    expect(recovered).toBeDefined();
    expect(recovered!.body).toMatchObject({ userId: 'u1', device: 'laptop' });

    // The replica now serves the slot, and every session issued before the failover is still there.
    const owner = await waitFor(() => cluster.masterOfSlot(slot, [victim.port]), (m) => m.port !== victim.port, {
      timeoutMs: 5000, what: `a new master for slot ${slot}`,
    });
    expect(owner.port).toBe(replica.port);
    for (const [userId, token] of tokens) {
      if (USERS.slice(0, 5).includes(userId)) continue;
      expect((await sessions.getByToken(token))?.userId).toBe(userId);
    }
    // Writes and new logins work on the new master.
    ok(await browser.put('/me/cart', { items: ['lamp'] }));
    await app.client().login('alice', 'phone');
    expect(ok(await browser.get('/sessions')).body).toHaveLength(2);
  });
});
