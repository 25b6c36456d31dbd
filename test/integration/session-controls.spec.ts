import { Controller, Get, INestApplication, UseGuards } from '@nestjs/common';
import { filter, firstValueFrom, timeout } from 'rxjs';
import {
  ActiveSession,
  Session,
  SessionEvents,
  SessionGuard,
  SessionLimitError,
  SessionModuleOptions,
  SessionService,
} from 'nestjs-redis-session';
import { ownApp } from '../harness/own-app';
import { commandCalls, startTestRedis, TestRedis, uniquePrefix } from '../harness/redis';
import { redisNowMs } from '../harness/redis-inspect';
import { waitFor } from '../harness/wait';
import { inRequest } from '../harness/session-module';

@Controller()
@UseGuards(SessionGuard)
class WhoAmIController {
  @Get('whoami')
  whoami(@Session() s: ActiveSession) {
    return { userId: s.userId };
  }
}

/** A minimal app of its own, with whatever library options a control needs. */
const controlsApp = (redisUrl: string, options: Partial<SessionModuleOptions>) =>
  ownApp(redisUrl, { controllers: [WhoAmIController], options });

const get = (url: string, headers: Record<string, string>) => fetch(`${url}/whoami`, { headers });

describe('session controls', () => {
  let redis: TestRedis;
  const apps: INestApplication[] = [];
  const start = async (o: Partial<SessionModuleOptions>) => {
    const r = await controlsApp(redis.url, o);
    apps.push(r.app);
    return { ...r, service: r.app.get(SessionService), events: r.app.get(SessionEvents) };
  };

  beforeAll(async () => {
    redis = await startTestRedis();
  });
  afterAll(async () => {
    for (const app of apps) await app.close();
    await redis?.close();
  });

  describe('maxSessionsPerUser', () => {
    it('evicts the oldest session at the limit and reports it as max-sessions', async () => {
      const { service, events } = await start({ maxSessionsPerUser: 2 });
      const first = await service.issue({ userId: 'm1', device: 'one' });
      await service.issue({ userId: 'm1', device: 'two' });
      const evicted = firstValueFrom(events.events$.pipe(filter((e) => e.type === 'invalidated'), timeout(3000)));
      await service.issue({ userId: 'm1', device: 'three' });
      expect(await evicted).toMatchObject({ type: 'invalidated', reason: 'max-sessions', id: first.session.id, userId: 'm1' });
      expect(await service.getByToken(first.token)).toBeNull();
      expect((await service.list('m1')).map((s) => s.device)).toEqual(['two', 'three']);
    });

    it('refuses a login at the limit when onSessionLimit is refuse, and keeps the existing sessions', async () => {
      const { service } = await start({ maxSessionsPerUser: 1, onSessionLimit: 'refuse' });
      const kept = await service.issue({ userId: 'm2' });
      await expect(service.issue({ userId: 'm2' })).rejects.toBeInstanceOf(SessionLimitError);
      expect(await service.getByToken(kept.token)).not.toBeNull();
      expect(await service.list('m2')).toHaveLength(1);
    });

    it('does not count sessions that already expired', async () => {
      const { service } = await start({ maxSessionsPerUser: 1, onSessionLimit: 'refuse' });
      const gone = await service.issue({ userId: 'm3' });
      await service.destroy(gone.session);
      await expect(service.issue({ userId: 'm3' })).resolves.toBeDefined();
    });
  });

  describe('binding', () => {
    it('ends a session used from another User-Agent (hijack-suspected) and answers 401; only a hash is stored', async () => {
      const { url, service, events } = await start({ binding: { userAgent: true } });
      const { result: { token, session } } = await inRequest({ headers: { 'user-agent': 'Firefox/140' } }, () => service.issue({ userId: 'b1' }));
      expect((await get(url, { cookie: `sid=${token}`, 'user-agent': 'Firefox/140' })).status).toBe(200);
      const ended = firstValueFrom(events.events$.pipe(filter((e) => e.type === 'invalidated' && e.id === session.id), timeout(3000)));
      expect((await get(url, { cookie: `sid=${token}`, 'user-agent': 'curl/8' })).status).toBe(401);
      expect(await ended).toMatchObject({ reason: 'hijack-suspected' });
      // Even the right client cannot use it now: the session was ended, not just refused once.
      expect((await get(url, { cookie: `sid=${token}`, 'user-agent': 'Firefox/140' })).status).toBe(401);
    });

    it('stores the binding as a hash, never the User-Agent itself', async () => {
      const prefix = uniquePrefix('bind');
      const r = await controlsApp(redis.url, { keyPrefix: prefix, binding: { userAgent: true, ip: true } });
      apps.push(r.app);
      await inRequest({ headers: { 'user-agent': 'UniqueAgent/42' } }, () => r.app.get(SessionService).issue({ userId: 'b2' }));
      const [, keys] = await redis.client.scan('0', 'MATCH', `${prefix}s:*`, 'COUNT', 100000);
      const fields = await redis.client.hgetall(keys[0]);
      expect(fields.b).toMatch(/^[A-Za-z0-9_-]{16}$/);
      expect(JSON.stringify(fields)).not.toContain('UniqueAgent');
    });
  });

  describe('remember-me', () => {
    it('gives remembered sessions the rememberMe timeouts and a persistent cookie; others a browser-session cookie', async () => {
      const { service } = await start({
        idleTimeoutSeconds: 60, absoluteTimeoutSeconds: 600, rememberMe: { idleTimeoutSeconds: 3600, absoluteTimeoutSeconds: 7200 },
      });
      const { result: remembered, res: r1 } = await inRequest({ headers: {} }, () => service.create({ userId: 'r1', remember: true }));
      const { result: plain, res: r2 } = await inRequest({ headers: {} }, () => service.create({ userId: 'r1' }));
      expect(String(r1.getHeader('set-cookie'))).toMatch(/Max-Age=(71\d\d|7200);/);
      expect(String(r2.getHeader('set-cookie'))).not.toMatch(/Max-Age/);
      const lifetime = (s: ActiveSession<object>) => s.absoluteExpiresAt.getTime() - s.createdAt.getTime();
      expect(lifetime(remembered)).toBe(7200_000);
      expect(remembered.expiresAt.getTime() - remembered.createdAt.getTime()).toBe(3600_000);
      expect(lifetime(plain)).toBe(600_000);
    });

    it('caps a per-session timeout at the module maximum', async () => {
      const { service } = await start({ idleTimeoutSeconds: 60, absoluteTimeoutSeconds: 600 });
      const { session } = await service.issue({ userId: 'r2', idleTimeoutSeconds: 10, absoluteTimeoutSeconds: 99999 });
      expect(session.absoluteExpiresAt.getTime() - session.createdAt.getTime()).toBe(600_000);
      expect(session.expiresAt.getTime() - session.createdAt.getTime()).toBe(10_000);
      await expect(service.issue({ userId: 'r2', idleTimeoutSeconds: -1 })).rejects.toThrow(/idleTimeoutSeconds must be a positive integer/);
    });
  });

  describe('bearer tokens', () => {
    it('accepts Authorization: Bearer only when acceptBearerToken is on', async () => {
      const on = await start({ acceptBearerToken: true });
      const { token } = await on.service.issue({ userId: 'api-client' });
      expect((await get(on.url, { authorization: `Bearer ${token}` })).status).toBe(200);
      expect((await get(on.url, { authorization: 'Bearer not-a-token' })).status).toBe(401);

      const off = await start({});
      const other = await off.service.issue({ userId: 'api-client' });
      expect((await get(off.url, { authorization: `Bearer ${other.token}` })).status).toBe(401);
      expect((await get(off.url, { cookie: `sid=${other.token}` })).status).toBe(200);
    });

    // Rotation sends the new token as a cookie, which a bearer client never reads: rotating its token would end its
    // session once the grace ran out.
    it('never rotates a bearer token: it keeps working once rotation is due, past the grace', async () => {
      const { url, service } = await start({ acceptBearerToken: true, rotation: { everySeconds: 1, graceSeconds: 0 } });
      const { token, session } = await service.issue({ userId: 'api-rotation' });
      const due = session.createdAt.getTime() + 1000;
      await waitFor(() => redisNowMs(redis.client), (now) => now > due, { what: 'rotation to fall due', intervalMs: 50 });
      // A rotation here would have set a cookie and, with no grace, killed this token at once.
      const first = await get(url, { authorization: `Bearer ${token}` });
      expect(first.status).toBe(200);
      expect(first.headers.get('set-cookie')).toBeNull();
      expect((await get(url, { authorization: `Bearer ${token}` })).status).toBe(200);
      // The same session through its cookie rotates as usual.
      const viaCookie = await get(url, { cookie: `sid=${token}` });
      const fresh = /^sid=([^;]+);/.exec(viaCookie.headers.get('set-cookie') ?? '')?.[1];
      expect(fresh).toBeDefined();
      expect(fresh).not.toBe(token);
    });
  });

  describe('regenerate', () => {
    it('gives the session a new token on privilege change: old token dead, id and data kept', async () => {
      const { service } = await start({});
      const { token, session } = await service.issue({ userId: 'g1', data: { role: 'user' } });
      const next = await service.regenerate(session);
      expect(await service.getByToken(token)).toBeNull();
      expect(next.data).toEqual({ role: 'user' });
      expect(next.id).toBe(session.id);
    });
  });

  describe('compression', () => {
    it('stores large values brotli-compressed, marked, and reads them back unchanged', async () => {
      const prefix = uniquePrefix('zip');
      const r = await controlsApp(redis.url, { keyPrefix: prefix, compressValuesOverBytes: 1024, maxDataBytes: 65536 });
      apps.push(r.app);
      const service: SessionService<Record<string, unknown>> = r.app.get(SessionService);
      const cart = Array.from({ length: 300 }, (_, i) => `sku-${i % 40}-blue-large`);
      const { token, session } = await service.issue({ userId: 'z1', data: { small: 'x' } });
      await service.set(session, 'cart', cart);
      const [, keys] = await redis.client.scan('0', 'MATCH', `${prefix}s:*`, 'COUNT', 100000);
      const raw = await redis.client.hget(keys[0], '.cart');
      expect(raw!.startsWith('~br:')).toBe(true);
      expect(raw!.length).toBeLessThan(JSON.stringify(cart).length / 3);
      expect(await redis.client.hget(keys[0], '.small')).toBe('"x"');
      expect((await service.getByToken(token))!.data).toEqual({ small: 'x', cart });
      expect(await service.get(session, 'cart')).toEqual(cart);
    });
  });

  describe('token rotation', () => {
    it('rotates the token of a session in use, keeps the old one working for the grace period, then kills it', async () => {
      // The period must be above the grace (the options refuse anything else at boot).
      const { url, service } = await start({ rotation: { everySeconds: 2, graceSeconds: 1 } });
      const { token, session } = await service.issue({ userId: 'rot', data: { k: 1 } });
      // Rotation is due once two seconds have passed: poll (bounded) until a response carries a new cookie.
      let fresh: string | undefined;
      const deadline = Date.now() + 5000;
      while (!fresh && Date.now() < deadline) {
        const res = await get(url, { cookie: `sid=${token}` });
        expect(res.status).toBe(200);
        fresh = /^sid=([^;]+)/.exec(res.headers.get('set-cookie') ?? '')?.[1];
      }
      expect(fresh).toBeDefined();
      expect(fresh).not.toBe(token);
      // In-flight requests with the old cookie still work during the grace period, and see the same session data.
      expect((await get(url, { cookie: `sid=${token}` })).status).toBe(200);
      const moved = await service.getByToken(fresh!);
      expect(moved?.data).toEqual({ k: 1 });
      // Same session: its public id (device lists, revoke) survives rotation.
      expect(moved?.id).toBe(session.id);
      const gone = Date.now() + 4000;
      let status = 200;
      while (status === 200 && Date.now() < gone) status = (await get(url, { cookie: `sid=${token}` })).status;
      expect(status).toBe(401);
      expect((await get(url, { cookie: `sid=${fresh}` })).status).toBe(200);
    });
  });

  describe('batched touches', () => {
    it('serves the touches of one event-loop turn with one script call, each with its own answer', async () => {
      const own = await startTestRedis([], { private: true });
      const r = await controlsApp(own.url, {});
      try {
        const service = r.app.get(SessionService);
        const issued = await Promise.all([1, 2, 3, 4, 5].map((i) => service.issue({ userId: `batch-${i}` })));
        await service.destroy(issued[2].session);
        const before = await commandCalls(own.client);
        const touched = await Promise.all(issued.map((i) => service.touch(i.token)));
        const after = await commandCalls(own.client);
        expect(touched.map((t) => t?.userId ?? null)).toEqual(['batch-1', 'batch-2', null, 'batch-4', 'batch-5']);
        expect((after.evalsha ?? 0) - (before.evalsha ?? 0) + (after.eval ?? 0) - (before.eval ?? 0)).toBe(1);
        expect((after.hgetall ?? 0) - (before.hgetall ?? 0)).toBe(5);
      } finally {
        await r.app.close();
        await own.close();
      }
    });
  });
});
