import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { keysOfToken } from '../../harness/redis-inspect';
import { RedisServerProcess } from '../../../tools/redis-server.process';
import { HttpResult } from '../../harness/http-client';
import { uniquePrefix } from '../../harness/redis';
import { RunningTestApp, testApp } from '../../harness/test-app';
import { waitFor } from '../../harness/wait';

const SAMPLE_REDIS_CONF = join(__dirname, '../../../sample-app/redis.conf');

/** Everything in the server's AOF files (Redis 7 keeps a manifest, a base and increments in appendonlydir/). */
function aofText(dir: string): string {
  const aofDir = join(dir, 'appendonlydir');
  try {
    return readdirSync(aofDir).map((f) => readFileSync(join(aofDir, f), 'latin1')).join('');
  } catch {
    return '';
  }
}

// A session store that forgets every login when Redis restarts logs everyone out. This suite crashes Redis
// (SIGKILL, no shutdown save) and checks that a session survives, served by the same running app.
describe('Persistence: sessions survive a Redis crash (AOF, appendfsync everysec)', () => {
  let server: RedisServerProcess;
  let app: RunningTestApp;
  const prefix = uniquePrefix('persist');

  beforeAll(async () => {
    // The sample app's redis.conf, plus the two settings this suite is about, stated where the test needs them.
    server = await new RedisServerProcess(['--appendonly', 'yes', '--appendfsync', 'everysec'], undefined, {
      configFile: SAMPLE_REDIS_CONF,
    }).start();
    // The local cache is off so every request below asks Redis: that is what is under test.
    app = await testApp(server.url).options({ keyPrefix: prefix, cache: { enabled: false } }).start();
  });

  afterAll(async () => {
    await app?.close();
    await server?.dispose();
  });

  it('keeps a session and its data across SIGKILL and restart, without restarting the app', async () => {
    const probe = new Redis({ port: server.port, host: '127.0.0.1', protocol: 2 });
    try {
      expect(await probe.config('GET', 'appendonly')).toEqual(['appendonly', 'yes']);
      expect(await probe.config('GET', 'appendfsync')).toEqual(['appendfsync', 'everysec']);
    } finally {
      await probe.quit();
    }

    const browser = app.client();
    await browser.login('alice', 'laptop');
    expect((await browser.put('/me/cart', { items: ['book', 'pen'] })).status).toBe(200);

    // A process crash loses only what Redis never wrote to the AOF file: the page cache survives SIGKILL.
    // (appendfsync everysec is about power loss, which a test cannot stage.) So wait, bounded, until the file
    // holds the session key, which is written in the same script call as the session, and the cart write after it.
    const sessionKey = keysOfToken(prefix, browser.cookie!).session;
    await waitFor(async () => aofText(server.dir), (text) => text.includes(sessionKey) && text.includes('["book","pen"]'), {
      timeoutMs: 3000, what: 'the session and its cart to reach the AOF file',
    });

    await server.crash();
    expect((await browser.get('/me')).status).toBe(503);
    await server.start();

    // The app was not restarted: its client reconnects on its own. 503 means "not back yet"; anything else ends
    // the wait, and only 200 passes (a 401 would mean the session was lost).
    const started = Date.now();
    const me = await waitFor(
      () => browser.get('/me'),
      (res: HttpResult) => res.status !== 503,
      { timeoutMs: 10_000, intervalMs: 50, what: 'GET /me to stop answering 503 after the restart' },
    );
    console.log(`persistence: session answered ${me.status} ${Date.now() - started} ms after the restart`);
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ userId: 'u1', username: 'alice', device: 'laptop' });
    expect((await browser.get('/me/cart')).body).toEqual({ items: ['book', 'pen'] });
    // Writes work again too (the scripts are reloaded after NOSCRIPT on the fresh server).
    expect((await browser.put('/me/cart', { items: ['lamp'] })).status).toBe(200);
  });
});
