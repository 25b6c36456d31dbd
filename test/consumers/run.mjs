#!/usr/bin/env node
// Consumer tests: packs the library from this checkout once, installs the tarball into each app under
// test/consumers/ the way a user would (`npm install`), and drives every app (drive.mjs). One line per check, then
// `N passed, N failed`; exits non-zero on any failure.
//
//   npm run test:consumers                       (or: node test/consumers/run.mjs [--update-locks] [app ...])
//
// --update-locks copies each app's package-lock.json back from the work dir after its install (without the
// tarball's integrity, which changes with every build of the library): commit them when an app's dependencies or
// the library's own dependencies change.
//
// The apps are copied to CONSUMERS_WORKDIR (default: <tmpdir>/nestjs-redis-session-consumers) and installed there,
// outside the repo: inside it, Node would find whatever an app lacks in the repo's own node_modules (Nest 11, the
// OTel API, ioredis 6...) and hide a missing or optional dependency. The work dir is reused to speed up later runs.
// Needs: the repo's dev dependencies installed (npm ci), redis-server and redis-cli on PATH, the npm registry.
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { APPS, CONSUMERS_DIR, REPO_ROOT, drive, exitOnSignals, run, workDir } from './drive.mjs';

exitOnSignals();

const started = Date.now();
/**
 * Sources every app that has the feature uses word for word (`shared/`): copied into each app's `src/` when it is
 * staged, so that one copy is kept up to date. The HTTP flow is in all three apps, GraphQL in the Nest 12 ones.
 */
const SHARED = {
  'auth.controller.ts': ['nest12-express', 'nest12-fastify', 'nest11-cjs'],
  'users.service.ts': ['nest12-express', 'nest12-fastify', 'nest11-cjs'],
  'session.resolver.ts': ['nest12-express', 'nest12-fastify'],
};

const args = process.argv.slice(2);
const updateLocks = args.includes('--update-locks');
const named = args.filter((a) => !a.startsWith('--'));
const apps = named.length ? named : Object.keys(APPS);
for (const app of apps) {
  if (!APPS[app]) {
    console.error(`unknown app ${app}; one of ${Object.keys(APPS).join(', ')}`);
    process.exit(2);
  }
}
let passed = 0;
let failed = 0;
const line = (ok, name, detail) => {
  ok ? passed++ : failed++;
  console.log(`${ok ? 'PASS' : 'FAIL'} ${name}${detail ? ` — ${detail}` : ''}`);
};
const seconds = (since) => `${((Date.now() - since) / 1000).toFixed(1)} s`;
const plain = (s) => String(s).replace(/\x1b\[[0-9;]*m/g, '');
const tail = (text, n) => plain(text).trim().split('\n').slice(-n).join('\n        ');

// Install with one npm cache for all apps; --prefer-offline skips revalidating what the cache already holds.
const npmInstall = ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'];

const work = workDir();
const packDir = join(CONSUMERS_DIR, '.pack');
const tarball = join(packDir, 'nestjs-redis-session.tgz');

try {
  // 1. Pack the current checkout (the working tree as it is, built with the repo's own build).
  if (!existsSync(join(REPO_ROOT, 'node_modules', 'typescript'))) {
    throw new Error(`${REPO_ROOT}/node_modules has no typescript: run \`npm ci\` in the repo first`);
  }
  let t = Date.now();
  const build = await run('npm', ['run', 'build'], REPO_ROOT);
  line(build.code === 0, 'library › npm run build', build.code === 0 ? seconds(t) : `exit ${build.code}:\n        ${tail(build.output, 8)}`);
  if (build.code !== 0) {
    // tsc emits despite type errors elsewhere (sample-app/); the step after it copies the Lua scripts.
    // Finish the build by hand so the apps can still be driven: the failure above is already counted.
    const lua = await run('node', ['scripts/copy-lua.js'], REPO_ROOT);
    if (lua.code !== 0 || !existsSync(join(REPO_ROOT, 'dist', 'lib', 'index.js'))) throw new Error('no usable dist/lib to pack');
  }
  t = Date.now();
  rmSync(packDir, { recursive: true, force: true });
  mkdirSync(packDir, { recursive: true });
  const pack = await run('npm', ['pack', '--json', '--pack-destination', packDir], REPO_ROOT);
  if (pack.code !== 0) throw new Error(`npm pack failed:\n${tail(pack.output, 10)}`);
  const packed = JSON.parse(pack.stdout)[0];
  renameSync(join(packDir, packed.filename), tarball);
  const files = packed.files.map((f) => f.path);
  const lua = files.filter((f) => f.endsWith('.lua')).length;
  line(
    files.includes('dist/lib/index.js') && files.includes('dist/lib/index.d.ts') && lua > 0,
    'library › npm pack: dist/lib with types and Lua scripts',
    `${packed.name}@${packed.version}, ${files.length} files (${lua} .lua), ${(packed.size / 1024).toFixed(0)} kB, ${seconds(t)}`,
  );
  const integrity = `sha512-${createHash('sha512').update(readFileSync(tarball)).digest('base64')}`;

  // 2. Per app: copy to the work dir, install the tarball and the app's locked dependencies (all apps at once,
  //    sharing the npm cache), then drive the apps one at a time.
  for (let d = dirname(work); d !== dirname(d); d = dirname(d)) {
    if (existsSync(join(d, 'node_modules'))) console.log(`     warning: ${d}/node_modules is visible to the apps in ${work}`);
  }
  const installStart = Date.now();
  mkdirSync(join(work, '.pack'), { recursive: true });
  cpSync(tarball, join(work, '.pack', 'nestjs-redis-session.tgz'));
  const installs = Object.fromEntries(
    apps.map((app) => {
      const dir = join(work, app);
      stage(app, dir);
      // Naming the tarball makes npm read it again: from the lock alone it would reuse the cached old one.
      const done = run('npm', [...npmInstall, 'file:../.pack/nestjs-redis-session.tgz'], dir).then((r) => ({ ...r, at: Date.now() }));
      return [app, done];
    }),
  );
  for (const app of apps) {
    const dir = join(work, app);
    const install = await installs[app];
    const installed = install.code === 0 ? lockedIntegrity(dir) : null;
    const ok = install.code === 0 && installed === integrity;
    line(
      ok,
      `${app} › install: npm install (lockfile + packed tarball)`,
      install.code !== 0
        ? `exit ${install.code}:\n        ${tail(install.output, 12)}`
        : installed !== integrity
          ? `installed nestjs-redis-session is not the tarball just packed (${installed})`
          : `${((install.at - installStart) / 1000).toFixed(1)} s (the apps install in parallel)`,
    );
    if (!ok) continue; // the driver's checks would only repeat this failure
    if (updateLocks) copyLockBack(app, dir);
    t = Date.now();
    const result = await drive(app, { dir });
    passed += result.passed;
    failed += result.failed;
    console.log(`     ${app}: ${result.passed} passed, ${result.failed} failed in ${seconds(t)}`);
  }
} catch (err) {
  line(false, 'consumers › run', err instanceof Error ? err.message : String(err));
}

console.log(`     total time ${seconds(started)}, apps installed in ${work}`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);


/** Copies the app's committed files (not node_modules or dist) and its shared sources into the work dir. */
function stage(app, dir) {
  const src = join(CONSUMERS_DIR, app);
  mkdirSync(dir, { recursive: true });
  for (const entry of readdirSync(dir)) {
    if (entry !== 'node_modules') rmSync(join(dir, entry), { recursive: true, force: true });
  }
  for (const entry of readdirSync(src)) {
    if (entry === 'node_modules' || entry === 'dist' || entry.endsWith('.tsbuildinfo')) continue;
    cpSync(join(src, entry), join(dir, entry), { recursive: true });
  }
  for (const [file, apps] of Object.entries(SHARED)) {
    if (apps.includes(app)) cpSync(join(CONSUMERS_DIR, 'shared', file), join(dir, 'src', file));
  }
}

function copyLockBack(app, dir) {
  const lock = JSON.parse(readFileSync(join(dir, 'package-lock.json'), 'utf8'));
  delete lock.packages['node_modules/nestjs-redis-session'].integrity;
  writeFileSync(join(CONSUMERS_DIR, app, 'package-lock.json'), `${JSON.stringify(lock, null, 2)}\n`);
  console.log(`     ${app}: package-lock.json copied back to test/consumers/${app}/`);
}

function lockedIntegrity(dir) {
  const lock = JSON.parse(readFileSync(join(dir, 'package-lock.json'), 'utf8'));
  return lock.packages?.['node_modules/nestjs-redis-session']?.integrity ?? null;
}
