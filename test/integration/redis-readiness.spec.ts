import { Test } from '@nestjs/testing';
import { ExpressAdapter } from '@nestjs/platform-express';
import { SessionModule, SessionModuleOptions, SessionOptionsError } from 'nestjs-redis-session';
import { startTestRedis, TestRedis, uniquePrefix } from '../harness/redis';
import { waitFor } from '../harness/wait';

/** The library's connections to a server, by the names it gives them (CLIENT LIST, minus the spec's own client). */
async function libraryConnections(redis: TestRedis): Promise<string[]> {
  const list = (await redis.client.client('LIST')) as string;
  return list.split('\n').map((l) => /name=(\S*)/.exec(l)?.[1] ?? '').filter((n) => n.startsWith('session:'));
}

async function boot(options: SessionModuleOptions) {
  const module = await Test.createTestingModule({ imports: [SessionModule.forRoot(options)] }).compile();
  const app = module.createNestApplication(new ExpressAdapter(), { logger: false });
  return { app, init: () => app.init() };
}

/**
 * checkRedisAtBoot reads the server's settings once the app boots; strictRedisChecks turns a risk into a boot
 * failure that names it, and a failed boot leaves none of the library's connections open (the app never got to
 * close() what it could not start).
 */
describe('Redis readiness at boot (strictRedisChecks)', () => {
  let atRisk: TestRedis;
  let fit: TestRedis;

  beforeAll(async () => {
    // The harness's servers have no persistence (--save ''); this one is fit for sessions.
    [atRisk, fit] = await Promise.all([
      startTestRedis(['--notify-keyspace-events', 'Exe'], { private: true }),
      startTestRedis(['--appendonly', 'yes', '--notify-keyspace-events', 'Exe'], { private: true }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([atRisk?.close(), fit?.close()]);
  });

  const options = (redis: TestRedis, strict: boolean): SessionModuleOptions => ({
    redis: redis.url, keyPrefix: uniquePrefix('ready'), checkRedisAtBoot: true, strictRedisChecks: strict,
    cache: { enabled: true }, events: { enabled: true, sweepIntervalSeconds: 1 },
  });

  it('refuses to boot on a Redis that would lose sessions, naming the risk, and closes its connections', async () => {
    const { app, init } = await boot(options(atRisk, true));
    const failure = await init().then(() => undefined, (err: unknown) => err);
    expect(failure).toBeInstanceOf(SessionOptionsError);
    expect((failure as Error).message).toMatch(/strictRedisChecks is on .*appendonly\/save/);
    // Closed, not merely closing: Redis itself no longer lists them.
    await waitFor(() => libraryConnections(atRisk), (names) => names.length === 0, { what: 'the library to close its connections' });
    await app.close(); // still safe after a failed boot
  });

  it('without strictRedisChecks, boots on the same Redis (the risk is only logged)', async () => {
    const { app, init } = await boot(options(atRisk, false));
    await init();
    expect((await libraryConnections(atRisk)).length).toBeGreaterThan(0);
    await app.close();
    await waitFor(() => libraryConnections(atRisk), (names) => names.length === 0, { what: 'app.close() to close them' });
  });

  it('boots with strictRedisChecks on a Redis fit for sessions', async () => {
    const { app, init } = await boot(options(fit, true));
    await expect(init()).resolves.toBe(app);
    await app.close();
  });
});
