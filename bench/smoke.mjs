#!/usr/bin/env node
// Keeps `npm run bench` from rotting: builds the library (the benchmarks import its dist/lib as a package) and the
// benchmarks, runs the benchmark in its quickest mode (one round of 1 s per app) and checks that it exits 0, prints
// a row for every app, served every app's requests without a failure and wrote its results. No performance
// assertions: CI machines are too noisy for those, and the targets are benchmark goals, not tests.
// One line per check, then `N passed, N failed`; exits non-zero on any failure.
//
//   npm --prefix bench run smoke        (or, in bench/: node smoke.mjs)
//
// Needs: `npm ci` in the repo and in bench/, redis-server on PATH (the run starts its own on a free port).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const BENCH = import.meta.dirname;
const ROOT = join(BENCH, '..');
/** The default table's rows: every app must get one. */
const APP_ROWS = [
  'bare-express',
  'bare-fastify',
  'express-session',
  'fastify-session',
  'ours-strict-express',
  'ours-strict-fastify',
  'ours-cached-express',
  'ours-cached-fastify',
];
const RESULT_FILES = ['bench-latest.json', 'bench-latest.svg', 'bench-latest.md'];

const started = Date.now();
const seconds = (since) => `${((Date.now() - since) / 1000).toFixed(1)} s`;
const tail = (text, n) => text.trim().split('\n').slice(-n).join('\n        ');
let passed = 0;
let failed = 0;
const line = (ok, name, detail) => {
  ok ? passed++ : failed++;
  console.log(`${ok ? 'PASS' : 'FAIL'} ${name}${detail ? ` — ${detail}` : ''}`);
  return ok;
};
const finish = () => {
  console.log(`     total time ${seconds(started)}`);
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
};
const run = (cmd, args, cwd, timeout) => {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', timeout, maxBuffer: 64 * 1024 * 1024 });
  return { ...r, output: `${r.stdout ?? ''}\n${r.stderr ?? ''}${r.error ? `\n${r.error.message}` : ''}` };
};

for (const [name, cwd] of [['library › npm run build', ROOT], ['bench › npm run build', BENCH]]) {
  const t = Date.now();
  const build = run('npm', ['run', 'build'], cwd, 180_000);
  if (!line(build.status === 0, name, build.status === 0 ? seconds(t) : `exit ${build.status ?? build.signal}:\n        ${tail(build.output, 12)}`)) {
    finish();
  }
}

const out = mkdtempSync(join(tmpdir(), 'nrs-bench-'));
try {
  const t = Date.now();
  const bench = run(process.execPath, [join(BENCH, 'dist', 'bench', 'run-bench.js'), '--smoke', '--out', out], BENCH, 150_000);
  const ran = line(
    bench.status === 0 && bench.signal === null,
    'bench --smoke › exits 0',
    bench.status === 0 ? seconds(t) : `exit ${bench.status}, signal ${bench.signal}:\n        ${tail(bench.output, 20)}`,
  );
  if (ran) {
    const table = bench.stdout.split('\n').filter((l) => l.startsWith('| '));
    const missing = APP_ROWS.filter((name) => !table.some((l) => l.startsWith(`| ${name} `)));
    line(missing.length === 0, 'bench --smoke › a table row for every app', missing.length ? `no row for ${missing.join(', ')}` : `${APP_ROWS.length} rows`);
    line(bench.stdout.includes('Targets (issue #6):'), 'bench --smoke › targets printed');

    const absent = RESULT_FILES.filter((f) => !existsSync(join(out, f)));
    line(absent.length === 0, 'bench --smoke › results written', absent.length ? `missing ${absent.join(', ')}` : RESULT_FILES.join(', '));

    if (existsSync(join(out, 'bench-latest.json'))) {
      const { apps } = JSON.parse(readFileSync(join(out, 'bench-latest.json'), 'utf8'));
      for (const name of APP_ROWS) {
        const app = apps.find((a) => a.name === name);
        // Every app served real, successful requests: a broken login shows up here as failed requests (401s).
        line(
          app !== undefined && app.failures === 0 && app.rps > 0,
          `bench --smoke › ${name} served its requests`,
          app === undefined ? 'not in bench-latest.json' : `${Math.round(app.rps)} req/s, ${app.failures} failed`,
        );
      }
      const extra = apps.map((a) => a.name).filter((name) => !APP_ROWS.includes(name));
      if (extra.length) line(false, 'bench --smoke › only the table\'s apps', `also ran ${extra.join(', ')}`);
    }
  }
} finally {
  rmSync(out, { recursive: true, force: true });
}
finish();
