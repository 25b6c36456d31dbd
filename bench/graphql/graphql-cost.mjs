#!/usr/bin/env node
// What a GraphQL request costs with a session against one without, on the sample app (built: `npm run build`):
// `query { me }` with a session cookie (SessionGuard, @Session()) vs `{ ping }` (a @PublicRoute() resolver, no
// cookie: the guard runs and finds no session) vs `{ __typename }` (no resolver at all), and REST GET /me. A closed loop of CONCURRENCY requests in flight for SECONDS per case; prints µs per
// request (wall time / requests, best of 3 interleaved rounds) and requests per second. Not part of `npm test`.
//
//   node bench/graphql/graphql-cost.mjs [express|fastify] [seconds=5] [concurrency=8]
//
// Starts a private redis-server on a free port (never 6379).
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const root = fileURLToPath(new URL('../..', import.meta.url));
const [adapter = 'express', seconds = '5', concurrency = '8'] = process.argv.slice(2);

// The repo's launcher (built with the library): free port, waits until the server answers, killed with us.
const { RedisServerProcess } = require(`${root}dist/tools/redis-server.process.js`);
const redis = await new RedisServerProcess(['--appendonly', 'no']).start();
process.on('exit', () => redis.kill());

const { createSampleApp } = require(`${root}dist/sample-app/bootstrap.js`);
const { sampleConfigFromEnv } = require(`${root}dist/sample-app/config/sample-config.js`);
const { settings } = sampleConfigFromEnv({});
const app = await createSampleApp({ ...settings, redis: redis.url }, adapter, false);
await app.listen(0, '127.0.0.1');
const base = (await app.getUrl()).replace('[::1]', '127.0.0.1').replace('localhost', '127.0.0.1');

const login = await fetch(`${base}/auth/login`, {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ username: 'alice', password: 'alice-pass', device: 'bench' }),
});
const cookie = login.headers.getSetCookie()[0].split(';')[0];
const gql = (query, headers = {}) => () =>
  fetch(`${base}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query }) });

const cases = [
  ['graphql { __typename } (no resolver)', gql('{ __typename }')],
  ['graphql { ping } (public, no cookie)', gql('{ ping }')],
  ['graphql { me } with session', gql('{ me { userId username device } }', { cookie })],
  ['REST GET /me with session', () => fetch(`${base}/me`, { headers: { cookie } })],
];
for (const [name, send] of cases) {
  const first = await send();
  const body = await first.text();
  if (first.status !== 200 || body.includes('errors')) throw new Error(`${name}: ${first.status} ${body}`);
}

/** One closed-loop run of `send` for `secs` seconds: µs of wall time per request. */
async function run(send, secs) {
  const until = Date.now() + secs * 1000;
  let count = 0;
  const started = performance.now();
  await Promise.all(Array.from({ length: Number(concurrency) }, async () => {
    while (Date.now() < until) {
      await (await send()).arrayBuffer();
      count++;
    }
  }));
  return ((performance.now() - started) * 1000) / count;
}

// Warm-up of every case, then ROUNDS interleaved rounds (a noisy neighbour hits every case alike); best round kept.
const ROUNDS = 3;
for (const [, send] of cases) await run(send, 1);
const best = cases.map(() => Infinity);
for (let round = 0; round < ROUNDS; round++) {
  for (const [i, [, send]] of cases.entries()) best[i] = Math.min(best[i], await run(send, Number(seconds) / ROUNDS));
}
for (const [i, [name]] of cases.entries()) {
  console.log(`${adapter}  ${name.padEnd(40)} ${best[i].toFixed(0).padStart(5)} µs/request  ${Math.round(1e6 / best[i])} req/s`);
}
await app.close();
await redis.dispose();
