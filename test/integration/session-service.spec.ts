import { REQUEST_SESSION } from '../../lib/session.constants';
import { SessionCache } from '../../lib/store/session.cache';
import { SessionStore } from '../../lib/store/session.store';
import {
  ActiveSession, SessionDataTooLargeError, SessionHealthIndicator, SessionInputError, SessionNotFoundError, SessionService,
} from 'nestjs-redis-session';
import { keysUnder, startTestRedis, TestRedis, uniquePrefix } from '../harness/redis';
import { expiresAtMs, keysOfToken, redisNowMs } from '../harness/redis-inspect';
import { RunningSessionModule, startSessionModule } from '../harness/session-module';
import { waitFor } from '../harness/wait';

const IDLE_S = 600;
const ABSOLUTE_S = 3600;
const MAX_DATA_BYTES = 200;
const TOKEN = /^[A-Za-z0-9_-]{67}$/;

let n = 0;
/** A user id no other test uses, so each test owns its user's index. */
const freshUser = () => `user-${++n}-${Math.random().toString(36).slice(2, 6)}`;

/** A request the guard let through with `session` (its response stays in flight: it has no socket to be sent on). */
const guardedRequest = (token: string, session: ActiveSession | null) =>
  ({ headers: { cookie: `sid=${token}` }, [REQUEST_SESSION]: session }) as never;


// Every SessionService call in-process, against a real Redis, with the library's defaults (cache off).
describe('SessionService', () => {
  let redis: TestRedis;
  let mod: RunningSessionModule;
  let sessions: SessionService<Record<string, any>>;
  let prefix: string;

  beforeAll(async () => {
    redis = await startTestRedis();
    prefix = uniquePrefix('service');
    mod = await startSessionModule({
      redis: redis.url, keyPrefix: prefix, idleTimeoutSeconds: IDLE_S, absoluteTimeoutSeconds: ABSOLUTE_S, maxDataBytes: MAX_DATA_BYTES,
    });
    sessions = mod.service;
  });
  afterAll(async () => {
    await mod?.close();
    await redis?.close();
  });

  const exists = async (token: string) => (await redis.client.exists(keysOfToken(prefix, token).session)) === 1;

  describe('issue', () => {
    it('creates a session and returns its 67-character token and the session with deadlines from the options', async () => {
      const userId = freshUser();
      const before = await redisNowMs(redis.client);
      const { token, session } = await sessions.issue({ userId, device: 'laptop', data: { role: 'admin', n: 1 } });
      expect(token).toMatch(TOKEN);
      expect(session).toMatchObject({ userId, device: 'laptop', data: { role: 'admin', n: 1 } });
      expect(session.id).toMatch(/^[A-Za-z0-9_-]{16}$/);
      const created = session.createdAt.getTime();
      expect(created).toBeGreaterThanOrEqual(before);
      expect(session.lastSeenAt.getTime()).toBe(created);
      expect(session.expiresAt.getTime()).toBe(created + IDLE_S * 1000);
      expect(session.absoluteExpiresAt.getTime()).toBe(created + ABSOLUTE_S * 1000);
      expect(await exists(token)).toBe(true);
      // Serialising the session (logging it, returning it as JSON) never leaks the token.
      expect(JSON.stringify(session)).not.toContain(token);
      expect(JSON.stringify(session)).not.toContain(token.slice(3));
    });

    it('records the device as "unknown" and data as empty when not given', async () => {
      const { session } = await sessions.issue({ userId: freshUser() });
      expect(session.device).toBe('unknown');
      expect(session.data).toEqual({});
    });

    it('issues a different token every time, even for the same user', async () => {
      const userId = freshUser();
      const tokens = await Promise.all(Array.from({ length: 20 }, () => sessions.issue({ userId }).then((r) => r.token)));
      expect(new Set(tokens).size).toBe(20);
    });

    it.each([
      ['data over maxDataBytes', { big: 'x'.repeat(MAX_DATA_BYTES) }, SessionDataTooLargeError],
      ['an empty field name', { '': 1 }, SessionInputError],
      ['a field name with a control character', { 'a\nb': 1 }, SessionInputError],
      ['a field name over 64 characters', { ['f'.repeat(65)]: 1 }, SessionInputError],
      ['a field name with a lone surrogate', { ['a\uD800']: 1 }, SessionInputError],
      ['a value that is not JSON', { fn: () => 1 }, SessionInputError],
    ])('refuses %s and writes nothing', async (_what, data, error) => {
      const before = await keysUnder(redis.client, prefix);
      await expect(sessions.issue({ userId: freshUser(), data: data as Record<string, unknown> })).rejects.toBeInstanceOf(error);
      expect(await keysUnder(redis.client, prefix)).toEqual(expect.arrayContaining(before));
      expect((await keysUnder(redis.client, prefix)).length).toBe(before.length);
    });
  });

  describe('create', () => {
    it('in a request: issues a session and sets its cookie on the response', async () => {
      const { result: session, res } = await mod.inRequest({ headers: {} }, () => sessions.create({ userId: freshUser(), device: 'web' }));
      const setCookie = ([] as string[]).concat(res.getHeader('set-cookie') as string[]);
      expect(setCookie).toHaveLength(1);
      const token = /^sid=([^;]+);/.exec(setCookie[0])![1];
      expect(token).toMatch(TOKEN);
      expect((await sessions.getByToken(token))?.id).toBe(session.id);
      expect(res.getHeader('cache-control')).toBe('no-cache="Set-Cookie"');
    });

    it('ends the session the request cookie names and issues a new token (fixation)', async () => {
      const userId = freshUser();
      const { token: old } = await sessions.issue({ userId });
      const { res } = await mod.inRequest({ headers: { cookie: `sid=${old}` } }, () => sessions.create({ userId }));
      const token = /^sid=([^;]+);/.exec(String(([] as string[]).concat(res.getHeader('set-cookie') as string[])[0]))![1];
      expect(token).not.toBe(old);
      expect(await sessions.getByToken(old)).toBeNull();
      expect(await exists(old)).toBe(false);
      expect(await sessions.getByToken(token)).not.toBeNull();
    });

    it('outside a @PublicRoute() handler: refuses, naming issue(), and creates nothing (it could set no cookie)', async () => {
      const userId = freshUser();
      await expect(sessions.create({ userId })).rejects.toThrow(/@PublicRoute\(\).*issue\(\)/);
      expect(await sessions.list(userId)).toEqual([]);
    });
  });

  describe('getByToken', () => {
    it('reads the session without sliding its expiry or its last-seen time', async () => {
      const { token, session } = await sessions.issue({ userId: freshUser(), data: { a: [1, 2] } });
      const key = keysOfToken(prefix, token).session;
      const lastSeen = await redis.client.hget(key, 'l');
      // Let Redis time move on, so that a slide would be visible.
      await waitFor(() => redisNowMs(redis.client), (t) => t > Number(lastSeen) + 5, { what: 'Redis clock to advance' });
      const pttlBefore = await redis.client.pttl(key);
      const read = await sessions.getByToken(token);
      expect(read).toMatchObject({ id: session.id, userId: session.userId, data: { a: [1, 2] } });
      expect(read!.lastSeenAt.getTime()).toBe(session.lastSeenAt.getTime());
      expect(await redis.client.hget(key, 'l')).toBe(lastSeen);
      expect(await redis.client.pttl(key)).toBeLessThanOrEqual(pttlBefore);
    });

    it('returns null for malformed, unknown and tampered tokens', async () => {
      const { token } = await sessions.issue({ userId: freshUser() });
      const tampered = token.slice(0, 30) + (token[30] === 'A' ? 'B' : 'A') + token.slice(31);
      for (const t of ['', 'short', token + 'x', token.slice(0, 66) + '!', 'A'.repeat(67), tampered]) {
        expect(await sessions.getByToken(t)).toBeNull();
      }
      expect(await sessions.getByToken(token)).not.toBeNull();
    });
  });

  describe('touch', () => {
    it('reads the session and slides its idle expiry and last-seen time in Redis', async () => {
      const { token } = await sessions.issue({ userId: freshUser() });
      const key = keysOfToken(prefix, token).session;
      const lastSeen = Number(await redis.client.hget(key, 'l'));
      await waitFor(() => redisNowMs(redis.client), (t) => t > lastSeen + 5, { what: 'Redis clock to advance' });
      const touched = await sessions.touch(token);
      const now = await redisNowMs(redis.client);
      expect(touched).not.toBeNull();
      expect(touched!.lastSeenAt.getTime()).toBeGreaterThan(lastSeen);
      expect(Number(await redis.client.hget(key, 'l'))).toBe(touched!.lastSeenAt.getTime());
      expect(touched!.expiresAt.getTime()).toBe(touched!.lastSeenAt.getTime() + IDLE_S * 1000);
      // The key's own expiry is the sliding deadline, give or take the time this test took.
      const pttl = await redis.client.pttl(key);
      expect(now + pttl).toBeGreaterThan(touched!.expiresAt.getTime() - 50);
      expect(now + pttl).toBeLessThanOrEqual(touched!.expiresAt.getTime() + 5);
    });

    it('returns null for malformed and unknown tokens', async () => {
      expect(await sessions.touch('nope')).toBeNull();
      expect(await sessions.touch('A'.repeat(67))).toBeNull();
    });
  });

  describe('get, set and unset', () => {
    it.each([
      ['a string', 'hello'],
      ['an empty string', ''],
      ['a number', 42.5],
      ['zero', 0],
      ['false', false],
      ['null', null],
      ['an array', [1, 'two', { three: 3 }]],
      ['a nested object', { a: { b: { c: [true, null] } } }],
      ['unicode', 'ünïcödé ✓ 😀'],
      ['a string that looks like JSON', '{"not":"an object"}'],
    ])('stores %s as JSON and reads it back unchanged', async (_what, value) => {
      const { token, session } = await sessions.issue({ userId: freshUser() });
      await sessions.set(session, 'v', value);
      expect(await sessions.get(session, 'v')).toEqual(value);
      expect(session.data.v).toEqual(value);
      expect(JSON.parse((await redis.client.hget(keysOfToken(prefix, token).session, '.v'))!)).toEqual(value);
      expect((await sessions.getByToken(token))!.data.v).toEqual(value);
    });

    it('writes one field and leaves every other field as it was', async () => {
      const { token, session } = await sessions.issue({ userId: freshUser(), data: { a: 1, b: 'two' } });
      const key = keysOfToken(prefix, token).session;
      const before = await redis.client.hgetall(key);
      await sessions.set(session, 'c', { three: 3 });
      await sessions.set(session, 'a', 'one');
      const after = await redis.client.hgetall(key);
      const changed = Object.keys(after).filter((f) => after[f] !== before[f]);
      // 'z' is the data size bookkeeping; everything else but the two written fields is untouched.
      expect(changed.sort()).toEqual(['.a', '.c', 'z'].sort());
      const read = await sessions.getByToken(token);
      expect(read!.data).toEqual({ a: 'one', b: 'two', c: { three: 3 } });
    });

    it('get reads the value fresh from Redis, seeing writes made through another session object', async () => {
      const { token, session } = await sessions.issue({ userId: freshUser(), data: { a: 1 } });
      const other = (await sessions.getByToken(token))!;
      await sessions.set(other, 'a', 2);
      expect(session.data.a).toBe(1);
      expect(await sessions.get(session, 'a')).toBe(2);
      expect(await sessions.get(session, 'missing')).toBeUndefined();
    });

    it('unset removes one field and leaves the others', async () => {
      const { token, session } = await sessions.issue({ userId: freshUser(), data: { a: 1, b: 2 } });
      await sessions.unset(session, 'a');
      expect(await sessions.get(session, 'a')).toBeUndefined();
      expect('a' in session.data).toBe(false);
      expect((await sessions.getByToken(token))!.data).toEqual({ b: 2 });
      await sessions.unset(session, 'never-set');
      expect((await sessions.getByToken(token))!.data).toEqual({ b: 2 });
    });

    it('counts bytes, not characters, against maxDataBytes: up to the limit is accepted, one byte more is not', async () => {
      const { token, session } = await sessions.issue({ userId: freshUser() });
      // One field ".v" (2 bytes) holding a JSON string: 2 quotes + content. 2 + 2 + 196 = 200 = the limit.
      await sessions.set(session, 'v', 'x'.repeat(MAX_DATA_BYTES - 4));
      await expect(sessions.set(session, 'v', 'x'.repeat(MAX_DATA_BYTES - 3))).rejects.toBeInstanceOf(SessionDataTooLargeError);
      // "é" is two bytes in UTF-8: 98 of them are 196 bytes (fits), 99 are 198 (does not).
      await sessions.set(session, 'v', 'é'.repeat(98));
      await expect(sessions.set(session, 'v', 'é'.repeat(99))).rejects.toBeInstanceOf(SessionDataTooLargeError);
      expect(await sessions.get(session, 'v')).toBe('é'.repeat(98));
      expect((await sessions.getByToken(token))!.data).toEqual({ v: 'é'.repeat(98) });
    });

    it('refuses a write that would take the whole session over the limit and writes nothing', async () => {
      const { token, session } = await sessions.issue({ userId: freshUser(), data: { a: 'x'.repeat(100) } });
      const key = keysOfToken(prefix, token).session;
      const before = await redis.client.hgetall(key);
      const err = await sessions.set(session, 'b', 'y'.repeat(100)).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SessionDataTooLargeError);
      expect((err as SessionDataTooLargeError).getStatus()).toBe(413);
      expect(await redis.client.hgetall(key)).toEqual(before);
      expect(session.data).toEqual({ a: 'x'.repeat(100) });
      // Replacing the big field with a small one frees its bytes.
      await sessions.set(session, 'a', 'small');
      await sessions.set(session, 'b', 'y'.repeat(100));
      expect((await sessions.getByToken(token))!.data).toEqual({ a: 'small', b: 'y'.repeat(100) });
    });

    it.each([
      ['an empty field name', '', 1],
      ['a field name with a control character', 'a\u0000b', 1],
      ['a function value', 'f', () => 1],
      ['a BigInt value', 'b', BigInt(1)],
    ])('set refuses %s with a SessionInputError (400) and writes nothing', async (_what, key, value) => {
      const { token, session } = await sessions.issue({ userId: freshUser(), data: { a: 1 } });
      const error = await sessions.set(session, key, value).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SessionInputError);
      expect((error as SessionInputError).getStatus()).toBe(400);
      expect((await sessions.getByToken(token))!.data).toEqual({ a: 1 });
    });

    it('set and unset on an ended session throw SessionNotFoundError and do not bring it back', async () => {
      const { token, session } = await sessions.issue({ userId: freshUser(), data: { a: 1 } });
      await sessions.destroy(session);
      await expect(sessions.set(session, 'a', 2)).rejects.toBeInstanceOf(SessionNotFoundError);
      await expect(sessions.unset(session, 'a')).rejects.toBeInstanceOf(SessionNotFoundError);
      expect(await exists(token)).toBe(false);
      expect(await sessions.getByToken(token)).toBeNull();
    });

    it('refuses objects it did not issue', async () => {
      const fake = { id: 'x', userId: 'u', data: {} } as unknown as ActiveSession<Record<string, any>>;
      await expect(sessions.set(fake, 'a', 1)).rejects.toBeInstanceOf(SessionInputError);
    });
  });

  describe('destroy', () => {
    it('ends the session, removes all its keys, returns true once and false after', async () => {
      const userId = freshUser();
      const { token, session } = await sessions.issue({ userId });
      const { token: other } = await sessions.issue({ userId });
      const keys = keysOfToken(prefix, token);
      expect(await sessions.destroy(session)).toBe(true);
      expect(await sessions.getByToken(token)).toBeNull();
      expect(await redis.client.exists(keys.session)).toBe(0);
      expect(await sessions.getByToken(other)).not.toBeNull();
      expect(await sessions.destroy(session)).toBe(false);
    });

    it("removes the user's index with the user's last session, leaving no key behind", async () => {
      const userId = freshUser();
      const { token, session } = await sessions.issue({ userId });
      const { session: sessionKey, index } = keysOfToken(prefix, token);
      const mine = async () => {
        const all = await keysUnder(redis.client, prefix);
        return [sessionKey, index].filter((k) => all.includes(k));
      };
      expect(await mine()).toEqual([sessionKey, index]);
      await sessions.destroy(session);
      expect(await mine()).toEqual([]);
    });

    it('clears the cookie of a request made with that session, and only of such a request', async () => {
      const { token, session } = await sessions.issue({ userId: freshUser() });
      const other = await sessions.issue({ userId: freshUser() });
      const made = guardedRequest(token, await sessions.getByToken(token));
      const { res } = await mod.inRequest(made, () => sessions.destroy(session));
      expect(String(res.getHeader('set-cookie'))).toMatch(/^sid=; Max-Age=0;/);
      // An admin ending another user's session does not sign the admin out.
      const { res: adminRes } = await mod.inRequest(guardedRequest(other.token, null), () => sessions.destroy(other.session));
      expect(adminRes.getHeader('set-cookie')).toBeUndefined();
    });
  });

  describe('destroyAllForUser', () => {
    it("ends every session of the user, returns how many, and leaves other users' sessions", async () => {
      const userId = freshUser();
      const mine = await Promise.all([1, 2, 3].map(() => sessions.issue({ userId })));
      const { token: someoneElse } = await sessions.issue({ userId: freshUser() });
      expect(await sessions.destroyAllForUser(userId)).toBe(3);
      for (const { token } of mine) {
        expect(await sessions.getByToken(token)).toBeNull();
        expect(await exists(token)).toBe(false);
      }
      expect(await sessions.getByToken(someoneElse)).not.toBeNull();
      expect(await sessions.list(userId)).toEqual([]);
      expect(await sessions.destroyAllForUser(userId)).toBe(0);
    });

    // A login racing a logout everywhere: destroy-all.lua keeps a session created after it ran, so its response must
    // keep the cookie. The login is run, on this instance, right after the script's answer and before the service
    // goes on: the requests to sign out are those in flight when the call began.
    it('clears the cookie of the requests in flight when it began, not that of a login completing meanwhile', async () => {
      const userId = freshUser();
      const { token } = await sessions.issue({ userId });
      const before = guardedRequest(token, await sessions.getByToken(token));
      const { res: beforeRes } = await mod.inRequest(before, async () => undefined);
      const store = mod.module.get(SessionStore);
      const destroyAllOf = store.destroyAllOf.bind(store);
      let login: { result: ActiveSession; res: import('node:http').ServerResponse } | undefined;
      const spy = jest.spyOn(store, 'destroyAllOf').mockImplementationOnce(async (...args) => {
        const ended = await destroyAllOf(...args);
        login = await mod.inRequest({ headers: {} } as never, () => sessions.create({ userId }));
        return ended;
      });
      try {
        expect(await sessions.destroyAllForUser(userId)).toBe(1);
      } finally {
        spy.mockRestore();
      }
      expect(String(beforeRes.getHeader('set-cookie'))).toMatch(/^sid=; Max-Age=0;/);
      const set = ([] as unknown[]).concat(login!.res.getHeader('set-cookie')).map(String);
      expect(set).toHaveLength(1);
      const newToken = /^sid=([^;]+);/.exec(set[0])![1];
      expect((await sessions.getByToken(newToken))?.id).toBe(login!.result.id);
    });
  });

  describe('destroyOthers', () => {
    it('ends every other session of the user and keeps this one', async () => {
      const userId = freshUser();
      const { token: keep, session } = await sessions.issue({ userId, device: 'keep' });
      const others = await Promise.all([1, 2].map(() => sessions.issue({ userId })));
      expect(await sessions.destroyOthers(session)).toBe(2);
      for (const { token } of others) expect(await sessions.getByToken(token)).toBeNull();
      expect(await sessions.getByToken(keep)).not.toBeNull();
      expect((await sessions.list(userId)).map((s) => s.device)).toEqual(['keep']);
    });

    it('clears the cookie of the requests in flight with the sessions it ended, not of those with this one', async () => {
      const userId = freshUser();
      const kept = await sessions.issue({ userId });
      const ended = await sessions.issue({ userId });
      const { res: keptRes } = await mod.inRequest(guardedRequest(kept.token, kept.session), async () => undefined);
      const { res: endedRes } = await mod.inRequest(guardedRequest(ended.token, ended.session), async () => undefined);
      expect(await sessions.destroyOthers(kept.session)).toBe(1);
      expect(String(endedRes.getHeader('set-cookie'))).toMatch(/^sid=; Max-Age=0;/);
      expect(keptRes.getHeader('set-cookie')).toBeUndefined();
    });
  });

  describe('list', () => {
    it('lists live sessions oldest first with id, device, createdAt, lastSeenAt, expiresAt and current', async () => {
      const userId = freshUser();
      const a = await sessions.issue({ userId, device: 'first' });
      await waitFor(() => redisNowMs(redis.client), (t) => t > a.session.createdAt.getTime() + 2, { what: 'clock' });
      const b = await sessions.issue({ userId, device: 'second' });
      await sessions.issue({ userId: freshUser(), device: 'not mine' });

      const list = await sessions.list(userId, b.session);
      expect(list.map((s) => s.device)).toEqual(['first', 'second']);
      expect(list.map((s) => s.current)).toEqual([false, true]);
      expect(list.map((s) => s.id)).toEqual([a.session.id, b.session.id]);
      for (const s of list) {
        expect(Object.keys(s).sort()).toEqual(['createdAt', 'current', 'device', 'expiresAt', 'id', 'lastSeenAt']);
        expect(s.createdAt).toBeInstanceOf(Date);
        expect(s.lastSeenAt.getTime()).toBeGreaterThanOrEqual(s.createdAt.getTime());
        expect(s.expiresAt.getTime()).toBeGreaterThan(Date.now());
      }
      expect(list[0].createdAt.getTime()).toBe(a.session.createdAt.getTime());
      expect((await sessions.list(userId)).every((s) => !s.current)).toBe(true);
      expect(JSON.stringify(list)).not.toContain(a.token.slice(3));
    });

    it('leaves out, and prunes from the index, a session whose key is gone', async () => {
      const userId = freshUser();
      const live = await sessions.issue({ userId, device: 'live' });
      const gone = await sessions.issue({ userId, device: 'gone' });
      // As if Redis had evicted it without anyone noticing.
      await redis.client.del(keysOfToken(prefix, gone.token).session);
      expect((await sessions.list(userId)).map((s) => s.device)).toEqual(['live']);
      expect(await redis.client.hlen(keysOfToken(prefix, live.token).index)).toBe(2); // its one session and the user id
      expect(await sessions.getByToken(live.token)).not.toBeNull();
    });
  });

  describe('revoke', () => {
    it('ends the session with that public id when it belongs to the user', async () => {
      const userId = freshUser();
      const { token, session } = await sessions.issue({ userId });
      expect(await sessions.revoke(userId, session.id)).toBe(true);
      expect(await sessions.getByToken(token)).toBeNull();
      expect(await sessions.revoke(userId, session.id)).toBe(false);
    });

    it("returns false for another user's session id and for unknown ids, ending nothing", async () => {
      const { token, session } = await sessions.issue({ userId: freshUser() });
      expect(await sessions.revoke(freshUser(), session.id)).toBe(false);
      expect(await sessions.revoke(session.userId, 'AAAAAAAAAAAAAAAA')).toBe(false);
      expect(await sessions.getByToken(token)).not.toBeNull();
    });
  });

  describe('regenerate', () => {
    it('gives the session a new token in place: the new one works, the old one is dead, id, data and deadlines are kept', async () => {
      const userId = freshUser();
      const { token: oldToken, session } = await sessions.issue({ userId, device: 'laptop', data: { role: 'user' } });
      await sessions.set(session, 'cart', ['a']);
      const made = { headers: {}, [REQUEST_SESSION]: session } as never;
      const { result: next, res } = await mod.inRequest(made, () => sessions.regenerate(session));
      const newToken = /^sid=([^;]+);/.exec(String(res.getHeader('set-cookie')))![1];

      expect(newToken).toMatch(TOKEN);
      expect(newToken).not.toBe(oldToken);
      // The session is the same one: its public id (device lists, revoke) and its key do not change.
      expect(next.id).toBe(session.id);
      expect(keysOfToken(prefix, newToken)).toEqual(keysOfToken(prefix, oldToken));
      expect(await sessions.getByToken(oldToken)).toBeNull();
      const read = await sessions.getByToken(newToken);
      expect(read).toMatchObject({ id: session.id, userId, device: 'laptop', data: { role: 'user', cart: ['a'] } });
      expect(read!.createdAt.getTime()).toBe(session.createdAt.getTime());
      expect(read!.absoluteExpiresAt.getTime()).toBe(session.absoluteExpiresAt.getTime());
      expect((await sessions.list(userId)).map((s) => s.id)).toEqual([session.id]);

      // Both objects name the one session: a write through either lands in it (a request in flight keeps working).
      await sessions.set(next, 'cart', ['b']);
      await sessions.set(session, 'note', 'in flight');
      expect((await sessions.getByToken(newToken))!.data).toMatchObject({ cart: ['b'], note: 'in flight' });
    });

    it('keeps the remaining lifetime: the key keeps its expiry', async () => {
      const { token, session } = await sessions.issue({ userId: freshUser() });
      const key = keysOfToken(prefix, token).session;
      const before = await expiresAtMs(redis.client, key);
      await sessions.regenerate(session);
      const after = await expiresAtMs(redis.client, key);
      expect(after).toBeLessThanOrEqual(before + 5);
      expect(after).toBeGreaterThan(before - 100);
    });

    it('throws SessionNotFoundError for a session that has ended', async () => {
      const { session } = await sessions.issue({ userId: freshUser() });
      await sessions.destroy(session);
      await expect(sessions.regenerate(session)).rejects.toBeInstanceOf(SessionNotFoundError);
    });
  });

  describe('health', () => {
    it('isRedisUp is true while Redis answers', async () => {
      expect(await mod.module.get(SessionHealthIndicator).isRedisUp()).toBe(true);
    });
  });
});

// The local cache must never serve a session that was ended in-process.
describe('SessionService with the local cache on', () => {
  let redis: TestRedis;
  let mod: RunningSessionModule;
  let sessions: SessionService<Record<string, any>>;

  beforeAll(async () => {
    redis = await startTestRedis();
    mod = await startSessionModule({ redis: redis.url, keyPrefix: uniquePrefix('svc-cache'), cache: { enabled: true } });
    sessions = mod.service;
  });
  afterAll(async () => {
    await mod?.close();
    await redis?.close();
  });

  /** Issues a session and touches it so that the cache holds it. */
  async function cached(userId = freshUser()) {
    const issued = await sessions.issue({ userId });
    expect(await sessions.touch(issued.token)).not.toBeNull();
    expect(await sessions.touch(issued.token)).not.toBeNull();
    return issued;
  }

  it.each([
    ['destroy', (s: ActiveSession<Record<string, any>>) => sessions.destroy(s)],
    ['destroyAllForUser', (s: ActiveSession<Record<string, any>>) => sessions.destroyAllForUser(s.userId)],
    ['revoke', (s: ActiveSession<Record<string, any>>) => sessions.revoke(s.userId, s.id)],
    ['regenerate', (s: ActiveSession<Record<string, any>>) => sessions.regenerate(s)],
  ])('touch returns null right after %s', async (_how, end) => {
    const { token, session } = await cached();
    await end(session);
    expect(await sessions.touch(token)).toBeNull();
  });

  it('touch returns null right after destroyOthers for the other sessions', async () => {
    const userId = freshUser();
    const keep = await cached(userId);
    const other = await cached(userId);
    await sessions.destroyOthers(keep.session);
    expect(await sessions.touch(other.token)).toBeNull();
    expect(await sessions.touch(keep.token)).not.toBeNull();
  });

  it('touch sees a write made through set() on this instance at once, whichever session object it was made with', async () => {
    // Read-your-own-write on one instance must not depend on an invalidation message arriving first: repeated, so
    // that a window between the write and its invalidation shows up.
    const stale: string[] = [];
    for (let i = 0; i < 20; i++) {
      const { token, session } = await cached();
      await sessions.set(session, 'cart', [`x${i}`]);
      const a = (await sessions.touch(token))!.data.cart;
      if (JSON.stringify(a) !== JSON.stringify([`x${i}`])) stale.push(`issued object, round ${i}: ${JSON.stringify(a)}`);
      const viaRead = (await sessions.getByToken(token))!;
      await sessions.set(viaRead, 'cart', [`y${i}`]);
      const b = (await sessions.touch(token))!.data.cart;
      if (JSON.stringify(b) !== JSON.stringify([`y${i}`])) stale.push(`getByToken object, round ${i}: ${JSON.stringify(b)}`);
    }
    expect(stale).toEqual([]);
  });

  it('a cached session opens only for its own verifier: a tampered one is refused while the entry is warm', async () => {
    // A hit compares the verifier the entry remembers instead of hashing: a token that differs anywhere after the
    // selector (the cache key) must still be refused by a warm entry. A refused token drops the entry: warm it again.
    const cache = mod.module.get(SessionCache);
    await waitFor(async () => cache.mode, (m) => m === 'tracking', { what: 'tracking on' });
    const { token } = await cached();
    for (const at of [24, 25, 45, 66]) {
      const warm = async () => ((await sessions.touch(token)) ? cache.get(token.slice(0, 24))?.verifier : undefined);
      await waitFor(warm, (v) => v !== undefined, { what: 'a hit served by the entry' });
      const tampered = token.slice(0, at) + (token[at] === 'A' ? 'B' : 'A') + token.slice(at + 1);
      expect({ at, session: await sessions.touch(tampered) }).toEqual({ at, session: null });
    }
  });

  it('touch sees a write made through the session touch returned', async () => {
    const { token } = await cached();
    const current = (await sessions.touch(token))!;
    await sessions.set(current, 'cart', ['z']);
    expect((await sessions.touch(token))!.data.cart).toEqual(['z']);
  });
});
