import { BODY_LIMIT_BYTES } from '../../../sample-app/bootstrap';
import { MAX_BODY_DEPTH } from '../../../sample-app/validation/body-depth.pipe';
import { HttpClient } from '../../harness/http-client';
import { startTestRedis, TestRedis, uniquePrefix } from '../../harness/redis';
import { RunningTestApp, testApp } from '../../harness/test-app';

const nestedArrays = (levels: number) => '['.repeat(levels) + ']'.repeat(levels);
const nestedObjects = (levels: number) => '{"a":'.repeat(levels - 1) + '{}' + '}'.repeat(levels - 1);
/** A valid login whose ignored extra field makes the whole body exactly `levels` deep. */
const loginNested = (levels: number) => `{"username":"alice","password":"alice-pass","extra":${nestedArrays(levels - 1)}}`;

/**
 * Bodies no route may answer with a 5xx: most are refused with a 4xx; one with a harmless extra key may be accepted
 * (the DTO whitelist drops the key). Content type: JSON unless given.
 */
const MALFORMED: Array<[what: string, body: string, contentType?: string]> = [
  ['50,000 nested arrays under a field', `{"username":${nestedArrays(50_000)}}`],
  ['50,000 bare nested arrays', nestedArrays(50_000)],
  ['50,000 nested objects', nestedObjects(50_000)],
  ['invalid JSON', '{"username": "alice",'],
  ['JSON null', 'null'],
  ['JSON true', 'true'],
  ['a JSON string', '"alice"'],
  ['a JSON number', '42'],
  ['an empty array', '[]'],
  ['an empty body', ''],
  ['a __proto__ key', '{"__proto__":{"admin":true},"items":["a"]}'],
  ['a constructor key', '{"constructor":{"prototype":{"admin":true}},"items":["a"]}'],
  ['items nested too deep', `{"items":${nestedArrays(40)}}`],
  ['a form body sent as JSON', 'username=alice&password=alice-pass'],
  ['deep form fields', 'a[b][c][d][e][f][g][h][i][j][k]=1', 'application/x-www-form-urlencoded'],
  ['XML', '<login><username>alice</username></login>', 'application/xml'],
];

// Malformed bodies on both adapters: nesting deep enough to overflow a recursive walker (ValidationPipe,
// class-transformer) is refused with 400 before any recursion, invalid JSON answers 400, a body over the one
// parser limit 413, and nothing answers 5xx.
describe.each(['express', 'fastify'] as const)('malformed bodies on %s', (adapter) => {
  let redis: TestRedis;
  let app: RunningTestApp;
  let signedIn: HttpClient;

  const send = (path: string, method: string, body: string, contentType = 'application/json', cookie?: string) =>
    fetch(app.url + path, {
      method, body, headers: { 'content-type': contentType, ...(cookie ? { cookie: `sid=${cookie}` } : {}) },
      signal: AbortSignal.timeout(5000),
    });

  beforeAll(async () => {
    redis = await startTestRedis();
    app = await testApp(redis.url).adapter(adapter).options({ keyPrefix: uniquePrefix(`body-${adapter}`) }).start();
    signedIn = app.client();
    await signedIn.login('alice', 'cart-owner');
  });
  afterAll(async () => {
    await app?.close();
    await redis?.close();
  });

  it.each([
    ['{"username":[[[…50,000…]]]}', `{"username":${nestedArrays(50_000)}}`],
    ['[[[…50,000…]]]', nestedArrays(50_000)],
  ])('POST /auth/login answers 400 to %s, saying the body nests too deep', async (_what, body) => {
    const res = await send('/auth/login', 'POST', body);
    expect(res.status).toBe(400);
    expect((await res.json()).message).toMatch(/nested more than 32 levels/);
    expect(res.headers.getSetCookie()).toEqual([]);
  });

  it('PUT /me/cart answers 400 to 50,000 nested arrays, and the session and the app carry on', async () => {
    const res = await send('/me/cart', 'PUT', `{"items":${nestedArrays(50_000)}}`, 'application/json', signedIn.cookie);
    expect(res.status).toBe(400);
    expect((await signedIn.put('/me/cart', { items: ['still', 'fine'] })).status).toBe(200);
    expect((await signedIn.get('/me/cart')).body).toEqual({ items: ['still', 'fine'] });
  });

  it(`accepts a body ${MAX_BODY_DEPTH} levels deep and refuses one level more`, async () => {
    expect((await send('/auth/login', 'POST', loginNested(MAX_BODY_DEPTH))).status).toBe(200);
    expect((await send('/auth/login', 'POST', loginNested(MAX_BODY_DEPTH + 1))).status).toBe(400);
  });

  it('answers 400 to invalid JSON', async () => {
    expect((await send('/auth/login', 'POST', '{"username": "alice", "password": ')).status).toBe(400);
  });

  it(`answers 413 to a body over ${BODY_LIMIT_BYTES} bytes, and parses one just under it (the same limit on both adapters)`, async () => {
    const over = JSON.stringify({ username: 'a'.repeat(BODY_LIMIT_BYTES), password: 'x' });
    expect((await send('/auth/login', 'POST', over)).status).toBe(413);
    expect((await send('/me/cart', 'PUT', JSON.stringify({ items: ['a'.repeat(BODY_LIMIT_BYTES)] }), 'application/json', signedIn.cookie)).status).toBe(413);
    // Under the limit it is parsed, and the DTO refuses it: 400, not 413.
    const under = JSON.stringify({ username: 'a'.repeat(BODY_LIMIT_BYTES - 100), password: 'x' });
    expect((await send('/auth/login', 'POST', under)).status).toBe(400);
  });

  // Rows as objects: a row shorter than the test's parameter list would make jest pass its `done` callback instead.
  it.each(MALFORMED.map(([what, body, contentType]) => ({ what, body, contentType })))(
    'never answers 5xx to $what, on any route that reads a body',
    async ({ body, contentType }) => {
      const routes: Array<[method: string, path: string, cookie?: string]> = [
        ['POST', '/auth/login'],
        ['PUT', '/me/cart', signedIn.cookie],
        ['POST', '/auth/logout'],
      ];
      for (const [method, path, cookie] of routes) {
        const res = await send(path, method, body, contentType, cookie);
        // The route in the message says which one failed.
        expect({ route: `${method} ${path}`, below500: res.status < 500, status: res.status })
          .toMatchObject({ route: `${method} ${path}`, below500: true });
      }
      expect((await signedIn.get('/me')).status).toBe(200);
    },
  );
});
