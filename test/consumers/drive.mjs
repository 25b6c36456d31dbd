#!/usr/bin/env node
// Drives one consumer app the way a user meets it: `npm run build` (nest build, the CLI's strict tsconfig), then
// `node dist/main.js` against a private redis-server, then HTTP / WebSocket / health / metrics checks.
//
//   node test/consumers/drive.mjs <app> [--dir <installed app dir>]
//
// run.mjs packs the library, installs each app outside the repo and calls drive() for each; run standalone, this
// drives an app already installed in --dir (default: where run.mjs installs it). Plain Node, no test runner:
// Jest cannot load the ESM-only Nest 12 on Node 20.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const CONSUMERS_DIR = dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = resolve(CONSUMERS_DIR, '..', '..');

/**
 * What each app covers. Every app runs the HTTP flow; the rest is spread so that the three together cover every
 * scenario once, each on a Nest 12 app where the brief asks for it.
 */
export const APPS = {
  'nest12-express': { nest: 12, adapter: 'express', socket: 'ws', otel: true, ioredis5: true, graphql: 'apollo' },
  'nest12-fastify': { nest: 12, adapter: 'fastify', socket: 'socket.io', config: true, terminus: true, withoutOtel: true, graphql: 'mercurius' },
  'nest11-cjs': { nest: 11, adapter: 'express', withoutOtel: true },
};

/** Where run.mjs installs the apps: outside the repo, so nothing resolves from the repo's own node_modules. */
export function workDir() {
  return resolve(process.env.CONSUMERS_WORKDIR ?? join(tmpdir(), 'nestjs-redis-session-consumers'));
}

const WAIT_MS = 2000; // how long a socket has to answer or be closed
const CHECK_TIMEOUT_MS = 20_000;
// nest build type-checks @nestjs/graphql's typings too: measured 17 s alone, over 20 s beside other jobs on 2 cores.
const BUILD_TIMEOUT_MS = 90_000;

/** Strips ANSI colours from build and app output. */
const plain = (s) => s.replace(/\x1b\[[0-9;]*m/g, '');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Runs one app's checks. `report(line)` receives each result line as it is decided.
 * @returns {Promise<{ passed: number, failed: number, results: Array<{ name: string, ok: boolean, detail: string }> }>}
 */
export async function drive(app, { dir = join(workDir(), app), report = console.log } = {}) {
  const spec = APPS[app];
  if (!spec) throw new Error(`unknown app ${app}; one of ${Object.keys(APPS).join(', ')}`);
  const results = [];
  let blocked = null; // set when the app cannot run: the remaining checks fail with this reason

  const record = (name, ok, detail = '') => {
    results.push({ name, ok, detail });
    report(`${ok ? 'PASS' : 'FAIL'} ${app} › ${name}${detail ? ` — ${detail}` : ''}`);
  };
  const check = async (name, fn, timeoutMs = CHECK_TIMEOUT_MS) => {
    if (blocked) return record(name, false, `not run: ${blocked}`);
    const started = Date.now();
    try {
      let timer;
      const timeout = new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
      });
      const detail = await Promise.race([fn(), timeout]).finally(() => clearTimeout(timer));
      record(name, true, `${detail ? `${detail}, ` : ''}${Date.now() - started} ms`);
      return true;
    } catch (err) {
      record(name, false, err instanceof Error ? err.message : String(err));
      return false;
    }
  };

  const appRequire = createRequire(join(dir, 'package.json'));
  const { RedisServerProcess } = loadRedisServerProcess();
  // DEBUG (local connections only) lets the first-message check hold Redis busy for a moment.
  const redis = new RedisServerProcess(['--appendonly', 'no', '--enable-debug-command', 'local']);
  let child = null;
  const output = [];
  const cleanup = () => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    redis.kill();
  };
  process.once('exit', cleanup);

  try {
    await redis.start();

    // --- build: a type error in the library's public types fails here ------------------------------------------
    await check('build: npm run build (nest build, strict tsconfig)', async () => {
      const r = await run('npm', ['run', 'build'], dir);
      if (r.code !== 0) {
        const errors = plain(r.output).split('\n').filter((l) => /error TS\d+/.test(l)).map((l) => l.trim());
        throw new Error(`exit ${r.code}: ${errors.length ? errors.join(' | ') : lastLines(r.output, 15)}`);
      }
    }, BUILD_TIMEOUT_MS);
    // tsc emits despite type errors: the runtime checks still tell what happens at run time. The build check above
    // has already failed the run.
    if (!existsSync(join(dir, 'dist', 'main.js'))) blocked = 'the build emitted no dist/main.js';

    // --- boot ------------------------------------------------------------------------------------------------
    const port = await freePort();
    const prometheusPort = await freePort();
    const base = `http://127.0.0.1:${port}`;
    await check('boot: node dist/main.js listens', async () => {
      child = spawn(process.execPath, ['dist/main.js'], {
        cwd: dir,
        env: {
          ...process.env, PORT: String(port), PROMETHEUS_PORT: String(prometheusPort), HOST: '127.0.0.1', REDIS_URL: redis.url,
          NO_COLOR: '1', FORCE_COLOR: '0',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const keep = (d) => {
        output.push(...plain(String(d)).split('\n').filter(Boolean));
        if (output.length > 200) output.splice(0, output.length - 200);
      };
      child.stdout.on('data', keep);
      child.stderr.on('data', keep);
      const deadline = Date.now() + 15_000;
      while (Date.now() < deadline) {
        if (child.exitCode !== null || child.signalCode !== null) {
          throw new Error(`exited with ${child.exitCode ?? child.signalCode}: ${bootError(output)}`);
        }
        if (output.some((l) => l.includes('listening on'))) return `Nest ${installedVersion(appRequire, '@nestjs/core')}`;
        await sleep(50);
      }
      throw new Error(`no "listening on" within 15 s: ${lastLines(output.join('\n'), 10)}`);
    });
    if (!blocked && !(child && child.exitCode === null)) blocked = 'the app did not start';

    // --- the optional OpenTelemetry peer, left out --------------------------------------------------------------
    if (spec.withoutOtel) {
      await check('no-otel: runs without @opentelemetry/api installed (optional peer)', async () => {
        const fromLibrary = createRequire(appRequire.resolve('nestjs-redis-session/package.json'));
        let found = null;
        try {
          found = fromLibrary.resolve('@opentelemetry/api');
        } catch {
          return 'not resolvable from the library, and the app is up';
        }
        throw new Error(`@opentelemetry/api resolves from the library (${found}): installed although neither the app nor an optional peer asks for it`);
      });
    }

    const http = (method, path, opts) => request(base, method, path, opts);

    // --- HTTP flow -----------------------------------------------------------------------------------------------
    let cookie = null;
    let login = null;
    await check('http: GET /me without a cookie → 401', async () => expectStatus(await http('GET', '/me'), 401));
    const loggedIn = await check('http: POST /auth/login → 200 + session cookie', async () => {
      const res = await http('POST', '/auth/login', { body: { username: 'alice', password: 'alice-pass', device: 'consumer test' } });
      expectStatus(res, 200);
      cookie = sessionCookie(res);
      if (res.json?.userId !== 'u-alice') throw new Error(`body ${res.text}`);
      login = { at: Date.now(), body: res.json };
    });
    if (!loggedIn && !blocked) blocked = 'login failed';
    await check('http: GET /me with the cookie → 200', async () => {
      const res = await http('GET', '/me', { cookie });
      expectStatus(res, 200);
      if (res.json?.userId !== 'u-alice') throw new Error(`body ${res.text}`);
    });
    await check('http: PUT /me/cart → 200', async () => {
      expectStatus(await http('PUT', '/me/cart', { cookie, body: { items: ['apple', 'pear'] } }), 200);
    });
    await check('http: GET /me/cart → the items just put', async () => {
      const res = await http('GET', '/me/cart', { cookie });
      expectStatus(res, 200);
      if (JSON.stringify(res.json?.items) !== '["apple","pear"]') throw new Error(`body ${res.text}`);
    });
    await check('http: POST /auth/logout → 204', async () => expectStatus(await http('POST', '/auth/logout', { cookie }), 204));
    await check('http: GET /me with the logged-out cookie → 401', async () => expectStatus(await http('GET', '/me', { cookie }), 401));
    if (blocked === 'login failed') blocked = null;

    // --- GraphQL: the README's resolver (login/logout mutations, me) ---------------------------------------------
    if (spec.graphql) {
      const gql = (query, cookieHeader) => http('POST', '/graphql', { cookie: cookieHeader, body: { query } });
      const codeOf = (res) => res.json?.errors?.[0]?.extensions?.code;
      let gqlCookie = null;
      await check(`graphql (${spec.graphql}): me without a cookie → UNAUTHENTICATED, not 5xx`, async () => {
        const res = await gql('{ me { userId } }');
        if (res.status >= 500 || codeOf(res) !== 'UNAUTHENTICATED') throw new Error(`${res.status} ${res.text}`);
      });
      await check(`graphql (${spec.graphql}): login mutation → session cookie`, async () => {
        const res = await gql('mutation { login(username: "alice", password: "alice-pass", device: "gql") { userId expiresAt } }');
        expectStatus(res, 200);
        gqlCookie = sessionCookie(res);
        if (res.json?.data?.login?.userId !== 'u-alice') throw new Error(`body ${res.text}`);
      });
      await check(`graphql (${spec.graphql}): me with the cookie`, async () => {
        const res = await gql('{ me { userId device } }', gqlCookie);
        if (res.json?.data?.me?.device !== 'gql') throw new Error(`${res.status} ${res.text}`);
      });
      await check(`graphql (${spec.graphql}): logout mutation clears the cookie; me → UNAUTHENTICATED`, async () => {
        const res = await gql('mutation { logout }', gqlCookie);
        if (res.json?.data?.logout !== true) throw new Error(`${res.status} ${res.text}`);
        if (!res.setCookies.some((c) => /^sid=;.*Max-Age=0/i.test(c))) throw new Error(`Set-Cookie ${JSON.stringify(res.setCookies)}`);
        const after = await gql('{ me { userId } }', gqlCookie);
        if (codeOf(after) !== 'UNAUTHENTICATED') throw new Error(`${after.status} ${after.text}`);
      });
    }

    // --- ConfigModule: .env strings reach forRootAsync -----------------------------------------------------------
    if (spec.config) {
      await check('config: forRootAsync + ConfigService, .env SESSION_IDLE_SECONDS=600 applied', async () => {
        if (!login) throw new Error('no login response to read expiresAt from');
        const idle = (Date.parse(login.body.expiresAt) - login.at) / 1000;
        if (!(idle > 590 && idle < 610)) throw new Error(`login's expiresAt is ${Math.round(idle)} s away, want ~600`);
        return `expiresAt = login + ${Math.round(idle)} s`;
      });
    }

    // --- ioredis 5: the app's own client --------------------------------------------------------------------------
    if (spec.ioredis5) {
      await check('ioredis5: the app passes its own ioredis 5 client as `redis` and sessions land in it', async () => {
        const version = installedVersion(appRequire, 'ioredis');
        if (!version.startsWith('5.')) throw new Error(`the app's ioredis is ${version}, want 5.x`);
        const res = await http('POST', '/auth/login', { body: { username: 'bob', password: 'bob-pass' } });
        expectStatus(res, 200);
        const keys = redisCli(redis.port, ['--scan', '--pattern', 'sess:*']).split('\n').filter(Boolean);
        if (keys.length === 0) throw new Error('no sess:* keys in the Redis behind the app client');
        return `ioredis ${version}, ${keys.length} session keys`;
      });
    }

    // --- WebSockets ----------------------------------------------------------------------------------------------
    if (spec.socket) {
      const sockets = spec.socket === 'ws' ? wsClient(appRequire, port) : socketIoClient(appRequire, base);
      const name = spec.socket;
      const loginAs = async () => {
        const res = await http('POST', '/auth/login', { body: { username: 'bob', password: 'bob-pass', device: name } });
        expectStatus(res, 200);
        return sessionCookie(res);
      };
      await check(`${name}: a guarded message sent right after connect is answered (5 tries)`, async () => {
        // Nest does not await handleConnection: the first message races attach()'s Redis lookup. On loopback the
        // lookup usually wins, so tries 3 to 5 connect while Redis is busy for 150 ms (DEBUG SLEEP), as a remote or
        // loaded Redis would be: the message must wait for the session, not be refused.
        const bobCookie = await loginAs();
        const failures = [];
        for (let i = 1; i <= 5; i++) {
          if (i >= 3) await holdRedis(redis.port, 150);
          const outcome = await sockets.immediateWhoami(bobCookie);
          if (outcome !== 'u-bob') failures.push(`try ${i}${i >= 3 ? ' (Redis busy)' : ''}: ${outcome}`);
        }
        if (failures.length) throw new Error(`${5 - failures.length}/5 answered; ${failures.join('; ')}`);
        return '5/5 answered, 3 of them while Redis was busy';
      });
      await check(`${name}: no cookie → refused`, async () => sockets.refusedWithoutCookie());
      await check(`${name}: HTTP logout closes the socket within ${WAIT_MS / 1000} s`, async () => {
        const bobCookie = await loginAs();
        return sockets.closedByLogout(bobCookie, async () => expectStatus(await http('POST', '/auth/logout', { cookie: bobCookie }), 204));
      });
    }

    // --- OpenTelemetry: the library's instruments through the app's SDK -------------------------------------------
    if (spec.otel) {
      let snapshot = null;
      const metric = async (name) => {
        snapshot ??= await http('GET', '/telemetry/metrics').then((r) => (expectStatus(r, 200), r.json));
        const m = snapshot.metrics.find((x) => x.name === name);
        if (!m) {
          const names = snapshot.metrics.map((x) => x.name);
          throw new Error(`no ${name} in the reader (has: ${names.length ? names.join(', ') : 'nothing'})`);
        }
        return m;
      };
      const total = (m) => m.points.reduce((s, p) => s + (typeof p.value === 'number' ? p.value : p.value.count), 0);
      await check('otel: counter session.created > 0', async () => {
        const n = total(await metric('session.created'));
        if (!(n > 0)) throw new Error(`session.created = ${n}`);
        return `${n}`;
      });
      await check('otel: counter session.guard.outcome counts ok and 401', async () => {
        const m = await metric('session.guard.outcome');
        const by = Object.fromEntries(m.points.map((p) => [p.attributes.outcome, p.value]));
        if (!(by.ok > 0) || !(by['401'] > 0)) throw new Error(`outcomes ${JSON.stringify(by)}`);
        return JSON.stringify(by);
      });
      await check('otel: histogram session.redis.duration has recordings', async () => {
        const m = await metric('session.redis.duration');
        const count = m.points.reduce((s, p) => s + p.value.count, 0);
        const sum = m.points.reduce((s, p) => s + (p.value.sum ?? 0), 0);
        if (!(count > 0 && sum > 0)) throw new Error(`count ${count}, sum ${sum}`);
        return `count ${count}, sum ${sum.toPrecision(3)} ${m.unit}`;
      });
      await check("otel: Prometheus scrape (the README's exporter) serves the library's metrics", async () => {
        const res = await fetch(`http://127.0.0.1:${prometheusPort}/metrics`);
        const text = await res.text();
        for (const series of ['session_created_total', 'session_guard_outcome_total', 'session_redis_duration_bucket']) {
          if (!text.includes(series)) throw new Error(`no ${series} in /metrics (${res.status}, ${text.length} bytes)`);
        }
        return `${text.split('\n').filter((l) => l.startsWith('session_')).length} session_ lines`;
      });
      await check("otel: session.redis.duration is in seconds (unit 's')", async () => {
        const m = await metric('session.redis.duration');
        const max = Math.max(...m.points.map((p) => p.value.max ?? 0));
        if (m.unit !== 's') throw new Error(`unit is '${m.unit}'`);
        if (!(max < 1)) throw new Error(`a local Redis command took ${max} s?`);
        return `max ${max.toPrecision(3)} s`;
      });
    }

    // --- terminus: /health follows Redis ---------------------------------------------------------------------------
    if (spec.terminus) {
      const health = () => http('GET', '/health', { timeoutMs: 8000 });
      const until = async (want, ms) => {
        const deadline = Date.now() + ms;
        let last;
        do {
          last = await health().catch((e) => ({ status: 0, text: String(e) }));
          if (last.status === want) return last;
          await sleep(200);
        } while (Date.now() < deadline);
        throw new Error(`still ${last.status} after ${ms} ms: ${last.text?.slice(0, 200)}`);
      };
      await check('terminus: GET /health → 200, session up', async () => {
        const res = await health();
        expectStatus(res, 200);
        if (res.json?.info?.session?.status !== 'up') throw new Error(`body ${res.text}`);
      });
      await check('terminus: Redis killed → GET /health 503', async () => {
        await redis.crash();
        const res = await until(503, 6000);
        if (res.json?.error?.session?.status !== 'down') throw new Error(`body ${res.text}`);
      });
      await check('terminus: Redis restarted → GET /health 200', async () => {
        await redis.start();
        await until(200, 10_000);
      });
    }

    // --- shutdown ------------------------------------------------------------------------------------------------
    await check('shutdown: SIGTERM → exits within 5 s', async () => {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`the app had already exited (${child.exitCode ?? child.signalCode})`);
      const exited = new Promise((r) => child.once('exit', (code, signal) => r(code ?? signal)));
      child.kill('SIGTERM');
      const how = await Promise.race([exited, sleep(5000).then(() => 'timeout')]);
      if (how === 'timeout') throw new Error('still running 5 s after SIGTERM (open handles?)');
      return `exit ${how}`;
    });
  } finally {
    cleanup();
    process.removeListener('exit', cleanup);
    await redis.dispose();
  }
  if (results.some((r) => !r.ok) && output.length) {
    report(`     ${app} log (last lines):\n${output.slice(-12).map((l) => `       | ${l}`).join('\n')}`);
  }
  const failed = results.filter((r) => !r.ok).length;
  return { passed: results.length - failed, failed, results };
}

// ---------------------------------------------------------------------------------------------------------------
// WebSocket clients: the same three scenarios over `ws` and over socket.io.

function wsClient(appRequire, port) {
  const WebSocket = appRequire('ws');
  const url = `ws://127.0.0.1:${port}/ws`;
  const open = (cookie) => new WebSocket(url, { headers: cookie ? { cookie } : {} });
  const whoami = (ws) => ws.send(JSON.stringify({ event: 'whoami', data: {} }));
  const answer = (ws) =>
    new Promise((resolve) => {
      const timer = setTimeout(() => resolve(`no answer within ${WAIT_MS} ms`), WAIT_MS);
      ws.on('message', (raw) => {
        let msg;
        try {
          msg = JSON.parse(String(raw));
        } catch {
          msg = { event: 'unparsable', data: String(raw) };
        }
        if (msg.event === 'whoami') {
          clearTimeout(timer);
          resolve(msg.data?.userId);
        }
      });
      ws.once('close', (code) => (clearTimeout(timer), resolve(`closed with ${code}`)));
      ws.once('error', (err) => (clearTimeout(timer), resolve(`error ${err.message}`)));
    });
  return {
    async immediateWhoami(cookie) {
      const ws = open(cookie);
      const got = answer(ws);
      ws.once('open', () => whoami(ws));
      const outcome = await got;
      ws.terminate();
      return outcome;
    },
    async refusedWithoutCookie() {
      const ws = open(null);
      const code = await new Promise((resolve) => {
        const timer = setTimeout(() => resolve('still open'), WAIT_MS);
        ws.once('close', (c) => (clearTimeout(timer), resolve(c)));
        ws.once('error', () => {});
      });
      ws.terminate();
      if (code !== 4401) throw new Error(`want close code 4401, got ${code}`);
      return 'closed with 4401';
    },
    async closedByLogout(cookie, logout) {
      const ws = open(cookie);
      await new Promise((resolve, reject) => (ws.once('open', resolve), ws.once('error', reject)));
      await settledSocket(async () => {
        const got = answer(ws);
        whoami(ws);
        return got;
      });
      const closed = new Promise((resolve) => ws.once('close', (code) => resolve(code)));
      await logout();
      const started = Date.now();
      const code = await Promise.race([closed, sleep(WAIT_MS).then(() => 'still open')]);
      ws.terminate();
      if (code === 'still open') throw new Error(`still open ${WAIT_MS} ms after logout`);
      return `closed with ${code} after ${Date.now() - started} ms`;
    },
  };
}

function socketIoClient(appRequire, base) {
  const { io } = appRequire('socket.io-client');
  const open = (cookie) => io(base, { extraHeaders: cookie ? { cookie } : {}, reconnection: false, timeout: WAIT_MS });
  const whoami = (socket) =>
    new Promise((resolve) => {
      socket.once('exception', (e) => resolve(`exception ${JSON.stringify(e)}`));
      socket.once('disconnect', (reason) => resolve(`disconnected (${reason})`));
      socket.timeout(WAIT_MS).emit('whoami', {}, (err, res) => resolve(err ? `no answer within ${WAIT_MS} ms` : res?.userId));
    });
  const connected = (socket) =>
    new Promise((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('connect_error', reject);
    });
  return {
    async immediateWhoami(cookie) {
      const socket = open(cookie);
      try {
        await connected(socket);
        return await whoami(socket); // emitted in the same tick as 'connect'
      } catch (err) {
        return `connect_error ${err.message}`;
      } finally {
        socket.close();
      }
    },
    async refusedWithoutCookie() {
      const socket = open(null);
      const outcome = await new Promise((resolve) => {
        const timer = setTimeout(() => resolve(null), WAIT_MS);
        socket.once('connect_error', (err) => (clearTimeout(timer), resolve(`connect_error (${err.message})`)));
        socket.once('disconnect', (reason) => (clearTimeout(timer), resolve(`disconnect (${reason})`)));
      });
      socket.close();
      if (!outcome) throw new Error(`still connected ${WAIT_MS} ms later`);
      return outcome;
    },
    async closedByLogout(cookie, logout) {
      const socket = open(cookie);
      try {
        await connected(socket);
        await settledSocket(() => whoami(socket));
        const closed = new Promise((resolve) => socket.once('disconnect', resolve));
        await logout();
        const started = Date.now();
        const reason = await Promise.race([closed, sleep(WAIT_MS).then(() => null)]);
        if (!reason) throw new Error(`still connected ${WAIT_MS} ms after logout`);
        return `disconnect (${reason}) after ${Date.now() - started} ms`;
      } finally {
        socket.close();
      }
    },
  };
}

/**
 * Waits until a connected socket's session is usable (so the logout check measures only the logout): asks whoami
 * every 250 ms, up to 3 s. The first-message race has its own check.
 */
async function settledSocket(ask) {
  const deadline = Date.now() + 3000;
  let last;
  while (Date.now() < deadline) {
    last = await ask();
    if (last === 'u-bob') return;
    if (/^(closed|disconnected|error)/.test(String(last))) break;
    await sleep(250);
  }
  throw new Error(`the connected socket never answered whoami (last: ${last})`);
}

// ---------------------------------------------------------------------------------------------------------------
// Helpers.

/** Ctrl-C or a CI timeout: exit through process.exit so the 'exit' handlers kill the app and redis-server. */
export function exitOnSignals() {
  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]]) process.once(signal, () => process.exit(code));
}

function loadRedisServerProcess() {
  // The repo's own helper (tools/redis-server.process.ts), as `npm run build` compiled it.
  const compiled = join(REPO_ROOT, 'dist', 'tools', 'redis-server.process.js');
  if (!existsSync(compiled)) throw new Error(`${compiled} is missing: run \`npm run build\` in the repo first`);
  return createRequire(import.meta.url)(compiled);
}

async function freePort() {
  const { createServer } = await import('node:net');
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

async function request(base, method, path, { cookie, body, timeoutMs = 5000 } = {}) {
  const headers = {};
  if (cookie) headers.cookie = cookie;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(base + path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await res.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, text, json, setCookies: res.headers.getSetCookie() };
}

function expectStatus(res, want) {
  if (res.status !== want) throw new Error(`want ${want}, got ${res.status}: ${res.text.slice(0, 300)}`);
}

function sessionCookie(res) {
  const sid = res.setCookies.find((c) => c.startsWith('sid='));
  if (!sid) throw new Error(`no sid cookie in Set-Cookie (${JSON.stringify(res.setCookies)})`);
  return sid.split(';')[0];
}

function installedVersion(appRequire, name) {
  try {
    return JSON.parse(readFileSync(appRequire.resolve(`${name}/package.json`), 'utf8')).version;
  } catch {
    return 'not installed';
  }
}

/**
 * Makes Redis busy for `ms` (DEBUG SLEEP on a connection of its own) and resolves once the sleep has begun, while
 * every other client's commands wait behind it.
 */
async function holdRedis(port, ms) {
  const { Socket } = await import('node:net');
  const socket = new Socket();
  await new Promise((resolve, reject) => (socket.once('error', reject), socket.connect(port, '127.0.0.1', resolve)));
  socket.on('error', () => {});
  socket.once('data', () => socket.destroy());
  socket.write(`DEBUG SLEEP ${ms / 1000}\r\n`);
  await sleep(10);
}

function redisCli(port, args) {
  const r = spawnSync('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`redis-cli: ${r.stderr || r.error}`);
  return r.stdout;
}

/** Runs a command; `output` has stdout and stderr as they came, `stdout` stdout alone. */
export function run(cmd, args, cwd, env = process.env) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    let stdout = '';
    child.stdout.on('data', (d) => ((output += d), (stdout += d)));
    child.stderr.on('data', (d) => (output += d));
    child.on('error', (err) => resolve({ code: -1, output: `${output}\n${err.message}`, stdout }));
    child.on('close', (code) => resolve({ code, output, stdout }));
  });
}

function lastLines(text, n) {
  return plain(String(text)).trim().split('\n').slice(-n).join(' | ');
}

/** The first error line of a failed boot (Nest prints the stack after it). */
function bootError(lines) {
  const i = lines.findIndex((l) => /ERROR|Error:/.test(l));
  return i < 0 ? lines.slice(-5).join(' | ') : lines.slice(i, i + 3).join(' | ');
}

// Standalone: node test/consumers/drive.mjs <app> [--dir <dir>]
if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [app, flag, value] = process.argv.slice(2);
  if (!app || !APPS[app]) {
    console.error(`usage: node test/consumers/drive.mjs <${Object.keys(APPS).join('|')}> [--dir <installed app dir>]`);
    process.exit(2);
  }
  exitOnSignals();
  const { passed, failed } = await drive(app, flag === '--dir' ? { dir: resolve(value) } : {});
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}
