import { existsSync, readFileSync } from 'node:fs';

/**
 * Summarises a `node --cpu-prof` profile: top functions by self time, and self time per package (node_modules
 * package, this library's dist/lib, node internals). Usage, in bench/:
 *   node dist/bench/run-bench.js --only bare-express,ours-strict-express --profile ours-strict-express
 *   node dist/bench/profile-summary.js bench-results/profiles/<file>.cpuprofile [top N]
 */
interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

function packageOf(url: string): string {
  if (!url) return '(native / idle / gc)';
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm) return nm[1];
  if (url.includes('/dist/lib/')) return 'nestjs-redis-session (dist/lib)';
  if (url.includes('/dist/bench/')) return 'bench app';
  if (url.startsWith('node:')) return 'node internals';
  return url;
}

function main(): void {
  const file = process.argv[2];
  const top = Number(process.argv[3] ?? 25);
  if (!file) throw new Error('usage: profile-summary <file.cpuprofile> [top]');
  const p = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  p.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (p.timeDeltas[i] ?? 0)));
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const fn = new Map<string, number>();
  const pkg = new Map<string, number>();
  let idle = 0;
  for (const [id, us] of self) {
    const cf = byId.get(id)!.callFrame;
    if (cf.functionName === '(idle)' || cf.functionName === '(program)') idle += cf.functionName === '(idle)' ? us : 0;
    const where = cf.url ? `${cf.url.replace(/^.*\/(node_modules|dist)\//, '$1/')}:${cf.lineNumber + 1}` : '';
    const key = `${cf.functionName || '(anonymous)'} ${where}`.trim();
    fn.set(key, (fn.get(key) ?? 0) + us);
    const k = cf.url ? packageOf(cf.url) : cf.functionName;
    pkg.set(k, (pkg.get(k) ?? 0) + us);
  }
  const busy = total - idle;
  // The runner writes the request count of the profiled run beside the profile: then costs show per request too.
  const side = file.replace(/\.cpuprofile$/, '.json');
  const requests = existsSync(side) ? (JSON.parse(readFileSync(side, 'utf8')) as { requests: number }).requests : 0;
  const pct = (us: number) =>
    `${((us / busy) * 100).toFixed(1).padStart(5)} %${requests ? `  ${(us / requests).toFixed(1).padStart(6)} µs/req` : ''}`;
  console.log(`${file}: ${(total / 1e6).toFixed(2)} s sampled, ${(idle / 1e6).toFixed(2)} s idle; percentages are of non-idle time` +
    (requests ? `; ${requests} requests, ${(busy / requests).toFixed(1)} µs of non-idle samples per request` : ''));
  console.log('\nSelf time by package:');
  for (const [k, us] of [...pkg].filter(([k]) => k !== '(idle)').sort((a, b) => b[1] - a[1]).slice(0, 20)) console.log(`  ${pct(us)}  ${k}`);
  console.log(`\nTop ${top} functions by self time:`);
  for (const [k, us] of [...fn].filter(([k]) => !k.startsWith('(idle)')).sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`  ${pct(us)}  ${k}`);
}

main();
