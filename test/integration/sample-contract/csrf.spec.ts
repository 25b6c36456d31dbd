import type { SessionModuleOptions } from 'nestjs-redis-session';
import type { SampleEnv } from '../../../sample-app/config/sample-config';
import { HttpClient } from '../../harness/http-client';
import { startTestRedis, TestRedis, uniquePrefix } from '../../harness/redis';
import { RunningTestApp, testApp } from '../../harness/test-app';

const CROSS_SITE = { 'sec-fetch-site': 'cross-site' };
const EVIL_ORIGIN = { origin: 'http://evil.example' };

// CSRF on the sample app, on both adapters: on by default (CSRF_MODE=origin), an unsafe request a browser marks
// cross-site answers 403 and changes nothing; CSRF_MODE=token also wants the session's token in X-CSRF-Token.
describe.each(['express', 'fastify'] as const)('CSRF on %s', (adapter) => {
  let redis: TestRedis;
  const apps: RunningTestApp[] = [];

  async function start(env: SampleEnv = {}, options: Partial<SessionModuleOptions> = {}): Promise<RunningTestApp> {
    const keyPrefix = uniquePrefix(`csrf-${adapter}`);
    const app = await testApp(redis.url).adapter(adapter).env(env).options({ keyPrefix, ...options }).start();
    apps.push(app);
    return app;
  }
  const cart = async (c: HttpClient) => (await c.get('/me/cart')).body as { items: string[] };

  beforeAll(async () => {
    redis = await startTestRedis();
  });
  afterAll(async () => {
    for (const app of apps) await app.close();
    await redis?.close();
  });

  it('by default refuses unsafe cross-site requests (Fetch Metadata or Origin) with 403 and changes nothing', async () => {
    const app = await start();
    const c = app.client();
    await c.login('alice', 'laptop');
    expect((await c.put('/me/cart', { items: ['mine'] })).status).toBe(200);
    for (const forged of [CROSS_SITE, EVIL_ORIGIN, { 'sec-fetch-site': 'same-site' }, { origin: 'null' }]) {
      expect((await c.request('PUT', '/me/cart', { items: ['forged'] }, forged)).status).toBe(403);
      expect((await c.request('POST', '/auth/logout', undefined, forged)).status).toBe(403);
    }
    expect(await cart(c)).toEqual({ items: ['mine'] });
    expect((await c.get('/me')).status).toBe(200);
    // A forged login sets no cookie and makes no session.
    const victim = app.client();
    const forgedLogin = await victim.request('POST', '/auth/login', { username: 'bob', password: 'bob-pass' }, CROSS_SITE);
    expect(forgedLogin.status).toBe(403);
    expect(forgedLogin.headers.getSetCookie()).toEqual([]);
    // Reads are not refused: a cross-site GET changes nothing.
    expect((await c.get('/me', CROSS_SITE)).status).toBe(200);
  });

  it('lets same-origin requests and requests without browser headers through', async () => {
    const app = await start();
    const c = app.client();
    await c.login('alice', 'laptop');
    const own = { origin: app.url, 'sec-fetch-site': 'same-origin' };
    expect((await c.request('PUT', '/me/cart', { items: ['a'] }, own)).status).toBe(200);
    expect((await c.request('PUT', '/me/cart', { items: ['b'] }, { origin: app.url })).status).toBe(200);
    expect((await c.put('/me/cart', { items: ['c'] })).status).toBe(200);
    expect(await cart(c)).toEqual({ items: ['c'] });
  });

  it('CSRF_MODE=token: unsafe requests need the session’s own token in X-CSRF-Token', async () => {
    const app = await start({ CSRF_MODE: 'token' });
    const c = app.client();
    await c.login('alice', 'laptop');
    const other = app.client();
    await other.login('bob', 'phone');
    const { token } = (await c.get('/auth/csrf')).body as { token: string };
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(((await c.get('/auth/csrf')).body as { token: string }).token).toBe(token);
    const othersToken = ((await other.get('/auth/csrf')).body as { token: string }).token;

    expect((await c.put('/me/cart', { items: ['no token'] })).status).toBe(403);
    expect((await c.request('PUT', '/me/cart', { items: ['wrong'] }, { 'x-csrf-token': othersToken })).status).toBe(403);
    // As long as the token in characters but not in bytes (a Latin-1 letter): refused, not a 500.
    const latin1 = token.slice(0, 42) + '\u00e9';
    expect((await c.request('PUT', '/me/cart', { items: ['latin1'] }, { 'x-csrf-token': latin1 })).status).toBe(403);
    expect((await c.request('PUT', '/me/cart', { items: ['right'] }, { 'x-csrf-token': token })).status).toBe(200);
    expect(await cart(c)).toEqual({ items: ['right'] });
    // The token does not excuse a cross-site request, and GET /auth/csrf needs a session.
    expect((await c.request('PUT', '/me/cart', { items: ['x'] }, { 'x-csrf-token': token, ...CROSS_SITE })).status).toBe(403);
    expect((await app.client().get('/auth/csrf')).status).toBe(401);
    // Logout needs it too; with it, the session ends.
    expect((await c.post('/auth/logout')).status).toBe(403);
    expect((await c.request('POST', '/auth/logout', undefined, { 'x-csrf-token': token })).status).toBe(204);
  });

  // CSRF rides on what a browser attaches by itself. A bearer token it does not: an API client, or a page of another
  // site holding the token, needs neither the CSRF token nor the app's own origin.
  it('guards the cookie only: a request authenticated by a bearer token needs no CSRF token, from any origin', async () => {
    const app = await start({ CSRF_MODE: 'token' }, { acceptBearerToken: true });
    const c = app.client();
    await c.login('alice', 'laptop');
    const api = new HttpClient(app.url);
    const bearer = { authorization: `Bearer ${c.cookie}` };
    expect((await api.request('PUT', '/me/cart', { items: ['api'] }, bearer)).status).toBe(200);
    const otherSite = { ...bearer, ...CROSS_SITE, ...EVIL_ORIGIN };
    expect((await api.request('PUT', '/me/cart', { items: ['spa'] }, otherSite)).status).toBe(200);
    expect(await cart(c)).toEqual({ items: ['spa'] });
    // With the cookie beside it (a browser's own request), the cookie's rules hold.
    expect((await c.request('PUT', '/me/cart', { items: ['forged'] }, { ...bearer, ...CROSS_SITE })).status).toBe(403);
    expect((await c.request('PUT', '/me/cart', { items: ['no token'] }, bearer)).status).toBe(403);
    expect(await cart(c)).toEqual({ items: ['spa'] });
    // A public route (a login) keeps the origin check whatever it carries: no login CSRF through a bearer header.
    const login = { username: 'bob', password: 'bob-pass' };
    expect((await api.request('POST', '/auth/login', login, { ...bearer, ...CROSS_SITE })).status).toBe(403);
  });
});
