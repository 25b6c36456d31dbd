// Runs the model-based concurrency checker (test/model) with knobs from the command line:
//   npm run test:model -- --runs 50                 more runs per feature combination
//   npm run test:model -- --seed 42 --path "3:1"    replay what a failure printed (seed and path)
//   npm run test:model -- --combo "cache=events rotation=on" --steps 40 --shrink-ms 60000
//   npm run test:model -- --ignore events           leave an end-of-run check out while exploring
// Anything else is passed to jest.
const { spawnSync } = require('node:child_process');
const path = require('node:path');

const knobs = {
  '--runs': 'MODEL_RUNS',
  '--seed': 'MODEL_SEED',
  '--path': 'MODEL_PATH',
  '--combo': 'MODEL_COMBO',
  '--steps': 'MODEL_STEPS',
  '--shrink-ms': 'MODEL_SHRINK_MS',
  '--ignore': 'MODEL_IGNORE',
};
const env = { ...process.env };
const jestArgs = [];
const args = process.argv.slice(2);
for (let i = 0; i < args.length; i++) {
  const [flag, inline] = args[i].split(/=(.*)/s);
  if (!(flag in knobs)) {
    jestArgs.push(args[i]);
    continue;
  }
  const value = inline ?? args[++i];
  if (value === undefined) {
    console.error(`${flag} needs a value`);
    process.exit(2);
  }
  env[knobs[flag]] = value;
}
if (env.MODEL_RUNS && !env.MODEL_SHRINK_MS) env.MODEL_SHRINK_MS = '60000';

const jest = path.join(__dirname, '..', 'node_modules', 'jest', 'bin', 'jest.js');
const result = spawnSync(process.execPath, [jest, 'test/model', ...jestArgs], { stdio: 'inherit', env });
process.exit(result.status ?? 1);
