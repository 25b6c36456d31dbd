import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium } from '../harness/browser';
import type { Redis } from 'ioredis';
import type { SampleEnv } from '../../sample-app/config/sample-config';
import { HttpClient } from '../harness/http-client';
import { keysUnder, startTestRedis, TestRedis, uniquePrefix } from '../harness/redis';
import { RunningTestApp, testApp } from '../harness/test-app';

/**
 * CSRF in a real browser (Debian's Chromium via playwright-core): the sample app is the victim on
 * http://localhost:A, and an attacker's pages come from a second origin served by a tiny Node server started here:
 * http://localhost:B (same site as the app: SameSite=Lax still sends the session cookie) and http://127.0.0.1:B
 * (another site: Lax keeps the cookie back). Every verdict is read on the server side: what the app's HTTP server
 * received and answered, and the sessions in Redis before and after, never only what a page saw.
 */

let browser: Browser;

beforeAll(async () => {
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
});

/** One request as the app's HTTP server saw it, recorded when its response finished. */
interface Served {
  method: string;
  path: string;
  origin?: string;
  fetchSite?: string;
  /** The request carried the `sid` cookie. */
  withSession: boolean;
  csrfHeader: boolean;
  status: number;
  body: string;
}

/**
 * Records every request the app's Node HTTP server answers (Express and Fastify alike sit on one), from a listener
 * that runs before the framework's. Wait for one with next(), registered before the action that causes it.
 */
class ServedLog {
  private readonly waiters: { match: (s: Served) => boolean; resolve: (s: Served) => void }[] = [];
  readonly all: Served[] = [];
  private readonly listener = (req: IncomingMessage, res: ServerResponse) => this.record(req, res);

  constructor(private readonly server: Server) {
    server.prependListener('request', this.listener);
  }

  next(match: (s: Served) => boolean, what: string, timeoutMs = 5000): Promise<Served> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const seen = this.all.map((s) => `${s.method} ${s.path} ${s.status}`).join(', ');
        reject(new Error(`The app received no ${what} within ${timeoutMs} ms; it answered: ${seen}`));
      }, timeoutMs);
      this.waiters.push({ match, resolve: (s) => (clearTimeout(timer), resolve(s)) });
    });
  }

  close(): void {
    this.server.off('request', this.listener);
  }

  private record(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    const keep = (chunk: unknown) => {
      if (typeof chunk === 'string' || chunk instanceof Uint8Array) chunks.push(Buffer.from(chunk as string));
    };
    const { write, end } = res;
    res.write = function (this: ServerResponse, chunk: unknown, ...rest: unknown[]) {
      keep(chunk);
      return (write as (...a: unknown[]) => boolean).call(this, chunk, ...rest);
    } as ServerResponse['write'];
    res.end = function (this: ServerResponse, chunk?: unknown, ...rest: unknown[]) {
      keep(chunk);
      return (end as (...a: unknown[]) => ServerResponse).call(this, chunk, ...rest);
    } as ServerResponse['end'];
    res.on('finish', () => {
      const header = (name: string) => req.headers[name] as string | undefined;
      const served: Served = {
        method: req.method ?? '',
        path: (req.url ?? '').split('?')[0],
        origin: header('origin'),
        fetchSite: header('sec-fetch-site'),
        withSession: /(^|;\s*)sid=/.test(header('cookie') ?? ''),
        csrfHeader: header('x-csrf-token') !== undefined,
        status: res.statusCode,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      this.all.push(served);
      const i = this.waiters.findIndex((w) => w.match(served));
      if (i >= 0) this.waiters.splice(i, 1)[0].resolve(served);
    });
  }
}

/**
 * The attacker's site: GET /form?action=URL&name=value... answers a page whose form POSTs itself to `action` as
 * soon as it is parsed; any other path answers an empty page to run fetch() from. One server, two origins: the
 * host name in the URL (localhost or 127.0.0.1) makes it same-site or cross-site with the app.
 */
async function startAttacker(): Promise<{ port: number; close(): Promise<void> }> {
  const attr = (s: string) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://attacker');
    let html = '<!doctype html><title>Win a prize</title><p>Nothing to see here.</p>';
    if (url.pathname === '/form') {
      const fields = [...url.searchParams].filter(([name]) => name !== 'action')
        .map(([name, value]) => `<input type="hidden" name="${attr(name)}" value="${attr(value)}">`).join('');
      const action = attr(url.searchParams.get('action') ?? '');
      html = `<!doctype html><title>Win a prize</title><form method="post" action="${action}">${fields}</form>`
        + '<script>document.forms[0].submit()</script>';
    }
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(html);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve, reject) => {
      server.closeAllConnections();
      server.close((err) => (err ? reject(err) : resolve()));
    }),
  };
}

/** Every session hash and user index under a prefix, field by field: equal snapshots mean nothing was written. */
async function sessionState(client: Redis, prefix: string): Promise<Record<string, Record<string, string>>> {
  const keys = [...await keysUnder(client, `${prefix}s:`), ...await keysUnder(client, `${prefix}u:`)].sort();
  const state: Record<string, Record<string, string>> = {};
  for (const key of keys) state[key] = await client.hgetall(key);
  return state;
}

const sessionCount = async (client: Redis, prefix: string) => (await keysUnder(client, `${prefix}s:`)).length;

describe.each(['express', 'fastify'] as const)('CSRF from a second origin, in Chromium, on %s', (adapter) => {
  let redis: TestRedis;
  let attacker: { port: number; close(): Promise<void> };
  /** Same site as the app (SameSite=Lax sends the cookie); another origin (another port). */
  let sameSite: string;
  /** Another site (Lax does not send the cookie on a POST). */
  let crossSite: string;
  const apps: { app: RunningTestApp; log: ServedLog }[] = [];
  const contexts: BrowserContext[] = [];
  const pageErrors: string[] = [];

  interface Victim {
    /** The app as the browser knows it: http://localhost:A (the harness reports 127.0.0.1). */
    origin: string;
    prefix: string;
    log: ServedLog;
    app: RunningTestApp;
  }

  async function start(env: SampleEnv = {}, csrf?: { mode: 'token'; trustedOrigins: string[] }): Promise<Victim> {
    const prefix = uniquePrefix(`csrf-web-${adapter}`);
    const app = await testApp(redis.url).adapter(adapter).env(env)
      .options({ keyPrefix: prefix, ...(csrf && { csrf }) }).start();
    const log = new ServedLog(app.app.getHttpServer());
    apps.push({ app, log });
    return { origin: app.url.replace('127.0.0.1', 'localhost'), prefix, log, app };
  }

  beforeAll(async () => {
    // A private server: the sample app turns on keyspace notifications (CONFIG SET), never on a shared Redis.
    redis = await startTestRedis([], { private: true });
    attacker = await startAttacker();
    sameSite = `http://localhost:${attacker.port}`;
    crossSite = `http://127.0.0.1:${attacker.port}`;
  });
  afterAll(async () => {
    for (const { app, log } of apps) {
      log.close();
      await app.close();
    }
    await attacker?.close();
    await redis?.close();
  });
  afterEach(async () => {
    // Each test's browsers go with it (their tabs, event streams and cookie jars).
    for (const c of contexts.splice(0)) await c.close().catch(() => undefined);
    // A script error on any page fails the test that caused it.
    expect(pageErrors.splice(0)).toEqual([]);
  });

  /**
   * A browser (its own context, so its own cookie jar) signed in as alice on the app's "Your devices" page: a
   * same-origin fetch POST /auth/login from the app's own origin. The tab is closed again, as when the victim moves
   * on to another site; the cookie stays in the browser.
   */
  async function signedInBrowser(victim: Victim, device = 'Laptop'): Promise<BrowserContext> {
    const context = await browser.newContext();
    contexts.push(context);
    // A hung browser call fails with its own name and step, well before the test's timeout.
    context.setDefaultTimeout(5000);
    const page = await appPage(context, victim);
    const login = victim.log.next((s) => s.method === 'POST' && s.path === '/auth/login', 'POST /auth/login');
    await page.getByLabel('Username').fill('alice');
    await page.getByLabel('Password').fill('alice-pass');
    await page.getByLabel('Device name').fill(device);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('body[data-view="signed-in"][data-live="on"]').waitFor({ timeout: 5000 });
    expect(await login).toMatchObject({ status: 200, fetchSite: 'same-origin', origin: victim.origin });
    await page.close();
    return context;
  }

  async function appPage(context: BrowserContext, victim: Victim): Promise<Page> {
    const page = await context.newPage();
    page.on('pageerror', (err) => pageErrors.push(`${adapter}: ${err.message}`));
    await page.goto(`${victim.origin}/`);
    await page.locator('body:not([data-view="loading"])').waitFor({ timeout: 5000 });
    return page;
  }

  /**
   * The victim opens the attacker's site in a new tab, one per test: it goes from attack to attack, and closes with
   * its context (closing a tab whose cross-origin navigation was still settling once hung Chromium for 24 s).
   */
  async function attackerTab(context: BrowserContext): Promise<Page> {
    const page = await context.newPage();
    page.on('pageerror', (err) => pageErrors.push(`${adapter} attacker page: ${err.message}`));
    return page;
  }

  /** The attacker's page whose form POSTs itself to the app, loaded in `tab`; resolves with what the app answered. */
  async function formPost(
    tab: Page, attackerOrigin: string, victim: Victim, path: string, fields: Record<string, string> = {},
  ): Promise<Served> {
    const target = `${victim.origin}${path}`;
    const served = victim.log.next((s) => s.method === 'POST' && s.path === path, `form POST ${path}`);
    // The browser shows the app's answer as the tab's new document: the page could see it, the server decided it.
    const shown = tab.waitForResponse((r) => r.url() === target);
    const query = new URLSearchParams({ action: target, ...fields });
    await tab.goto(`${attackerOrigin}/form?${query}`, { waitUntil: 'commit' });
    const [seen, response] = await Promise.all([served, shown]);
    expect(response.status()).toBe(seen.status);
    // The answer becomes the tab's document (a 204 leaves the attacker's page there): let that settle first.
    if (seen.status !== 204) await tab.waitForURL(target);
    return seen;
  }

  /** fetch(..., { method: 'POST', credentials: 'include', mode: 'no-cors' }) from the attacker's page in `tab`. */
  async function noCorsPost(tab: Page, attackerOrigin: string, victim: Victim, path: string): Promise<Served> {
    await tab.goto(`${attackerOrigin}/`);
    const served = victim.log.next((s) => s.method === 'POST' && s.path === path, `fetch POST ${path}`);
    const seenByPage = await tab.evaluate((url) =>
      fetch(url, { method: 'POST', credentials: 'include', mode: 'no-cors' }).then((r) => ({ type: r.type, status: r.status })),
    `${victim.origin}${path}`);
    // An opaque answer: the page cannot tell 403 from 204. Only the server's record says what happened.
    expect(seenByPage).toEqual({ type: 'opaque', status: 0 });
    return served;
  }

  /** Follow-up requests from the victim's browser (its cookie jar) and from the second device: both still signed in. */
  async function stillSignedIn(context: BrowserContext, victim: Victim, phone?: HttpClient): Promise<void> {
    const me = await context.request.get(`${victim.origin}/me`);
    expect(me.status()).toBe(200);
    expect(await me.json()).toMatchObject({ username: 'alice', device: 'Laptop' });
    if (phone) expect((await phone.get('/me')).status).toBe(200);
  }

  /** After refused attacks: Redis holds exactly what it held `before`, and both devices are still signed in. */
  async function nothingChanged(context: BrowserContext, victim: Victim, before: unknown, phone: HttpClient): Promise<void> {
    expect(await sessionState(redis.client, victim.prefix)).toEqual(before);
    await stillSignedIn(context, victim, phone);
  }

  /** alice on a second device: a plain HTTP client, no browser. */
  async function secondDevice(victim: Victim, device = 'Phone'): Promise<HttpClient> {
    const client = victim.app.client();
    await client.login('alice', device);
    return client;
  }

  const refused = (reason: string) =>
    ({ status: 403, body: expect.stringContaining(`Cross-site request refused: ${reason}`) });

  it('the victim signs in on the app\'s own page: the browser holds an HttpOnly, SameSite=Lax sid for localhost', async () => {
    const victim = await start();
    const context = await signedInBrowser(victim);
    const cookies = await context.cookies(victim.origin);
    expect(cookies).toEqual([expect.objectContaining({ name: 'sid', domain: 'localhost', httpOnly: true, sameSite: 'Lax' })]);
    expect(await sessionCount(redis.client, victim.prefix)).toBe(1);
    await stillSignedIn(context, victim);
  });

  it('same-site, cross-origin (localhost:B): the cookie is sent, yet form POSTs and a no-cors fetch answer 403 and change nothing', async () => {
    const victim = await start();
    const context = await signedInBrowser(victim);
    const phone = await secondDevice(victim);
    // Something to lose: a cart (set from Node, which sends no browser headers).
    expect((await context.request.put(`${victim.origin}/me/cart`, { data: { items: ['book'] } })).status()).toBe(200);
    const tab = await attackerTab(context);
    const before = await sessionState(redis.client, victim.prefix);
    expect(Object.keys(before).filter((k) => k.startsWith(`${victim.prefix}s:`))).toHaveLength(2);

    const attacks = [
      await formPost(tab, sameSite, victim, '/auth/logout-others'),
      await formPost(tab, sameSite, victim, '/auth/logout'),
      await formPost(tab, sameSite, victim, '/auth/logout-all'),
      // Login CSRF: would sign the victim's browser in as bob (and end alice's session, which the cookie names).
      await formPost(tab, sameSite, victim, '/auth/login', { username: 'bob', password: 'bob-pass' }),
      await noCorsPost(tab, sameSite, victim, '/auth/logout'),
      await noCorsPost(tab, sameSite, victim, '/auth/logout-others'),
    ];
    for (const seen of attacks) {
      // SameSite=Lax let the cookie through (same site); the guard is what refused.
      expect(seen).toMatchObject({
        withSession: true, fetchSite: 'same-site', origin: sameSite, ...refused('Sec-Fetch-Site is same-site'),
      });
    }
    expect((await context.cookies(victim.origin)).map((c) => c.name)).toEqual(['sid']);
    await nothingChanged(context, victim, before, phone);
    expect(await (await context.request.get(`${victim.origin}/me/cart`)).json()).toEqual({ items: ['book'] });
  });

  it('cross-site (127.0.0.1:B): Lax keeps the cookie back, and the form POSTs (login CSRF included) and a fetch answer 403, changing nothing', async () => {
    const victim = await start();
    const context = await signedInBrowser(victim);
    const phone = await secondDevice(victim);
    const tab = await attackerTab(context);
    const before = await sessionState(redis.client, victim.prefix);

    const attacks = [
      await formPost(tab, crossSite, victim, '/auth/logout-others'),
      await formPost(tab, crossSite, victim, '/auth/logout'),
      // Login CSRF needs no cookie: only the guard stops the browser being signed in as the attacker's bob.
      await formPost(tab, crossSite, victim, '/auth/login', { username: 'bob', password: 'bob-pass' }),
      await noCorsPost(tab, crossSite, victim, '/auth/logout'),
    ];
    for (const seen of attacks) {
      expect(seen).toMatchObject({
        withSession: false, fetchSite: 'cross-site', origin: crossSite, ...refused('Sec-Fetch-Site is cross-site'),
      });
    }
    expect((await context.cookies(victim.origin)).map((c) => c.name)).toEqual(['sid']);
    await nothingChanged(context, victim, before, phone);
  });

  it('control, CSRF_MODE=off: the same-site form signs the victim out (SameSite alone does not stop it); the cross-site one finds no cookie', async () => {
    const victim = await start({ CSRF_MODE: 'off' });
    const context = await signedInBrowser(victim);
    const phone = await secondDevice(victim);
    const tab = await attackerTab(context);

    expect(await formPost(tab, crossSite, victim, '/auth/logout')).toMatchObject({ withSession: false, status: 401 });
    expect(await sessionCount(redis.client, victim.prefix)).toBe(2);

    expect(await formPost(tab, sameSite, victim, '/auth/logout-others'))
      .toMatchObject({ withSession: true, status: 204, fetchSite: 'same-site' });
    expect((await phone.get('/me')).status).toBe(401);
    expect(await formPost(tab, sameSite, victim, '/auth/logout')).toMatchObject({ withSession: true, status: 204 });
    expect(await sessionCount(redis.client, victim.prefix)).toBe(0);
    expect((await context.request.get(`${victim.origin}/me`)).status()).toBe(401);
  });

  describe.each([{ mode: 'origin' }, { mode: 'token' }] as const)('the app\'s own page, CSRF_MODE=$mode', ({ mode }) => {
    it('signs another device out, and then "everywhere else"', async () => {
      const victim = await start({ CSRF_MODE: mode });
      const context = await signedInBrowser(victim);
      const page = await appPage(context, victim);
      await page.locator('body[data-view="signed-in"][data-live="on"]').waitFor({ timeout: 5000 });

      // Its own requests carry Origin and Sec-Fetch-Site: same-origin, and (every mode) the token from GET /auth/csrf.
      const own = { fetchSite: 'same-origin', origin: victim.origin, csrfHeader: true };
      const phone = await secondDevice(victim);
      await page.locator('li.session[data-device="Phone"]').waitFor({ timeout: 3000 });
      const revoke = victim.log.next((s) => s.method === 'DELETE' && s.path.startsWith('/sessions/'), 'DELETE /sessions/:id');
      await page.getByRole('button', { name: 'Sign out Phone' }).click();
      expect(await revoke).toMatchObject({ status: 204, ...own });
      expect((await phone.get('/me')).status).toBe(401);
      await page.locator('li.session[data-device="Phone"]').waitFor({ state: 'detached', timeout: 3000 });

      const tablet = await secondDevice(victim, 'Tablet');
      await page.locator('li.session[data-device="Tablet"]').waitFor({ timeout: 3000 });
      const others = victim.log.next((s) => s.method === 'POST' && s.path === '/auth/logout-others', 'POST /auth/logout-others');
      await page.getByRole('button', { name: 'Sign out everywhere else' }).click();
      expect(await others).toMatchObject({ status: 204, ...own });
      expect((await tablet.get('/me')).status).toBe(401);
      expect(await sessionCount(redis.client, victim.prefix)).toBe(1);
      await page.close();
      await stillSignedIn(context, victim);
    });
  });

  /** The same-site attacker tries to read the token: CORS withholds the answer although the server gave it. */
  async function tokenOutOfReach(page: Page, victim: Victim): Promise<void> {
    await page.goto(`${sameSite}/`);
    const served = victim.log.next((s) => s.method === 'GET' && s.path === '/auth/csrf', 'GET /auth/csrf');
    const url = `${victim.origin}/auth/csrf`;
    const read = await page.evaluate((u) =>
      fetch(u, { credentials: 'include' }).then((r) => r.text(), (e: Error) => `${e.name}: ${e.message}`), url);
    expect(read).toBe('TypeError: Failed to fetch');
    // The browser sent the cookie and the app answered with the token: only CORS keeps it from the page.
    expect(await served).toMatchObject({
      status: 200, withSession: true, fetchSite: 'same-site', body: expect.stringContaining('"token"'),
    });
    const opaque = await page.evaluate((u) =>
      fetch(u, { credentials: 'include', mode: 'no-cors' }).then(async (r) => ({ type: r.type, text: await r.text() })), url);
    expect(opaque).toEqual({ type: 'opaque', text: '' });
  }

  it.each([
    [
      'CSRF_MODE=token: a same-site page cannot read the token, and its POSTs without it answer 403 and change nothing',
      false, 'Sec-Fetch-Site is same-site',
    ],
    [
      'CSRF_MODE=token with the attacker\'s origin trusted (a sibling the app has to trust): the missing token alone refuses',
      true, 'the x-csrf-token header does not carry this session\'s token',
    ],
  ])('%s', async (_, trusted, reason) => {
    const victim = await start({ CSRF_MODE: 'token' }, trusted ? { mode: 'token', trustedOrigins: [sameSite] } : undefined);
    const context = await signedInBrowser(victim);
    const phone = await secondDevice(victim);
    const tab = await attackerTab(context);
    await tokenOutOfReach(tab, victim);
    const before = await sessionState(redis.client, victim.prefix);

    for (const seen of [
      await formPost(tab, sameSite, victim, '/auth/logout-others'),
      await noCorsPost(tab, sameSite, victim, '/auth/logout'),
    ]) {
      expect(seen).toMatchObject({ withSession: true, fetchSite: 'same-site', csrfHeader: false, ...refused(reason) });
    }
    await nothingChanged(context, victim, before, phone);
  });
});
