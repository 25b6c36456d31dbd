// Plain tsc does not copy non-TS files; the Lua scripts are read at runtime from dist/lib/store/scripts.
const fs = require('node:fs');
const path = require('node:path');
const from = path.join(__dirname, '..', 'lib', 'store', 'scripts');
const to = path.join(__dirname, '..', 'dist', 'lib', 'store', 'scripts');
fs.mkdirSync(to, { recursive: true });
for (const file of fs.readdirSync(from).filter((f) => f.endsWith('.lua'))) {
  fs.copyFileSync(path.join(from, file), path.join(to, file));
}
