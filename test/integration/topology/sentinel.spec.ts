import { filter, firstValueFrom, timeout } from 'rxjs';
import { SessionEvent, SessionEvents, SessionService } from 'nestjs-redis-session';
import { pollThroughFailover } from '../../harness/failover';
import { uniquePrefix } from '../../harness/redis';
import { SentinelTopology, startSentinelTopology } from '../../harness/sentinel';
import { RunningTestApp, testApp } from '../../harness/test-app';
import { waitFor } from '../../harness/wait';

// The library's Sentinel support, end to end: the app is configured with `{ sentinels, name }` only, and must
// follow a failover by itself, failing closed (503, quickly) while there is no master.
describe('Redis Sentinel', () => {
  let topo: SentinelTopology;
  let app: RunningTestApp;

  beforeAll(async () => {
    topo = await startSentinelTopology({ downAfterMs: 1000, failoverTimeoutMs: 3000 });
    // The local cache is off so every request asks Redis: the Redis path is what a failover tests.
    app = await testApp(topo.connection)
      .options({ keyPrefix: uniquePrefix('sentinel'), cache: { enabled: false }, events: { configureKeyspaceNotifications: true } })
      .start();
  }, 40_000);

  afterAll(async () => {
    await app?.close();
    await topo?.close();
  });

  it('finds the master through the sentinels and serves sessions from it', async () => {
    const browser = app.client();
    await browser.login('bob', 'phone');
    expect((await browser.get('/me')).status).toBe(200);
    expect(await topo.masterAddress()).toEqual({ host: '127.0.0.1', port: topo.master.port });
    const dbsize = await topo.client(topo.master.port).dbsize();
    expect(dbsize).toBeGreaterThan(0);
  });

  it('answers 503 within 2 s while the master is gone, then recovers on its own with the session intact', async () => {
    const browser = app.client();
    await browser.login('alice', 'laptop');
    expect((await browser.put('/me/cart', { items: ['book'] })).status).toBe(200);
    // Sentinel promotes the replica with whatever it has: make sure it has the login before the master dies.
    const acked = await topo.client(topo.master.port).call('WAIT', '1', '2000');
    expect(acked).toBe(1);

    const oldMaster = topo.master.port;
    const killedAt = performance.now();
    await topo.master.crash();

    const { recovered, recoveryMs, unavailable, slowestMs } = await pollThroughFailover(browser, {
      since: killedAt, maxAnswerMs: 2000, deadlineMs: 20000,
    });
    console.log(`sentinel failover: GET /me answered 200 again ${recoveryMs} ms after the master was killed (${unavailable} answers of 503 before that, slowest answer ${slowestMs} ms)`);
    expect(recovered).toBeDefined();
    expect(unavailable).toBeGreaterThan(0);

    // The session from before the failover, with its data, now served by the promoted replica.
    expect(recovered!.body).toMatchObject({ userId: 'u1', username: 'alice', device: 'laptop' });
    expect((await browser.get('/me/cart')).body).toEqual({ items: ['book'] });
    // Sentinels other than the failover leader learn the new master from its hello messages, a moment later.
    const master = await waitFor(() => topo.masterAddress(), (m) => m.port !== oldMaster, {
      timeoutMs: 5000, what: 'the sentinels to report the new master',
    });
    expect(master.port).toBe(topo.replica.port);
    // Writes and new logins work against the new master.
    expect((await browser.put('/me/cart', { items: ['book', 'pen'] })).status).toBe(200);
    const second = app.client();
    await second.login('alice', 'tablet');
    expect((await second.get('/sessions')).body).toHaveLength(2);
  });

  // Runs after the failover above: the subscriber must have followed the new master, and the promoted replica must
  // have been given the notification flags (the library re-checks them on every reconnect).
  it('keeps delivering events after the failover: created, invalidated and expired', async () => {
    const events = app.get(SessionEvents);
    const service = app.get(SessionService);
    const seen = (match: (e: SessionEvent) => boolean, ms = 6000) =>
      firstValueFrom(events.events$.pipe(filter(match), timeout(ms)));
    const created = seen((e) => e.type === 'created' && e.userId === 'after-failover');
    const { session } = await service.issue({ userId: 'after-failover', idleTimeoutSeconds: 1 });
    expect((await created).id).toBe(session.id);
    const expired = seen((e) => e.type === 'expired' && e.id === session.id);
    expect(await expired).toMatchObject({ userId: 'after-failover', detectedBy: 'notification' });
    const other = await service.issue({ userId: 'after-failover' });
    const invalidated = seen((e) => e.type === 'invalidated' && e.id === other.session.id);
    await service.destroy(other.session);
    expect(await invalidated).toMatchObject({ reason: 'logout' });
  });
});
