import type { Redis } from 'ioredis';
import { HttpClient } from '../harness/http-client';
import { keysUnder, startTestRedis, TestRedis, uniquePrefix } from '../harness/redis';
import { keysOfToken } from '../harness/redis-inspect';
import { RunningTestApp, testApp } from '../harness/test-app';

const TOKEN_COOKIE = /^sid=[A-Za-z0-9_-]{67}; Path=\/; HttpOnly; SameSite=Lax$/;
const CLEARED_COOKIE = /^sid=; Max-Age=0; Path=\/; HttpOnly; SameSite=Lax$/;
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const MAX_DATA_BYTES = 1024;

/** Whether the session a token names still exists in Redis. */
const sessionExists = async (client: Redis, prefix: string, token: string) =>
  (await client.exists(keysOfToken(prefix, token).session)) === 1;

/** A request made with an explicit token, whatever the client's jar holds. */
const getWith = (app: RunningTestApp, path: string, token: string) => app.client().get(path, { cookie: `sid=${token}` });

// The sample app's HTTP contract, on both adapters: outside checks drive exactly these paths and codes.
// The app runs as shipped (local cache and events on); only the key prefix and the data limit differ.
describe.each(['express', 'fastify'] as const)('HTTP contract on %s', (adapter) => {
  let redis: TestRedis;
  let app: RunningTestApp;
  let prefix: string;

  beforeAll(async () => {
    redis = await startTestRedis();
    prefix = uniquePrefix(adapter);
    app = await testApp(redis.url).adapter(adapter).options({ keyPrefix: prefix, maxDataBytes: MAX_DATA_BYTES }).start();
  });
  afterAll(async () => {
    await app?.close();
    await redis?.close();
  });

  async function loggedIn(user: 'alice' | 'bob' = 'alice', device = 'test-device'): Promise<HttpClient> {
    const c = app.client();
    await c.login(user, device);
    return c;
  }

  describe('POST /auth/login', () => {
    it('answers 200 {userId, expiresAt}, sets an HttpOnly SameSite=Lax cookie, and /me works with it', async () => {
      const c = app.client();
      const login = await c.login('alice', 'laptop');
      expect(login.body).toEqual({ userId: 'u1', expiresAt: expect.stringMatching(ISO) });
      expect(new Date(login.body.expiresAt).getTime()).toBeGreaterThan(Date.now());
      const setCookie = login.headers.getSetCookie();
      expect(setCookie).toHaveLength(1);
      expect(setCookie[0]).toMatch(TOKEN_COOKIE);
      expect(login.headers.get('cache-control')).toContain('no-cache="Set-Cookie"');
      expect(login.headers.get('vary')).toMatch(/\bcookie\b/i);

      const me = await c.get('/me');
      expect(me.status).toBe(200);
      expect(me.body).toMatchObject({ userId: 'u1', username: 'alice', device: 'laptop' });
      expect(me.headers.get('vary')).toMatch(/\bcookie\b/i);
      expect(me.headers.get('set-cookie')).toBeNull();
      expect(await sessionExists(redis.client, prefix, c.cookie!)).toBe(true);
    });

    it('records "unknown" as the device when none is given', async () => {
      const c = app.client();
      expect((await c.post('/auth/login', { username: 'bob', password: 'bob-pass' })).status).toBe(200);
      expect((await c.get('/me')).body).toMatchObject({ userId: 'u2', username: 'bob', device: 'unknown' });
    });

    it.each([
      ['an empty body', {}],
      ['a missing password', { username: 'alice' }],
      ['a missing username', { password: 'alice-pass' }],
      ['an empty username', { username: '', password: 'alice-pass' }],
      ['a numeric username', { username: 42, password: 'alice-pass' }],
      ['an array password', { username: 'alice', password: ['alice-pass'] }],
      ['a device over 100 characters', { username: 'alice', password: 'alice-pass', device: 'd'.repeat(101) }],
      ['a body that is not JSON', '{"username": "alice",'],
    ])('answers 400 to %s, without a cookie or a session', async (_what, body) => {
      const before = (await keysUnder(redis.client, prefix)).length;
      const res = await app.client().post('/auth/login', body);
      expect(res.status).toBe(400);
      expect(res.headers.getSetCookie()).toEqual([]);
      expect((await keysUnder(redis.client, prefix)).length).toBe(before);
    });

    it.each([
      ['a wrong password', { username: 'alice', password: 'bob-pass' }],
      ['an unknown user', { username: 'mallory', password: 'mallory-pass' }],
      ['a password that is a prefix of the right one', { username: 'alice', password: 'alice-pas' }],
    ])('answers 401 to %s, without a cookie or a session', async (_what, body) => {
      const before = (await keysUnder(redis.client, prefix)).length;
      const res = await app.client().post('/auth/login', body);
      expect(res.status).toBe(401);
      expect(res.headers.getSetCookie()).toEqual([]);
      expect((await keysUnder(redis.client, prefix)).length).toBe(before);
    });
  });

  describe('routes that need a session', () => {
    it.each([
      ['GET', '/me'],
      ['GET', '/me/cart'],
      ['PUT', '/me/cart'],
      ['GET', '/sessions'],
      ['DELETE', '/sessions/abcdefghijklmnop'],
      ['POST', '/auth/logout'],
      ['POST', '/auth/logout-all'],
    ])('%s %s answers 401 without a cookie, varying on Cookie', async (method, path) => {
      const body = method === 'PUT' ? { items: ['a'] } : undefined;
      const res = await app.client().request(method, path, body);
      expect(res.status).toBe(401);
      expect(res.headers.get('vary')).toMatch(/\bcookie\b/i);
      expect(res.headers.getSetCookie()).toEqual([]);
    });
  });

  describe('GET /me', () => {
    it('answers 200 with userId, username, device and ISO createdAt <= lastSeenAt < expiresAt', async () => {
      const c = await loggedIn('bob', 'phone');
      const me = await c.get('/me');
      expect(me.status).toBe(200);
      expect(Object.keys(me.body).sort()).toEqual(['createdAt', 'device', 'expiresAt', 'lastSeenAt', 'userId', 'username']);
      expect(me.body).toMatchObject({ userId: 'u2', username: 'bob', device: 'phone' });
      for (const f of ['createdAt', 'lastSeenAt', 'expiresAt']) expect(me.body[f]).toMatch(ISO);
      const [created, seen, expires] = ['createdAt', 'lastSeenAt', 'expiresAt'].map((f) => Date.parse(me.body[f]));
      expect(seen).toBeGreaterThanOrEqual(created);
      expect(expires).toBeGreaterThan(seen);
    });

    it('answers 401 to a well-formed token that names no session', async () => {
      expect((await getWith(app, '/me', 'A'.repeat(67))).status).toBe(401);
    });
  });

  describe('/me/cart', () => {
    it('GET answers {items: []} before anything was stored', async () => {
      const c = await loggedIn();
      const res = await c.get('/me/cart');
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ items: [] });
      expect(res.headers.get('vary')).toMatch(/\bcookie\b/i);
    });

    it('PUT answers 200 {items}, GET returns them, and they are one JSON field beside the untouched others', async () => {
      const c = await loggedIn();
      const key = keysOfToken(prefix, c.cookie!).session;
      const before = await redis.client.hgetall(key);

      const items = ['apple', 'pear', 'ünïcode ✓'];
      const put = await c.put('/me/cart', { items });
      expect(put.status).toBe(200);
      expect(put.body).toEqual({ items });
      expect((await c.get('/me/cart')).body).toEqual({ items });

      const after = await redis.client.hgetall(key);
      const added = Object.keys(after).filter((f) => !(f in before));
      expect(added).toHaveLength(1);
      expect(JSON.parse(after[added[0]])).toEqual(items);
      // Every other field is as it was, except the bookkeeping a write or a touch updates.
      for (const [f, v] of Object.entries(before)) if (!['l', 'z'].includes(f)) expect(after[f]).toBe(v);
      expect((await c.get('/me')).body.username).toBe('alice');

      expect((await c.put('/me/cart', { items: ['kiwi'] })).body).toEqual({ items: ['kiwi'] });
      expect((await c.get('/me/cart')).body).toEqual({ items: ['kiwi'] });
      expect((await c.put('/me/cart', { items: [] })).body).toEqual({ items: [] });
      expect((await c.get('/me/cart')).body).toEqual({ items: [] });
    });

    it.each([
      ['no items', {}],
      ['items that are not an array', { items: 'apple' }],
      ['items that are not strings', { items: ['apple', 3] }],
    ])('PUT answers 400 to %s and keeps the previous cart', async (_what, body) => {
      const c = await loggedIn();
      await c.put('/me/cart', { items: ['kept'] });
      expect((await c.put('/me/cart', body)).status).toBe(400);
      expect((await c.get('/me/cart')).body).toEqual({ items: ['kept'] });
    });

    it('PUT answers 413 over maxDataBytes, writes nothing, and keeps the previous cart and the session', async () => {
      const c = await loggedIn();
      const key = keysOfToken(prefix, c.cookie!).session;
      await c.put('/me/cart', { items: ['kept'] });
      const stored = await redis.client.hgetall(key);

      const big = await c.put('/me/cart', { items: ['x'.repeat(MAX_DATA_BYTES)] });
      expect(big.status).toBe(413);
      // Many small items over the limit in total are refused too (the check is on the whole session).
      const many = await c.put('/me/cart', { items: Array.from({ length: 200 }, (_, i) => `item-${i}`) });
      expect(many.status).toBe(413);

      const after = await redis.client.hgetall(key);
      for (const [f, v] of Object.entries(stored)) if (f !== 'l') expect(after[f]).toBe(v);
      expect(Object.keys(after).sort()).toEqual(Object.keys(stored).sort());
      expect((await c.get('/me/cart')).body).toEqual({ items: ['kept'] });
      expect((await c.get('/me')).status).toBe(200);
    });
  });

  describe('GET /sessions and DELETE /sessions/:id', () => {
    it("lists the caller's sessions oldest first with id, device, createdAt, lastSeenAt and current", async () => {
      // logout-all first so that sessions from earlier tests do not appear.
      await (await loggedIn('bob')).post('/auth/logout-all');
      const laptop = await loggedIn('bob', 'laptop');
      const phone = await loggedIn('bob', 'phone');
      await loggedIn('alice', 'not-bobs');

      const res = await phone.get('/sessions');
      expect(res.status).toBe(200);
      expect(res.headers.get('vary')).toMatch(/\bcookie\b/i);
      expect(res.body).toHaveLength(2);
      for (const s of res.body) {
        expect(Object.keys(s).sort()).toEqual(['createdAt', 'current', 'device', 'id', 'lastSeenAt']);
        expect(s.id).toMatch(/^[A-Za-z0-9_-]{16}$/);
        expect(s.createdAt).toMatch(ISO);
        expect(s.lastSeenAt).toMatch(ISO);
      }
      expect(res.body.map((s: { device: string }) => s.device)).toEqual(['laptop', 'phone']);
      expect(res.body.map((s: { current: boolean }) => s.current)).toEqual([false, true]);
      // The list never reveals a token.
      expect(JSON.stringify(res.body)).not.toContain(laptop.cookie!);
      expect(JSON.stringify(res.body)).not.toContain(phone.cookie!);

      const fromLaptop = await laptop.get('/sessions');
      expect(fromLaptop.body.map((s: { current: boolean }) => s.current)).toEqual([true, false]);
    });

    it('DELETE answers 204 and signs that device out; the caller stays signed in', async () => {
      const laptop = await loggedIn('alice', 'laptop');
      const phone = await loggedIn('alice', 'phone');
      const list = (await phone.get('/sessions')).body as Array<{ id: string; device: string; current: boolean }>;
      const target = list.filter((s) => s.device === 'laptop' && !s.current).pop()!;

      const del = await phone.delete(`/sessions/${target.id}`);
      expect(del.status).toBe(204);
      expect(del.headers.get('vary')).toMatch(/\bcookie\b/i);
      expect((await laptop.get('/me')).status).toBe(401);
      expect(await sessionExists(redis.client, prefix, laptop.cookie!)).toBe(false);
      expect((await phone.get('/me')).status).toBe(200);
      expect(((await phone.get('/sessions')).body as Array<{ id: string }>).map((s) => s.id)).not.toContain(target.id);
      // Gone now, so a second delete is a 404.
      expect((await phone.delete(`/sessions/${target.id}`)).status).toBe(404);
    });

    it("DELETE answers 404 for another user's session and leaves it alive", async () => {
      const bob = await loggedIn('bob', 'bobs-phone');
      const bobsId = ((await bob.get('/sessions')).body as Array<{ id: string; current: boolean }>).find((s) => s.current)!.id;
      const alice = await loggedIn('alice');
      expect((await alice.delete(`/sessions/${bobsId}`)).status).toBe(404);
      expect((await bob.get('/me')).status).toBe(200);
    });

    it('DELETE answers 404 for an id that names no session', async () => {
      const alice = await loggedIn('alice');
      expect((await alice.delete('/sessions/AAAAAAAAAAAAAAAA')).status).toBe(404);
      expect((await alice.delete('/sessions/not-an-id')).status).toBe(404);
    });

    it('DELETE of the caller’s own session answers 204 and ends it', async () => {
      const alice = await loggedIn('alice', 'self');
      const own = ((await alice.get('/sessions')).body as Array<{ id: string; current: boolean }>).find((s) => s.current)!;
      const token = alice.cookie!;
      expect((await alice.delete(`/sessions/${own.id}`)).status).toBe(204);
      expect((await getWith(app, '/me', token)).status).toBe(401);
    });
  });

  describe('POST /auth/logout', () => {
    it('answers 204, clears the cookie, ends only this session', async () => {
      const other = await loggedIn('alice', 'other');
      const c = await loggedIn('alice', 'this');
      const token = c.cookie!;
      const res = await c.post('/auth/logout');
      expect(res.status).toBe(204);
      const setCookie = res.headers.getSetCookie();
      expect(setCookie).toHaveLength(1);
      expect(setCookie[0]).toMatch(CLEARED_COOKIE);
      expect(res.headers.get('cache-control')).toContain('no-cache="Set-Cookie"');
      expect(res.headers.get('vary')).toMatch(/\bcookie\b/i);

      expect((await getWith(app, '/me', token)).status).toBe(401);
      expect(await sessionExists(redis.client, prefix, token)).toBe(false);
      expect((await other.get('/me')).status).toBe(200);
    });
  });

  describe('POST /auth/logout-all', () => {
    it("answers 204, clears the cookie and ends every session of the user on every client, not other users'", async () => {
      const clients = [await loggedIn('alice', 'a1'), await loggedIn('alice', 'a2'), await loggedIn('alice', 'a3')];
      // Each client has been used, so a cache (if any) holds its session.
      for (const c of clients) expect((await c.get('/me')).status).toBe(200);
      const tokens = clients.map((c) => c.cookie!);
      const bob = await loggedIn('bob');

      const res = await clients[0].post('/auth/logout-all');
      expect(res.status).toBe(204);
      expect(res.headers.get('vary')).toMatch(/\bcookie\b/i);
      expect(res.headers.getSetCookie()).toHaveLength(1);
      expect(res.headers.getSetCookie()[0]).toMatch(CLEARED_COOKIE);
      expect(res.headers.get('cache-control')).toContain('no-cache="Set-Cookie"');

      for (const token of tokens) {
        expect((await getWith(app, '/me', token)).status).toBe(401);
        expect(await sessionExists(redis.client, prefix, token)).toBe(false);
      }
      expect((await bob.get('/me')).status).toBe(200);
      // Nothing of alice's is left in Redis: no session, shadow or index key.
      const left = await keysUnder(redis.client, prefix);
      const aliceTag = tokens[0].slice(0, 3);
      expect(left.filter((k) => k.includes(`{${aliceTag}}`))).toEqual([]);
    });
  });

  describe('GET /health', () => {
    it("answers 200 {status: 'ok', redis: 'up'} without a session", async () => {
      const res = await app.client().get('/health');
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ status: 'ok', redis: 'up' });
    });
  });
});
