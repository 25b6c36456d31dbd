import { createClient, Client } from 'graphql-ws';
import WebSocket from 'ws';
import type { SampleEnv } from '../../../sample-app/config/sample-config';
import { HttpClient, HttpResult } from '../../harness/http-client';
import { startTestRedis, TestRedis, uniquePrefix } from '../../harness/redis';
import { RunningTestApp, testApp } from '../../harness/test-app';

const CROSS_SITE = { 'sec-fetch-site': 'cross-site' };
const EVIL_ORIGIN = { origin: 'http://evil.example' };

interface GraphQLBody {
  data?: Record<string, any> | null;
  errors?: Array<{ message: string; extensions?: { code?: string } }>;
}

/** POST /graphql with the client's cookie. */
function gql(c: HttpClient, query: string, headers: Record<string, string> = {}): Promise<HttpResult<GraphQLBody>> {
  return c.request<GraphQLBody>('POST', '/graphql', { query }, headers);
}
const codeOf = (r: HttpResult<GraphQLBody>) => r.body.errors?.[0]?.extensions?.code;
const LOGIN = (user = 'alice', device = 'gql-device') =>
  `mutation { login(username: "${user}", password: "${user}-pass", device: "${device}") { userId expiresAt } }`;
const ME = '{ me { userId username device } }';
const LOGOUT = 'mutation { logout }';

/** Cookie attributes of a Set-Cookie line, without the value, sorted (Max-Age/Expires dropped: they vary). */
function attributes(line: string): string[] {
  return line.split(';').slice(1).map((a) => a.trim().toLowerCase()).filter((a) => !/^(max-age|expires)=/.test(a)).sort();
}

// The sample app's GraphQL endpoint (Apollo on Express, Mercurius on Fastify) keeps the HTTP contract of the auth
// routes: the same cookie, the same sessions, the same CSRF rules, GraphQL error codes instead of statuses.
describe.each(['express', 'fastify'] as const)('GraphQL on %s', (adapter) => {
  let redis: TestRedis;
  let app: RunningTestApp;
  const extra: RunningTestApp[] = [];

  async function start(env: SampleEnv = {}): Promise<RunningTestApp> {
    const started = await testApp(redis.url).adapter(adapter).env(env).options({ keyPrefix: uniquePrefix(`gql-${adapter}`) }).start();
    extra.push(started);
    return started;
  }

  beforeAll(async () => {
    redis = await startTestRedis();
    app = await testApp(redis.url).adapter(adapter).options({ keyPrefix: uniquePrefix(`gql-${adapter}`) }).start();
  });
  afterAll(async () => {
    for (const a of extra) await a.close();
    await app?.close();
    await redis?.close();
  });

  it('login mutation sets the sid cookie as POST /auth/login does; me and logout work with it', async () => {
    const c = app.client();
    const login = await gql(c, LOGIN());
    expect(login.status).toBe(200);
    expect(login.body.errors).toBeUndefined();
    expect(login.body.data!.login).toEqual({ userId: 'u1', expiresAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) });
    const [line] = login.headers.getSetCookie();
    expect(line).toMatch(/^sid=[A-Za-z0-9_-]+;/);
    const rest = app.client();
    const restLogin = await rest.login('alice');
    expect(attributes(line)).toEqual(attributes(restLogin.headers.getSetCookie()[0]));

    const me = await gql(c, ME);
    expect(me.status).toBe(200);
    expect(me.body).toEqual({ data: { me: { userId: 'u1', username: 'alice', device: 'gql-device' } } });
    // A cookie from POST /auth/login works here too, and the GraphQL one on the REST routes.
    expect((await gql(rest, ME)).body.data!.me).toMatchObject({ device: 'test-device' });
    expect((await c.get('/me')).status).toBe(200);

    const token = c.cookie!;
    const logout = await gql(c, LOGOUT);
    expect(logout.body).toEqual({ data: { logout: true } });
    expect(logout.headers.getSetCookie()[0]).toMatch(/^sid=;.*Max-Age=0/i);
    expect(c.cookie).toBeUndefined();
    const gone = await gql(app.client(), ME, { cookie: `sid=${token}` });
    expect(codeOf(gone)).toBe('UNAUTHENTICATED');
    // The session is gone from Redis: only the REST client's is left in alice's device list.
    expect((await rest.get('/sessions')).body).toHaveLength(1);
  });

  it('login applies POST /auth/login’s rules: bad input → BAD_USER_INPUT, wrong password → UNAUTHENTICATED, no cookie', async () => {
    const c = app.client();
    const wrong = await gql(c, 'mutation { login(username: "alice", password: "nope") { userId } }');
    expect(codeOf(wrong)).toBe('UNAUTHENTICATED');
    expect(wrong.status).toBeLessThan(500);
    expect(wrong.headers.getSetCookie()).toEqual([]);
    const bad = await gql(c, 'mutation { login(username: "", password: "alice-pass", device: "a\\u0001b") { userId } }');
    expect(codeOf(bad)).toBe('BAD_USER_INPUT');
    expect(bad.status).toBeLessThan(500);
    expect(bad.headers.getSetCookie()).toEqual([]);
  });

  it('login with remember: true sets a persistent cookie (Max-Age), without it a browser-session cookie', async () => {
    const maxAge = (line: string | undefined) => /max-age=(\d+)/i.exec(line ?? '')?.[1];
    const remembered = await gql(app.client(), 'mutation { login(username: "alice", password: "alice-pass", remember: true) { userId } }');
    expect(Number(maxAge(remembered.headers.getSetCookie()[0]))).toBeGreaterThan(0);
    const plain = await gql(app.client(), LOGIN());
    expect(maxAge(plain.headers.getSetCookie()[0])).toBeUndefined();
  });

  it('at SESSION_MAX_PER_USER with SESSION_ON_LIMIT=refuse: CONFLICT, no cookie, never 5xx; the first session still works', async () => {
    const limited = await start({ SESSION_MAX_PER_USER: '1', SESSION_ON_LIMIT: 'refuse' });
    const first = limited.client();
    expect(codeOf(await gql(first, LOGIN('bob', 'laptop')))).toBeUndefined();
    const refused = await gql(limited.client(), LOGIN('bob', 'phone'));
    expect(codeOf(refused)).toBe('CONFLICT');
    expect(refused.status).toBeLessThan(500);
    expect(refused.headers.getSetCookie()).toEqual([]);
    expect((await gql(first, ME)).body.data!.me).toMatchObject({ userId: 'u2', device: 'laptop' });
  });

  it('me without a session or with a bad cookie: UNAUTHENTICATED, status 200 (as the README says), never 5xx', async () => {
    for (const cookie of [undefined, 'sid=not-a-token', `sid=${'A'.repeat(43)}`]) {
      const res = await gql(app.client(), ME, cookie ? { cookie } : {});
      expect(res.status).toBe(200);
      expect(codeOf(res)).toBe('UNAUTHENTICATED');
      // A @PublicRoute() query answers with or without one.
      expect((await gql(app.client(), '{ ping }', cookie ? { cookie } : {})).body).toEqual({ data: { ping: 'pong' } });
    }
  });

  it('CSRF: a cross-site mutation answers 403 FORBIDDEN and changes nothing; same-origin and header-less pass', async () => {
    const c = app.client();
    await gql(c, LOGIN());
    for (const forged of [CROSS_SITE, EVIL_ORIGIN]) {
      const res = await gql(c, LOGOUT, forged);
      expect(res.status).toBe(403);
      expect(codeOf(res)).toBe('FORBIDDEN');
      expect(res.headers.getSetCookie()).toEqual([]);
      // Cross-site queries over POST are refused as well (as every cross-site POST is).
      expect((await gql(c, ME, forged)).status).toBe(403);
    }
    expect((await gql(c, ME)).body.data!.me.userId).toBe('u1');
    const forgedLogin = await gql(app.client(), LOGIN('bob'), CROSS_SITE);
    expect(forgedLogin.status).toBe(403);
    expect(forgedLogin.headers.getSetCookie()).toEqual([]);
    expect((await gql(c, ME, { origin: app.url, 'sec-fetch-site': 'same-origin' })).body.data!.me.userId).toBe('u1');
    expect((await gql(c, LOGOUT, { origin: app.url })).body).toEqual({ data: { logout: true } });
  });

  it('CSRF_MODE=token: mutations need X-CSRF-Token, queries do not', async () => {
    const tokenApp = await start({ CSRF_MODE: 'token' });
    const c = tokenApp.client();
    expect((await gql(c, LOGIN())).body.data!.login.userId).toBe('u1');
    const { token } = (await c.get('/auth/csrf')).body as { token: string };
    expect((await gql(c, ME)).body.data!.me.userId).toBe('u1');
    const refused = await gql(c, LOGOUT);
    expect(refused.status).toBe(403);
    expect(codeOf(refused)).toBe('FORBIDDEN');
    expect((await gql(c, ME)).body.data!.me.userId).toBe('u1');
    expect((await gql(c, LOGOUT, { 'x-csrf-token': token })).body).toEqual({ data: { logout: true } });
  });

  describe('subscriptions (graphql-ws)', () => {
    const clients: Client[] = [];
    afterEach(async () => {
      for (const client of clients.splice(0)) await client.dispose();
    });

    /** A graphql-ws client sending `cookie` in the upgrade request; resolves with how the socket closed. */
    function connect(cookie?: string, target: RunningTestApp = app) {
      let closed!: (e: { code: number; reason: string }) => void;
      const closedWith = new Promise<{ code: number; reason: string }>((resolve) => (closed = resolve));
      let connected!: () => void;
      const opened = new Promise<void>((resolve) => (connected = resolve));
      const client = createClient({
        url: target.url.replace(/^http/, 'ws') + '/graphql',
        webSocketImpl: class extends WebSocket {
          constructor(url: string, protocols: string[]) {
            super(url, protocols, { headers: cookie ? { cookie } : {} });
          }
        },
        retryAttempts: 0,
        lazy: false,
        // A refused or ended connection is what these tests expect: not worth graphql-ws's console.error.
        onNonLazyError: () => undefined,
        on: {
          connected: () => connected(),
          closed: (e) => closed(e as { code: number; reason: string }),
        },
      });
      clients.push(client);
      return { client, opened, closedWith };
    }

    it('refuses a connection without a valid session (close code 4401)', async () => {
      expect((await connect().closedWith).code).toBe(4401);
      expect((await connect(`sid=${'A'.repeat(43)}`).closedWith).code).toBe(4401);
    });

    it('streams the user’s session events, and closes (4401) when the session is logged out over HTTP', async () => {
      const c = app.client();
      await gql(c, LOGIN('bob'));
      const ws = connect(`sid=${c.cookie}`);
      await ws.opened;
      const events: Array<{ type: string }> = [];
      let firstEvent!: () => void;
      const gotOne = new Promise<void>((resolve) => (firstEvent = resolve));
      const done = new Promise<void>((resolve, reject) => {
        ws.client.subscribe<{ sessionEvents: { type: string } }>(
          { query: 'subscription { sessionEvents { type sessionId } }' },
          { next: (m) => { events.push(m.data!.sessionEvents); firstEvent(); }, error: () => resolve(), complete: resolve },
        );
        void reject;
      });
      // Another login of bob's is an event this stream shows.
      const other = app.client();
      // The subscription is set up once the server acknowledged it; logging in until an event arrives avoids a sleep.
      const stop = { now: false };
      void gotOne.then(() => (stop.now = true));
      for (let i = 0; i < 50 && !stop.now; i++) {
        await gql(other, LOGIN('bob', `other-${i}`));
        await Promise.race([gotOne, new Promise((r) => setTimeout(r, 50))]);
      }
      expect(events[0]).toMatchObject({ type: expect.stringMatching(/^(created|invalidated)$/) });
      await gql(c, LOGOUT);
      expect((await ws.closedWith).code).toBe(4401);
      await done;
    });

    it('closes when the session is revoked from another device', async () => {
      const c = app.client();
      await gql(c, LOGIN('alice', 'victim'));
      const ws = connect(`sid=${c.cookie}`);
      await ws.opened;
      const admin = app.client();
      await admin.login('alice', 'admin');
      expect((await admin.post('/auth/logout-all')).status).toBe(204);
      expect((await ws.closedWith).code).toBe(4401);
    });

    it('closes when the session expires (the open connection does not keep it alive)', async () => {
      const short = await testApp(redis.url).adapter(adapter).options({ keyPrefix: uniquePrefix(`gql-exp-${adapter}`), idleTimeoutSeconds: 2 }).start();
      extra.push(short);
      const c = short.client();
      await gql(c, LOGIN('bob', 'expiring'));
      const ws = connect(`sid=${c.cookie}`, short);
      await ws.opened;
      const started = Date.now();
      expect((await ws.closedWith).code).toBe(4401);
      // Idle timeout 2 s from the login; the end is reported by Redis's expiry notification or the sweep.
      expect(Date.now() - started).toBeLessThan(6000);
    }, 15_000);
  });
});

describe.each(['express', 'fastify'] as const)('GraphQL with Redis down on %s', (adapter) => {
  it('me answers SERVICE_UNAVAILABLE, never a 5xx', async () => {
    const redis = await startTestRedis([], { private: true });
    const app = await testApp(redis.url).adapter(adapter).options({ keyPrefix: uniquePrefix(`gql-down-${adapter}`) }).start();
    try {
      const c = app.client();
      await gql(c, LOGIN());
      await redis.server!.crash();
      const res = await gql(c, ME);
      expect(res.status).toBe(200);
      expect(codeOf(res)).toBe('SERVICE_UNAVAILABLE');
      const login = await gql(app.client(), LOGIN('bob'));
      expect(login.status).toBe(200);
      expect(codeOf(login)).toBe('SERVICE_UNAVAILABLE');
    } finally {
      await app.close();
      await redis.close();
    }
  });
});
