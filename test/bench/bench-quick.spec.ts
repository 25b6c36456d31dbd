import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Keeps `npm run bench` from rotting: builds, then runs the benchmark in its quickest mode (one round of 1 s per app)
 * and checks that it exits 0, prints a row for every app and writes its results. No performance assertions:
 * CI machines are too noisy for those, and the targets are benchmark goals, not tests.
 */
const ROOT = join(__dirname, '..', '..');
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

describe('npm run bench (smoke)', () => {
  let out: string;

  beforeAll(() => {
    out = mkdtempSync(join(tmpdir(), 'nrs-bench-'));
  });

  afterAll(() => {
    rmSync(out, { recursive: true, force: true });
  });

  it('builds, runs every app once and prints the table', () => {
    const build = spawnSync('npm', ['run', 'build'], { cwd: ROOT, encoding: 'utf8', timeout: 90_000 });
    expect({ status: build.status, output: build.status === 0 ? '' : `${build.stdout}\n${build.stderr}` }).toEqual({ status: 0, output: '' });

    const run = spawnSync(process.execPath, ['dist/bench/run-bench.js', '--smoke', '--out', out], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 90_000,
    });
    const output = `${run.stdout}\n${run.stderr}`;
    expect({ status: run.status, signal: run.signal }).toEqual({ status: 0, signal: null });

    const table = run.stdout.split('\n').filter((l) => l.startsWith('| '));
    for (const name of APP_ROWS) {
      expect(table.some((l) => l.startsWith(`| ${name} `))).toBe(true);
    }
    expect(output).toContain('Targets (issue #6):');

    const json = JSON.parse(readFileSync(join(out, 'bench-latest.json'), 'utf8')) as { apps: Array<{ name: string; failures: number; rps: number }> };
    expect(json.apps.map((a) => a.name).sort()).toEqual([...APP_ROWS].sort());
    for (const app of json.apps) {
      // Every app served real, successful requests (a broken login would show up as 401s here).
      expect({ name: app.name, failures: app.failures }).toEqual({ name: app.name, failures: 0 });
      expect(app.rps).toBeGreaterThan(0);
    }
    expect(existsSync(join(out, 'bench-latest.svg'))).toBe(true);
    expect(existsSync(join(out, 'bench-latest.md'))).toBe(true);
  }, 180_000);
});
