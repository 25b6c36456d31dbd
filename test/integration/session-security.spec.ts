import { SessionService } from 'nestjs-redis-session';
import { CommandMonitor, commandDelta } from '../harness/command-monitor';
import { commandCalls, startTestRedis, TestRedis, uniquePrefix } from '../harness/redis';
import { dumpKeys, keysOfToken } from '../harness/redis-inspect';
import { inRequest, startSessionModule } from '../harness/session-module';
import { RunningTestApp, testApp } from '../harness/test-app';

const TOKEN = /^[A-Za-z0-9_-]{67}$/;

/** The token with one character of its random part changed (still well-formed). */
function tamper(token: string, at = 25): string {
  return token.slice(0, at) + (token[at] === 'A' ? 'B' : 'A') + token.slice(at + 1);
}

describe.each(['express', 'fastify'] as const)('session security on %s', (adapter) => {
  let redis: TestRedis;
  let app: RunningTestApp;
  let prefix: string;

  beforeAll(async () => {
    // Private: command counting needs a server nobody else talks to.
    redis = await startTestRedis([], { private: true });
    prefix = uniquePrefix(`sec-${adapter}`);
    app = await testApp(redis.url).adapter(adapter).options({ keyPrefix: prefix }).start();
  });
  afterAll(async () => {
    await app?.close();
    await redis?.close();
  });

  const statusWith = async (path: string, token: string, method = 'GET') =>
    (await app.client().request(method, path, method === 'PUT' ? { items: ['x'] } : undefined, { cookie: `sid=${token}` })).status;

  describe('session fixation', () => {
    it('a login that brings a cookie gets a new token, and the old token is dead', async () => {
      const c = app.client();
      await c.login('alice', 'first');
      const first = c.cookie!;
      const again = await c.login('alice', 'second');
      const second = c.cookie!;
      expect(again.headers.getSetCookie()).toHaveLength(1);
      expect(second).toMatch(TOKEN);
      expect(second).not.toBe(first);
      expect(await statusWith('/me', first)).toBe(401);
      expect(await redis.client.exists(keysOfToken(prefix, first).session)).toBe(0);
      expect((await c.get('/me')).body.device).toBe('second');
    });

    it('a token planted by an attacker before login is never the one that gets authenticated', async () => {
      const planted = 'x'.repeat(67);
      const victim = app.client();
      victim.cookie = planted;
      await victim.login('alice');
      expect(victim.cookie).not.toBe(planted);
      expect(await statusWith('/me', planted)).toBe(401);
      expect((await victim.get('/me')).status).toBe(200);
    });

    it("logging in as another user ends the session the browser's cookie named", async () => {
      const c = app.client();
      await c.login('alice');
      const alices = c.cookie!;
      await c.login('bob');
      expect(await statusWith('/me', alices)).toBe(401);
      expect((await c.get('/me')).body.userId).toBe('u2');
    });
  });

  describe('token hashing at rest', () => {
    it('no key name or stored value, and no command sent to Redis, contains a raw token', async () => {
      const monitor = await CommandMonitor.start(redis.url);
      try {
        const c = app.client();
        await c.login('alice', 'at-rest');
        const token = c.cookie!;
        expect(token).toMatch(TOKEN);
        await c.put('/me/cart', { items: ['apple'] });
        await c.get('/me');
        await c.get('/sessions');
        const other = app.client();
        await other.login('alice', 'other');
        // Regenerate in-process too: it writes the new session's keys.
        const sessions = app.get(SessionService);
        const held = (await sessions.getByToken(other.cookie!))!;
        const regenerated = (await inRequest({ headers: {} }, () => sessions.regenerate(held), held, sessions)).cookie()!;

        const tokens = [token, other.cookie!, regenerated];
        // The 43 random characters are the secret; the 3-character routing tag is public by design.
        const secrets = tokens.map((t) => t.slice(3));
        const dump = await dumpKeys(redis.client, prefix);
        expect(dump.length).toBeGreaterThan(0);
        for (const d of dump) {
          for (const secret of secrets) {
            expect(d.key).not.toContain(secret);
            for (const s of d.strings) expect(s).not.toContain(secret);
          }
        }
        const sent = await monitor.clientCommands();
        expect(sent.length).toBeGreaterThan(0);
        for (const cmd of sent) for (const secret of secrets) expect(cmd.args.join(' ')).not.toContain(secret);
      } finally {
        monitor.close();
      }
    });
  });

  describe('expiry on every key', () => {
    it('every key the library writes has a TTL, after login, a data write, a device list, a regenerate and a revoke', async () => {
      const ttlCheck = async (step: string) => {
        const dump = await dumpKeys(redis.client, prefix);
        expect(dump.length).toBeGreaterThan(0);
        const without = dump.filter((d) => !(d.pttl > 0)).map((d) => `${d.key} (${d.type}, pttl ${d.pttl})`);
        expect({ step, without }).toEqual({ step, without: [] });
      };
      const c = app.client();
      await c.login('bob', 'ttl');
      await ttlCheck('login');
      await c.put('/me/cart', { items: ['a', 'b'] });
      await ttlCheck('set field');
      await c.get('/me');
      await c.get('/sessions');
      await ttlCheck('list');
      const sessions = app.get(SessionService);
      const next = await sessions.regenerate((await sessions.getByToken(c.cookie!))!);
      await ttlCheck('regenerate');
      const other = app.client();
      await other.login('bob', 'second');
      await sessions.set(next, 'cart', ['c']);
      await ttlCheck('set after regenerate');
      const list = (await other.get('/sessions')).body as Array<{ id: string; current: boolean }>;
      await other.delete(`/sessions/${list.find((s) => !s.current)!.id}`);
      await ttlCheck('revoke');
    });
  });

  describe('malformed, tampered and unknown tokens', () => {
    const good = 'Abc'.padEnd(46, 'x');
    const malformed: Array<[string, string]> = [
      ['an empty token', ''],
      ['a token one character short', good.slice(1)],
      ['a token one character long', good + 'x'],
      ['a 4 KB token', 'A'.repeat(4096)],
      ['a token with "+"', good.slice(0, 45) + '+'],
      ['a token with "/"', good.slice(0, 45) + '/'],
      ['a token with "="', good.slice(0, 45) + '='],
      ['a token with "."', good.slice(0, 45) + '.'],
      ['a token with a percent-encoded "+"', good.slice(0, 45) + '%2B'],
      ['a token with a Latin-1 letter', good.slice(0, 45) + '\u00e9'],
      ['a quoted token', `"${good.slice(0, 44)}"`],
    ];

    it.each(malformed)('%s answers 401 on every session route without any Redis command', async (_what, token) => {
      const before = await commandCalls(redis.client);
      for (const [method, path] of [
        ['GET', '/me'], ['GET', '/me/cart'], ['PUT', '/me/cart'], ['GET', '/sessions'], ['DELETE', '/sessions/abcdefghijklmnop'],
        ['POST', '/auth/logout'], ['POST', '/auth/logout-all'],
      ]) {
        expect({ method, path, status: await statusWith(path, token, method) }).toEqual({ method, path, status: 401 });
      }
      const after = await commandCalls(redis.client);
      expect(commandDelta(before, after)).toEqual({});
    });

    it('a tampered token (one character changed) answers 401 and does not touch the real session', async () => {
      const c = app.client();
      await c.login('alice', 'tamper');
      const token = c.cookie!;
      const key = keysOfToken(prefix, token).session;
      const lastSeen = await redis.client.hget(key, 'l');
      for (const at of [0, 3, 25, 45, 66]) expect(await statusWith('/me', tamper(token, at))).toBe(401);
      expect(await redis.client.hget(key, 'l')).toBe(lastSeen);
      expect((await c.get('/me')).status).toBe(200);
    });

    it('an unknown well-formed token answers 401 after one Redis round trip and creates nothing', async () => {
      const unknown = 'Zz9'.padEnd(67, '_');
      const keysBefore = (await dumpKeys(redis.client, prefix)).map((d) => d.key).sort();
      // Also the control for the zero-command checks above: the same counting does see a well-formed token's lookup.
      const before = await commandCalls(redis.client);
      expect(await statusWith('/me', unknown)).toBe(401);
      const delta = commandDelta(before, await commandCalls(redis.client));
      expect((delta.evalsha ?? 0) + (delta.eval ?? 0)).toBe(1);
      expect(await statusWith('/me/cart', unknown, 'PUT')).toBe(401);
      expect((await dumpKeys(redis.client, prefix)).map((d) => d.key).sort()).toEqual(keysBefore);
    });
  });
});

// Without events there are no shadow keys and no grace period: the keys that remain must still all expire.
describe('expiry on every key with events off (in-process)', () => {
  it('every key has a TTL after issue, set, list, regenerate, destroyOthers and revoke', async () => {
    const redis = await startTestRedis();
    const prefix = uniquePrefix('ttl-noevents');
    const mod = await startSessionModule({ redis: redis.url, keyPrefix: prefix, events: { enabled: false } });
    try {
      const sessions = mod.service;
      const ttlCheck = async (step: string) => {
        const dump = await dumpKeys(redis.client, prefix);
        expect(dump.length).toBeGreaterThan(0);
        const without = dump.filter((d) => !(d.pttl > 0)).map((d) => `${d.key} (${d.type}, pttl ${d.pttl})`);
        expect({ step, without }).toEqual({ step, without: [] });
      };
      const a = await sessions.issue({ userId: 'u1', data: { x: 1 } });
      const b = await sessions.issue({ userId: 'u1' });
      const c = await sessions.issue({ userId: 'u1' });
      await ttlCheck('issue');
      await sessions.set(a.session, 'cart', ['a']);
      await ttlCheck('set');
      await sessions.list('u1', a.session);
      await ttlCheck('list');
      const next = await sessions.regenerate(a.session);
      await ttlCheck('regenerate');
      await sessions.revoke('u1', c.session.id);
      await ttlCheck('revoke');
      await sessions.destroyOthers(next);
      await ttlCheck('destroyOthers');
      expect(await sessions.getByToken(b.token)).toBeNull();
    } finally {
      await mod.close();
      await redis.close();
    }
  });
});
