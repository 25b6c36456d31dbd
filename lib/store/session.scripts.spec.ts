import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { SESSION_SCRIPTS } from './session.scripts';

// Plain tsc does not copy .lua files, and a script file nobody registers is dead code: keep the two lists equal.
describe('session scripts', () => {
  it('registers every .lua file in scripts/ as exactly one command, and nothing else', () => {
    const files = readdirSync(join(__dirname, 'scripts')).filter((f) => f.endsWith('.lua')).sort();
    const registered = Object.values(SESSION_SCRIPTS).map((s) => s.file).sort();
    expect(registered).toEqual(files);
  });
});
