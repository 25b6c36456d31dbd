import { ChildProcess, fork } from 'node:child_process';
import { join } from 'node:path';
import type { LoadRequest, LoadResult } from '../load-worker';
import { BENCH_DIST } from './app-process';

/** Runner-side handle of the autocannon worker process (one for the whole run, reused for every measurement). */
export class LoadGenerator {
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (r: LoadResult) => void; reject: (e: Error) => void }>();

  private constructor(private readonly child: ChildProcess) {
    child.on('message', (m: { id: number; result?: LoadResult; error?: string }) => {
      const w = this.waiting.get(m.id);
      if (!w) return;
      this.waiting.delete(m.id);
      if (m.error) w.reject(new Error(m.error));
      else w.resolve(m.result!);
    });
    child.on('exit', (code) => {
      for (const w of this.waiting.values()) w.reject(new Error(`load worker exited (${code})`));
      this.waiting.clear();
    });
  }

  static start(): LoadGenerator {
    return new LoadGenerator(fork(join(BENCH_DIST, 'load-worker.js'), [], { execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
  }

  run(o: Omit<LoadRequest, 'id'>): Promise<LoadResult> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.child.send({ ...o, id });
    });
  }

  stop(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }
}
