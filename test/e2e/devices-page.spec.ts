import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium } from '../harness/browser';
import { RedisServerProcess, uniquePrefix } from '../harness/redis';
import { RunningTestApp, testApp } from '../harness/test-app';

/**
 * The "Your devices" page (GET /) in a real browser: Debian's Chromium driven by playwright-core, two browser
 * contexts as two devices. No mocks: the sample app as shipped (cache and events on) on a private Redis.
 */
const ROOT = join(__dirname, '..', '..');
const ARTIFACTS = join(ROOT, 'test-artifacts');
/** Committed for the README; rewritten only when missing or with UPDATE_DOCS_SCREENSHOT=1, so runs leave git clean. */
const DOCS_SCREENSHOT = join(ROOT, 'docs', 'devices-page.png');

let browser: Browser;

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
});

describe.each(['express', 'fastify'] as const)('the "Your devices" page on %s', (adapter) => {
  let redis: RedisServerProcess;
  let app: RunningTestApp;
  const contexts: BrowserContext[] = [];
  const pageErrors: string[] = [];

  beforeAll(async () => {
    // A private server (this suite stops it), and no extra client: a client of a stopped server lingers on close.
    redis = await new RedisServerProcess().start();
    app = await testApp(redis.url).adapter(adapter).options({ keyPrefix: uniquePrefix(`web-${adapter}`) }).start();
  });
  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await app?.close();
    await redis?.dispose();
  });
  afterEach(() => {
    // A script error on any page fails the test that caused it.
    expect(pageErrors).toEqual([]);
  });

  /** A new device: its own browser context (cookie jar), with the page open. */
  async function device(): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 900, height: 600 }, locale: 'en-GB', timezoneId: 'UTC' });
    contexts.push(context);
    const page = await context.newPage();
    page.on('pageerror', (err) => pageErrors.push(`${adapter}: ${err.message}`));
    await page.goto(`${app.url}/`);
    await page.locator('body[data-view="signed-out"]').waitFor({ timeout: 5000 });
    return page;
  }

  async function signIn(page: Page, password: string, deviceName: string): Promise<void> {
    await page.getByLabel('Username').fill('alice');
    await page.getByLabel('Password').fill(password);
    await page.getByLabel('Device name').fill(deviceName);
    await page.getByRole('button', { name: 'Sign in' }).click();
  }

  /** Signed in, list rendered, and the event stream open (so nothing that happens next is missed). */
  async function signedIn(page: Page): Promise<void> {
    await page.locator('body[data-view="signed-in"][data-live="on"]').waitFor({ timeout: 5000 });
  }

  const devices = (page: Page) => page.locator('li.session').evaluateAll((lis) =>
    lis.map((li) => `${(li as HTMLElement).dataset.device}${(li as HTMLElement).dataset.current ? ' (this device)' : ''}`));
  const message = (page: Page) => page.locator('#message').textContent();

  let laptop: Page;
  let phone: Page;

  it('signs in on two devices, shows the second live on the first, and a revoke signs the second out within 2 s', async () => {
    laptop = await device();
    await signIn(laptop, 'alice-pass', 'Laptop');
    await signedIn(laptop);
    expect(await laptop.locator('#who-user').textContent()).toBe('alice');
    expect(await devices(laptop)).toEqual(['Laptop (this device)']);
    await laptop.evaluate(() => ((window as any).__sameDocument = true));

    phone = await device();
    await signIn(phone, 'alice-pass', 'Phone');
    await signedIn(phone);
    expect(await devices(phone)).toEqual(['Laptop', 'Phone (this device)']);

    // The laptop learns of the phone from GET /events, without a reload.
    await laptop.locator('li.session[data-device="Phone"]').waitFor({ timeout: 3000 });
    expect(await devices(laptop)).toEqual(['Laptop (this device)', 'Phone']);
    expect(await laptop.evaluate(() => (window as any).__sameDocument)).toBe(true);
    // The current device has no "Sign out" of its own in the list; the other one has.
    await expect(laptop.getByRole('button', { name: 'Sign out Laptop' }).count()).resolves.toBe(0);

    await laptop.screenshot({ path: join(ARTIFACTS, `devices-${adapter}-laptop.png`) });
    await phone.screenshot({ path: join(ARTIFACTS, `devices-${adapter}-phone.png`) });
    if (adapter === 'express' && (!existsSync(DOCS_SCREENSHOT) || process.env.UPDATE_DOCS_SCREENSHOT === '1')) {
      mkdirSync(join(ROOT, 'docs'), { recursive: true });
      await laptop.screenshot({ path: DOCS_SCREENSHOT });
    }

    const clicked = performance.now();
    await laptop.getByRole('button', { name: 'Sign out Phone' }).click();
    await phone.locator('body[data-view="signed-out"]').waitFor({ timeout: 2000 });
    const ms = performance.now() - clicked;
    expect(ms).toBeLessThan(2000);
    expect(await message(phone)).toBe('You were signed out');
    expect(await phone.getByLabel('Username').isVisible()).toBe(true);
    await phone.screenshot({ path: join(ARTIFACTS, `devices-${adapter}-phone-signed-out.png`) });
    // The phone's cookie is dead on the server too, and the laptop lists itself only.
    expect((await phone.context().request.get(`${app.url}/me`)).status()).toBe(401);
    await laptop.locator('li.session[data-device="Phone"]').waitFor({ state: 'detached', timeout: 2000 });
    expect(await devices(laptop)).toEqual(['Laptop (this device)']);
  });

  it('"Sign out everywhere else" signs the other device out and keeps this one; "Sign out" ends this one', async () => {
    await signIn(phone, 'alice-pass', 'Phone');
    await signedIn(phone);
    await laptop.locator('li.session[data-device="Phone"]').waitFor({ timeout: 3000 });

    await laptop.getByRole('button', { name: 'Sign out everywhere else' }).click();
    await phone.locator('body[data-view="signed-out"]').waitFor({ timeout: 2000 });
    expect(await message(phone)).toBe('You were signed out');
    await laptop.locator('li.session[data-device="Phone"]').waitFor({ state: 'detached', timeout: 2000 });
    expect(await devices(laptop)).toEqual(['Laptop (this device)']);
    expect(await message(laptop)).toBe('Signed out everywhere else');

    await laptop.getByRole('button', { name: 'Sign out', exact: true }).click();
    await laptop.locator('body[data-view="signed-out"]').waitFor({ timeout: 2000 });
    expect(await message(laptop)).toBe('You signed out');
    expect((await laptop.context().request.get(`${app.url}/me`)).status()).toBe(401);
  });

  it('shows a wrong password as a visible error and stays on the form', async () => {
    const page = await device();
    await signIn(page, 'not-the-password', 'Tablet');
    await page.locator('#message.error').waitFor({ timeout: 3000 });
    expect(await message(page)).toBe('Wrong username or password');
    expect(await page.locator('body').getAttribute('data-view')).toBe('signed-out');
    expect(await page.getByLabel('Password').inputValue()).toBe('not-the-password');
    await page.screenshot({ path: join(ARTIFACTS, `devices-${adapter}-bad-password.png`) });
  });

  // Last: it stops this suite's Redis.
  it('says "Session service unavailable, try again" when Redis is down, signed in or not', async () => {
    const signedInPage = await device();
    await signIn(signedInPage, 'alice-pass', 'Desk');
    await signedIn(signedInPage);
    const fresh = await device();

    await redis.stop();
    // The open page notices (its event stream drops) and a reload cannot load the list: both show the message.
    await signedInPage.reload();
    await signedInPage.locator('body[data-view="failed"]').waitFor({ timeout: 5000 });
    expect(await message(signedInPage)).toBe('Session service unavailable, try again');
    expect(await signedInPage.getByRole('button', { name: 'Try again' }).isVisible()).toBe(true);
    await signedInPage.screenshot({ path: join(ARTIFACTS, `devices-${adapter}-redis-down.png`) });

    await signIn(fresh, 'alice-pass', 'Desktop');
    await fresh.locator('#message.error').waitFor({ timeout: 5000 });
    expect(await message(fresh)).toBe('Session service unavailable, try again');
    expect(await fresh.locator('body').getAttribute('data-view')).toBe('signed-out');
  });
});
