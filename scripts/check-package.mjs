// The package as a user receives it: packs the library, lints the tarball (publint, @arethetypeswrong/cli), checks
// that the packed README's relative links resolve to files that ship, and compiles every TypeScript block of the
// README, as written, in a project set up like `nest new` on Nest 12 (ESM, nodenext, strict, isolatedModules,
// emitDecoratorMetadata) with the packed library installed. Run after `npm run build`: `npm run check:package`.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const work = join(root, '.package-check');
const run = (cmd, args, opts = {}) => execFileSync(cmd, args, { cwd: root, stdio: 'inherit', ...opts });
const results = [];
const check = (name, fn) => {
  try {
    fn();
    results.push([name, true]);
    console.log(`ok   ${name}`);
  } catch (err) {
    results.push([name, false]);
    console.log(`FAIL ${name}: ${err.message.split('\n')[0]}`);
  }
};

rmSync(work, { recursive: true, force: true });
mkdirSync(work, { recursive: true });
const tarball = execFileSync('npm', ['pack', '--silent', '--pack-destination', work], { cwd: root, encoding: 'utf8' }).trim().split('\n').at(-1);
const tgz = join(work, tarball);
const unpacked = join(work, 'unpacked');
mkdirSync(unpacked);
execFileSync('tar', ['xzf', tgz, '-C', unpacked]);
const pkgDir = join(unpacked, 'package');
const shipped = new Set(execFileSync('tar', ['tzf', tgz], { encoding: 'utf8' }).split('\n').map((f) => f.replace(/^package\//, '')));

check('publint', () => run('npx', ['publint', '--strict', tgz]));
check('arethetypeswrong', () => run('npx', ['attw', tgz, '--profile', 'node16']));

check('packed README links resolve', () => {
  const readme = readFileSync(join(pkgDir, 'README.md'), 'utf8');
  const broken = [...readme.matchAll(/\]\(([^)#\s]+)(#[^)]*)?\)/g)]
    .map((m) => m[1])
    .filter((href) => !/^(https?:|mailto:)/.test(href))
    .filter((href) => !shipped.has(href.replace(/^\.\//, '')));
  if (broken.length > 0) throw new Error(`relative links to files the package does not contain: ${broken.join(', ')}`);
});

check('README code blocks compile in a Nest 12 ESM strict project', () => {
  const project = join(work, 'readme-project');
  const src = join(project, 'src');
  mkdirSync(src, { recursive: true });
  // Installed as npm would: the packed files under node_modules; its own dependencies resolve from the repo's.
  cpSync(pkgDir, join(project, 'node_modules', 'nestjs-redis-session'), { recursive: true });
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);
  if (blocks.length === 0) throw new Error('no ts blocks found');
  blocks.forEach((code, i) => {
    // A block that says which file it is (`// app.module.ts: ...`) is written there, so others can import it.
    const named = /^\/\/ ([\w.-]+\.ts):/.exec(code)?.[1];
    writeFileSync(join(src, named ?? `readme-block-${i + 1}.ts`), code);
  });
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'readme-check', private: true, type: 'module' }));
  writeFileSync(join(project, 'tsconfig.json'), JSON.stringify({
    compilerOptions: {
      module: 'nodenext', moduleResolution: 'nodenext', resolvePackageJsonExports: true, esModuleInterop: true,
      isolatedModules: true, declaration: true, emitDecoratorMetadata: true, experimentalDecorators: true,
      allowSyntheticDefaultImports: true, target: 'ES2023', skipLibCheck: true, strict: true,
      strictPropertyInitialization: false, types: ['node'], noEmit: true,
      typeRoots: [join(root, 'node_modules', '@types')],
    },
    include: ['src'],
  }));
  run(join(root, 'node_modules', '.bin', 'tsc'), ['-p', project]);
  console.log(`     ${blocks.length} blocks: ${readdirSync(src).join(', ')}`);
});

check('published types compile on their own (skipLibCheck off, no internal type left dangling)', () => {
  const project = join(work, 'types-project');
  mkdirSync(join(project, 'src'), { recursive: true });
  cpSync(pkgDir, join(project, 'node_modules', 'nestjs-redis-session'), { recursive: true });
  const index = readFileSync(join(pkgDir, 'dist', 'lib', 'index.d.ts'), 'utf8');
  const names = [...index.matchAll(/export (?:type )?\{([^}]+)\}/g)].flatMap((m) => m[1].split(',').map((n) => n.trim().replace(/^type\s+/, '')).filter(Boolean));
  writeFileSync(join(project, 'src', 'all.ts'), `import type * as lib from 'nestjs-redis-session';\nexport type All = [${names.map((n) => `typeof lib extends { ${n}: infer T } ? T : never`).join(', ')}];\n`);
  writeFileSync(join(project, 'tsconfig.json'), JSON.stringify({
    compilerOptions: {
      module: 'node16', moduleResolution: 'node16', strict: true, skipLibCheck: false, noEmit: true,
      experimentalDecorators: true, types: ['node'], typeRoots: [join(root, 'node_modules', '@types')],
    },
    files: ['src/all.ts', 'node_modules/nestjs-redis-session/dist/lib/index.d.ts'],
  }));
  run(join(root, 'node_modules', '.bin', 'tsc'), ['-p', project]);
});

const failed = results.filter(([, ok]) => !ok).length;
console.log(`${results.length - failed} passed, ${failed} failed`);
if (!existsSync(join(root, '.gitignore')) || !readFileSync(join(root, '.gitignore'), 'utf8').includes('.package-check')) {
  console.log('note: add .package-check/ to .gitignore');
}
process.exit(failed > 0 ? 1 : 0);
