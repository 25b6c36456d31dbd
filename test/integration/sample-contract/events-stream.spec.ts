import type { SessionModuleOptions } from 'nestjs-redis-session';
import { SessionService } from 'nestjs-redis-session';
import { SessionEventStreams } from '../../../sample-app/events/session-event-streams';
import type { SampleEnv } from '../../../sample-app/config/sample-config';
import { HttpClient } from '../../harness/http-client';
import { startTestRedis, TestRedis, uniquePrefix } from '../../harness/redis';
import { SseClient } from '../../harness/sse-client';
import { RunningTestApp, testApp } from '../../harness/test-app';
import { waitFor } from '../../harness/wait';

/** The contract: GET /events closes within this long of the caller's session ending, however it ended. */
const END_BUDGET_MS = 2000;

/** The public id of the session a client's cookie names (from its own device list). */
async function ownId(c: HttpClient): Promise<string> {
  const list = (await c.get('/sessions')).body as Array<{ id: string; current: boolean }>;
  return list.find((s) => s.current)!.id;
}

// GET /events on both adapters: the stream carries only the caller's user's events, and ends (the response is
// completed, not left hanging) soon after the caller's own session ends: its own logout, logout-all or a revoke
// from another device, expiry, eviction at the session limit, a binding mismatch, or with no event at all.
describe.each(['express', 'fastify'] as const)('GET /events on %s', (adapter) => {
  let redis: TestRedis;
  let app: RunningTestApp;
  const apps: RunningTestApp[] = [];
  const streams: SseClient[] = [];

  async function start(env: SampleEnv = {}, options: Partial<SessionModuleOptions> = {}): Promise<RunningTestApp> {
    const started = await testApp(redis.url).adapter(adapter).env(env)
      .options({ keyPrefix: uniquePrefix(`sse-${adapter}`), ...options }).start();
    apps.push(started);
    return started;
  }

  async function loggedIn(on: RunningTestApp, user: 'alice' | 'bob', device: string, headers: Record<string, string> = {}) {
    const c = on.client();
    const res = await c.request('POST', '/auth/login', { username: user, password: `${user}-pass`, device }, headers);
    expect(res.status).toBe(200);
    return c;
  }

  async function stream(on: RunningTestApp, c: HttpClient, headers: Record<string, string> = {}): Promise<SseClient> {
    const s = await SseClient.open(on.url, '/events', { cookie: `sid=${c.cookie}`, ...headers });
    streams.push(s);
    expect(s.status).toBe(200);
    expect(s.headers['content-type']).toMatch(/^text\/event-stream/);
    return s;
  }

  /** Runs `end` and returns how long after its start the server ended the stream. */
  async function endsAfter(s: SseClient, end: () => Promise<unknown>): Promise<number> {
    const started = performance.now();
    await end();
    const endedAt = await s.waitForEnd(END_BUDGET_MS + 3000);
    return endedAt - started;
  }

  beforeAll(async () => {
    redis = await startTestRedis();
    app = await start();
  });
  afterEach(async () => {
    // A stream left open would hold its app's server open at close.
    await Promise.all(streams.splice(0).map((s) => s.close()));
  });
  afterAll(async () => {
    for (const a of apps) await a.close();
    await redis?.close();
  });

  it('answers 401 without a session', async () => {
    const s = await SseClient.open(app.url, '/events');
    streams.push(s);
    expect(s.status).toBe(401);
  });

  it("streams the events of the caller's user (all devices) and never another user's", async () => {
    const phone = await loggedIn(app, 'alice', 'phone');
    const s = await stream(app, phone);
    const bob = await loggedIn(app, 'bob', 'bob-laptop');
    expect((await bob.post('/auth/logout')).status).toBe(204);
    const laptop = await loggedIn(app, 'alice', 'laptop');
    // Events arrive in publish order: once alice's laptop login is here, bob's events have been and gone.
    const created = await s.next((m) => m.type === 'created');
    expect(created.data).toMatchObject({ type: 'created', userId: 'u1', id: await ownId(laptop) });
    expect(s.messages.filter((m) => m.data?.userId !== 'u1')).toEqual([]);
    expect(JSON.stringify(s.messages)).not.toContain(phone.cookie!);
    expect(s.ended).toBe(false);
  });

  it('ends within 2 s of its own logout', async () => {
    const c = await loggedIn(app, 'alice', 'own-logout');
    const s = await stream(app, c);
    const ms = await endsAfter(s, () => c.post('/auth/logout'));
    expect(ms).toBeLessThan(END_BUDGET_MS);
  });

  it('ends within 2 s of a logout-all from another device, and tells nothing about the other devices after that', async () => {
    const laptop = await loggedIn(app, 'alice', 'la-laptop');
    await loggedIn(app, 'alice', 'la-tablet');
    // Logged in last, so the other devices' endings are likely told before its own.
    const phone = await loggedIn(app, 'alice', 'la-phone');
    const phoneId = await ownId(phone);
    const s = await stream(app, phone);
    const before = s.messages.length;
    const ms = await endsAfter(s, () => laptop.post('/auth/logout-all'));
    expect(ms).toBeLessThan(END_BUDGET_MS);
    // The only thing it may still say is why it ended.
    for (const m of s.messages.slice(before)) expect(m.data).toMatchObject({ type: 'invalidated', id: phoneId });
  });

  it('ends within 2 s of being revoked from another device', async () => {
    const phone = await loggedIn(app, 'alice', 'rv-phone');
    const laptop = await loggedIn(app, 'alice', 'rv-laptop');
    const s = await stream(app, phone);
    const phoneId = await ownId(phone);
    const ms = await endsAfter(s, async () => expect((await laptop.delete(`/sessions/${phoneId}`)).status).toBe(204));
    expect(ms).toBeLessThan(END_BUDGET_MS);
    expect((await laptop.get('/me')).status).toBe(200);
  });

  it('ends within 2 s of its session expiring, and does not itself keep the session alive', async () => {
    const short = await start({}, { idleTimeoutSeconds: 2 });
    const c = await loggedIn(short, 'alice', 'expiring');
    const s = await stream(short, c);
    // The guard slid the expiry when the stream opened; the stream itself never slides it.
    const session = await short.get(SessionService).getByToken(c.cookie!);
    const expiresAt = session!.expiresAt.getTime();
    const endedAt = await s.waitForEnd(2000 + END_BUDGET_MS + 2000);
    expect(performance.timeOrigin + endedAt - expiresAt).toBeLessThan(END_BUDGET_MS);
  });

  it('ends within 2 s when a new login evicts its session at SESSION_MAX_PER_USER', async () => {
    const limited = await start({ SESSION_MAX_PER_USER: '1' });
    const first = await loggedIn(limited, 'alice', 'evicted');
    const s = await stream(limited, first);
    const ms = await endsAfter(s, () => loggedIn(limited, 'alice', 'newer'));
    expect(ms).toBeLessThan(END_BUDGET_MS);
  });

  it('ends within 2 s when a request from another User-Agent ends its session (SESSION_BINDING=user-agent)', async () => {
    const bound = await start({ SESSION_BINDING: 'user-agent' });
    const ua = { 'user-agent': 'Firefox/140' };
    const c = await loggedIn(bound, 'alice', 'bound', ua);
    const s = await stream(bound, c, ua);
    const ms = await endsAfter(s, async () => {
      expect((await bound.client().get('/me', { cookie: `sid=${c.cookie}`, 'user-agent': 'curl/8' })).status).toBe(401);
    });
    expect(ms).toBeLessThan(END_BUDGET_MS);
  });

  it('ends within 2 s even when no event tells it (events and cache off): the periodic re-check', async () => {
    const silent = await start({ SESSION_CACHE: 'off' }, { events: { enabled: false } });
    const phone = await loggedIn(silent, 'alice', 'silent-phone');
    const laptop = await loggedIn(silent, 'alice', 'silent-laptop');
    const s = await stream(silent, phone);
    const ms = await endsAfter(s, () => laptop.post('/auth/logout-all'));
    expect(ms).toBeLessThan(END_BUDGET_MS);
    expect(s.messages).toEqual([]);
  });

  it('releases its timer and subscription when the client leaves', async () => {
    const own = await start();
    const registry = own.get(SessionEventStreams);
    const c = await loggedIn(own, 'alice', 'leaving');
    const s = await stream(own, c);
    await waitFor(async () => registry.open, (n) => n === 1, { what: 'one open stream' });
    await s.close();
    await waitFor(async () => registry.open, (n) => n === 0, { what: 'no open stream after the client left' });
    // The session is untouched by the client leaving.
    expect((await c.get('/me')).status).toBe(200);
  });
});
