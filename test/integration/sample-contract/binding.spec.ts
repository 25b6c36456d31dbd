import { SessionService } from 'nestjs-redis-session';
import type { SampleEnv } from '../../../sample-app/config/sample-config';
import { HttpClient } from '../../harness/http-client';
import { startTestRedis, TestRedis, uniquePrefix } from '../../harness/redis';
import { RunningTestApp, testApp } from '../../harness/test-app';

const LOGIN = { username: 'alice', password: 'alice-pass', device: 'bound' };
const VICTIM_IP = '203.0.113.7';
const THIEF_IP = '198.51.100.9';

// SESSION_BINDING and TRUST_PROXY_HOPS on both adapters: a session used from a client other than the one that
// logged in is ended (401, for the thief and the owner alike), and with a proxy in front the client address is
// the one the proxy wrote, never one the client wrote itself.
describe.each(['express', 'fastify'] as const)('SESSION_BINDING on %s', (adapter) => {
  let redis: TestRedis;
  const apps: RunningTestApp[] = [];

  async function start(env: SampleEnv): Promise<RunningTestApp> {
    const app = await testApp(redis.url).adapter(adapter).env(env).options({ keyPrefix: uniquePrefix(`bind-${adapter}`) }).start();
    apps.push(app);
    return app;
  }

  async function loginWith(app: RunningTestApp, headers: Record<string, string>): Promise<HttpClient> {
    const c = app.client();
    const res = await c.request('POST', '/auth/login', LOGIN, headers);
    expect(res.status).toBe(200);
    return c;
  }

  /** GET /me with the session's cookie and the given headers, whoever sends it. */
  const meWith = (app: RunningTestApp, token: string, headers: Record<string, string>) =>
    app.client().get('/me', { cookie: `sid=${token}`, ...headers });

  const sessionExists = async (app: RunningTestApp, token: string) => (await app.get(SessionService).getByToken(token)) !== null;

  beforeAll(async () => {
    redis = await startTestRedis();
  });
  afterAll(async () => {
    for (const app of apps) await app.close();
    await redis?.close();
  });

  it('SESSION_BINDING=user-agent: another User-Agent gets 401 and the session is gone, also for its owner', async () => {
    const app = await start({ SESSION_BINDING: 'user-agent' });
    const ua = { 'user-agent': 'Firefox/140' };
    const token = (await loginWith(app, ua)).cookie!;
    expect((await meWith(app, token, ua)).status).toBe(200);

    expect((await meWith(app, token, { 'user-agent': 'curl/8' })).status).toBe(401);
    expect(await sessionExists(app, token)).toBe(false);
    expect((await meWith(app, token, ua)).status).toBe(401);
  });

  it('without SESSION_BINDING, the User-Agent and the address may change', async () => {
    const app = await start({});
    const token = (await loginWith(app, { 'user-agent': 'Firefox/140' })).cookie!;
    expect((await meWith(app, token, { 'user-agent': 'curl/8', 'x-forwarded-for': THIEF_IP })).status).toBe(200);
  });

  // One proxy appends the address it got the request from, so the client is the rightmost entry; anything left of it
  // was written by the client. A thief who writes the victim's address there must not pass for the victim.
  it("SESSION_BINDING=ip, TRUST_PROXY_HOPS=1: the client is the rightmost X-Forwarded-For entry; a thief writing the victim's address leftmost is refused", async () => {
    const app = await start({ SESSION_BINDING: 'ip', TRUST_PROXY_HOPS: '1' });
    const token = (await loginWith(app, { 'x-forwarded-for': VICTIM_IP })).cookie!;
    expect((await meWith(app, token, { 'x-forwarded-for': VICTIM_IP })).status).toBe(200);
    // What the victim's own client wrote before the proxy's entry does not matter either.
    expect((await meWith(app, token, { 'x-forwarded-for': `10.9.9.9, ${VICTIM_IP}` })).status).toBe(200);

    expect((await meWith(app, token, { 'x-forwarded-for': `${VICTIM_IP}, ${THIEF_IP}` })).status).toBe(401);
    expect(await sessionExists(app, token)).toBe(false);
    expect((await meWith(app, token, { 'x-forwarded-for': VICTIM_IP })).status).toBe(401);
  });

  it('SESSION_BINDING=ip with TRUST_PROXY_HOPS=0 (the default) ignores X-Forwarded-For: the socket address is the client', async () => {
    const app = await start({ SESSION_BINDING: 'ip' });
    const token = (await loginWith(app, { 'x-forwarded-for': VICTIM_IP })).cookie!;
    expect((await meWith(app, token, { 'x-forwarded-for': THIEF_IP })).status).toBe(200);
    expect(await sessionExists(app, token)).toBe(true);
  });

  it('SESSION_BINDING=user-agent,ip binds both: a changed address alone ends the session', async () => {
    const app = await start({ SESSION_BINDING: 'user-agent, ip', TRUST_PROXY_HOPS: '1' });
    const client = { 'user-agent': 'Firefox/140', 'x-forwarded-for': VICTIM_IP };
    const token = (await loginWith(app, client)).cookie!;
    expect((await meWith(app, token, client)).status).toBe(200);
    expect((await meWith(app, token, { ...client, 'x-forwarded-for': THIEF_IP })).status).toBe(401);
    expect(await sessionExists(app, token)).toBe(false);
  });
});
